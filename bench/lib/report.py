#!/usr/bin/python3
"""Turn the hyperfine JSON files of one bench/run into bench/results/RESULTS.md and results.json.

Input (the run's work directory, written by bench/run):
  tools.tsv      id <TAB> label <TAB> where <TAB> command   -- every tool, in report order
  skipped.tsv    id <TAB> reason                             -- tools that could not run
  machine.tsv    key <TAB> value                             -- CPU, kernel, date, versions
  json/ID/*.json one hyperfine --export-json file per round; the rounds are merged

Rounds exist so that a slow drift of the machine (another job, thermal state) spreads over every tool instead of
landing on one: bench/run runs each tool for a slice of its runs, then the next tool, and repeats.
Standard library only, so it runs on a bare Debian.
"""

import json
import math
import os
import sys

FLOOR = "floor"
SUBJECT = "berth"
TARGET_MS = 10.0


def read_tsv(path, fields):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            parts = line.split("\t", fields - 1)
            parts += [""] * (fields - len(parts))
            rows.append(parts)
    return rows


def percentile(sorted_values, p):
    """Linear interpolation between closest ranks (numpy's default), p in [0, 100]."""
    if not sorted_values:
        return math.nan
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return sorted_values[lo]
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def merge_rounds(directory):
    """All run times (seconds) of every round of one tool, plus the user/system CPU means."""
    times, user, system = [], [], []
    if not os.path.isdir(directory):
        return times, user, system
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            print(f"report: skipping {os.path.join(directory, name)}: {e}", file=sys.stderr)
            continue
        for result in data.get("results", []):
            n = len(result.get("times", []))
            times += result.get("times", [])
            user.append((result.get("user", 0.0), n))
            system.append((result.get("system", 0.0), n))
    return times, user, system


def weighted_mean(pairs):
    total = sum(n for _, n in pairs)
    return sum(v * n for v, n in pairs) / total if total else math.nan


def stats(times, user, system):
    values = sorted(t * 1000.0 for t in times)
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
    return {
        "runs": len(values),
        "median_ms": percentile(values, 50),
        "p90_ms": percentile(values, 90),
        "min_ms": values[0],
        "max_ms": values[-1],
        "mean_ms": mean,
        "stddev_ms": math.sqrt(var),
        "user_ms": weighted_mean(user) * 1000.0,
        "system_ms": weighted_mean(system) * 1000.0,
    }


def ms(v):
    return "n/a" if v is None or math.isnan(v) else f"{v:.2f} ms"


def ratio(a, b):
    if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
        return "n/a"
    return f"{a / b:.2f}x"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py WORKDIR RESULTS_DIR")
    work, out_dir = sys.argv[1], sys.argv[2]
    tools = read_tsv(os.path.join(work, "tools.tsv"), 4)
    skipped = {tid: reason for tid, reason in read_tsv(os.path.join(work, "skipped.tsv"), 2)}
    machine = read_tsv(os.path.join(work, "machine.tsv"), 2)

    measured = {}
    for tid, _label, _where, _cmd in tools:
        if tid in skipped:
            continue
        times, user, system = merge_rounds(os.path.join(work, "json", tid))
        if times:
            measured[tid] = stats(times, user, system)
        else:
            skipped[tid] = "no measurement was recorded (see the run's log)"

    floor = measured.get(FLOOR, {}).get("median_ms")
    subject = measured.get(SUBJECT, {}).get("median_ms")
    meta = dict(machine)

    lines = ["# berth benchmark: start a container and run /bin/true, end to end", ""]
    lines.append(f"Written by `bench/run{(' ' + meta['args']) if meta.get('args') else ''}` on {meta.get('date', '?')}. "
                 "Times are wall-clock per command as measured by hyperfine (`--shell=none`), "
                 "from all rounds merged; p90 by linear interpolation.")
    lines.append("")
    lines.append("| tool | where | runs | median | p90 | min | max | mean ± sd | user+sys CPU | ÷ floor | berth ÷ tool |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for tid, label, where, _cmd in tools:
        s = measured.get(tid)
        if not s:
            continue
        berth_ratio = "—" if tid == SUBJECT else ratio(subject, s["median_ms"])
        lines.append(f"| {label} | {where} | {s['runs']} | {ms(s['median_ms'])} | {ms(s['p90_ms'])} | "
                     f"{ms(s['min_ms'])} | {ms(s['max_ms'])} | {s['mean_ms']:.2f} ± {s['stddev_ms']:.2f} ms | "
                     f"{ms(s['user_ms'] + s['system_ms'])} | {ratio(s['median_ms'], floor)} | {berth_ratio} |")
    lines.append("")

    target = f"**Target (issue 2): berth under {TARGET_MS:.0f} ms median.**"
    if subject is None:
        lines.append(f"{target} Not measured in this run: {skipped.get(SUBJECT, 'berth was not run')}")
    elif subject < TARGET_MS:
        lines.append(f"{target} Met: berth median {ms(subject)}.")
    else:
        lines.append(f"{target} Not met: berth median {ms(subject)}.")
    lines.append("")

    phases = os.path.join(work, "phases.txt")
    if os.path.exists(phases):
        with open(phases, encoding="utf-8") as f:
            table = [line.rstrip() for line in f if line.strip()]
        if table and table[0].startswith("step"):
            lines.append("## Where berth's time goes")
            lines.append("")
            lines.append("`bench/berth-phases.sh` in the test host: the work of `berthctl run --rm` as separate verbs "
                         "(each step also pays one berthctl start and bus connection, about what `list` costs).")
            lines.append("")
            lines.append("```")
            lines.extend(table)
            lines.append("```")
            lines.append("")

    if skipped:
        lines.append("## Tools that did not run")
        lines.append("")
        labels = {tid: label for tid, label, _w, _c in tools}
        for tid, reason in skipped.items():
            lines.append(f"- **{labels.get(tid, tid)}**: {reason}")
        lines.append("")

    lines.append("## Commands")
    lines.append("")
    for tid, label, where, cmd in tools:
        lines.append(f"- **{label}** ({where}): `{cmd}`")
    lines.append("")
    lines.append("The floor is the bare cost of the namespaces with no container set-up at all. lxc-execute and "
                 "systemd-nspawn run on the host, each inside a private cgroup subtree of the session, on a busybox "
                 "tree made from the same static binary as berth's built-in image; LXC runs with a user namespace "
                 "(`lxc.idmap = u/g 0 100000 65536`, no network), nspawn exactly as written (no user namespace). berth "
                 "and `systemd-run --scope` run inside the private systemd test host (`tests/testhost/testhost`), "
                 "since berth needs systemd as the manager of its scopes; `systemd-run --scope true` is the cost of "
                 "a transient scope alone, which berth pays on top of its namespaces.")
    lines.append("")

    lines.append("## Machine")
    lines.append("")
    for key, value in machine:
        if key in ("args",):
            continue
        lines.append(f"- {key}: {value}")
    lines.append("")

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "RESULTS.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    summary = {
        "machine": meta,
        "target_ms": TARGET_MS,
        "tools": [{"id": tid, "label": label, "where": where, "command": cmd,
                   **({"stats": measured[tid]} if tid in measured else {"skipped": skipped.get(tid, "")})}
                  for tid, label, where, cmd in tools],
    }
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
