#!/usr/bin/python3
"""Turn the measurements of one bench/run into bench/results/RESULTS.md, results.json and the PNG plots.

Input (the run's work directory, written by bench/run):
  tools.tsv        id <TAB> group <TAB> label <TAB> where <TAB> command  -- latency rows, in report order
  skipped.tsv      id <TAB> reason                                       -- what could not run, and why
  machine.tsv      key <TAB> value                                       -- CPU, kernel, date, versions
  json/ID/*.json   one hyperfine --export-json file per round; the rounds are merged
  scale.jsonl      berth's density and API records (bench/lib/scale.py in the test host), one JSON per line
  peer-density.jsonl  the same for LXC's monitor and podman's conmon (bench/run on the host)
  phases.txt       bench/berth-phases.sh's table
  profile.out      bench/profile.sh's output (or profile.skipped: why it did not run)

Rounds exist so that a slow drift of the machine (another job, thermal state) spreads over every tool instead of
landing on one. Standard library only, except the plots (python3-matplotlib; skipped with a note without it).
"""

import json
import math
import os
import sys

from profile_report import profile_section  # bench/lib/profile_report.py: bench/profile.sh's section

# The latency groups: which row is berth, which is the floor, which are peers, and issue 6's target for berth.
GROUPS = {
    "start": {"title": "Start a fresh container, run /bin/true, clean up",
              "subject": "berth", "floor": "floor", "peers": ["lxc", "nspawn", "podman", "podman-runc"],
              "target_ms": 6.0, "target": "`run --rm true` 6 ms or less median (issue 6; issue 2 asked under 10 ms)"},
    "exec": {"title": "Exec /bin/true in a running busybox container",
             "subject": "bexec", "floor": "nsenter", "peers": ["lxcattach", "machine"],
             "target_ms": 4.0, "target": "`exec true` into a running container 4 ms or less median (issue 6)"},
}
TARGET_PSS_KB = 350.0
TARGET_BERTHD_RSS_KB = 10 * 1024.0
TARGET_LIST_MS = 10.0

# Issue 6 measurements that need features not built yet. Listed, never silently left out.
NOT_YET = [
    ("density with networking (veth + bridge per container)",
     "the density figures are with `--network none`; start latency with a network is in the feature table"),
    ("`systemd-run -M NAME` into a running container",
     "it reaches the guest's own systemd through systemd-machined, and berth does not register its containers "
     "with machined yet; `exec true` into a running Debian guest is in the feature table"),
]


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


def read_jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except ValueError as e:
                        print(f"report: bad line in {path}: {e}", file=sys.stderr)
    return out


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


def bad(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


def ms(v):
    return "n/a" if bad(v) else f"{v:.2f} ms"


def kb(v):
    return "n/a" if bad(v) else f"{v:.0f} kB"


def ratio(a, b):
    if bad(a) or bad(b) or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


def verdict(value, target, unit_fmt):
    """'met' or 'behind by X (Y times the target)' for a lower-is-better figure."""
    if bad(value):
        return "not measured"
    if value <= target:
        return f"met ({unit_fmt(value)} ≤ {unit_fmt(target)})"
    return f"**behind by {unit_fmt(value - target)}** ({value / target:.1f}x the target {unit_fmt(target)})"


def latency_section(lines, gid, group, tools, measured, skipped):
    rows = [t for t in tools if t[1] == gid]
    if not rows:
        return
    floor = measured.get(group["floor"], {}).get("median_ms")
    peer_medians = [(measured[p]["median_ms"], p) for p in group["peers"] if p in measured]
    fastest = min(peer_medians) if peer_medians else None
    labels = {t[0]: t[2] for t in tools}
    lines.append(f"## {group['title']}")
    lines.append("")
    fastest_label = labels.get(fastest[1], fastest[1]) if fastest else "none measured"
    lines.append(f"Floor: {labels.get(group['floor'], group['floor'])}. Fastest peer: {fastest_label}.")
    lines.append("")
    lines.append("| tool | where | runs | median | p90 | min | max | mean ± sd | user+sys CPU | ÷ floor | ÷ fastest peer |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for tid, _g, label, where, _cmd in rows:
        s = measured.get(tid)
        if not s:
            lines.append(f"| {label} | {where} | — | not run: see below | | | | | | | |")
            continue
        lines.append(f"| {label} | {where} | {s['runs']} | {ms(s['median_ms'])} | {ms(s['p90_ms'])} | "
                     f"{ms(s['min_ms'])} | {ms(s['max_ms'])} | {s['mean_ms']:.2f} ± {s['stddev_ms']:.2f} ms | "
                     f"{ms(s['user_ms'] + s['system_ms'])} | {ratio(s['median_ms'], floor)} | "
                     f"{ratio(s['median_ms'], fastest[0] if fastest else None)} |")
    lines.append("")
    subject = measured.get(group["subject"], {}).get("median_ms")
    lines.append(f"**Target: {group['target']}.** berth: {verdict(subject, group['target_ms'], ms)}.")
    lines.append("")


def density_section(lines, scale, peer, skipped):
    dens = {r["count"]: r for r in scale if r.get("kind") == "density"}
    base = next((r for r in scale if r.get("kind") == "density-base"), {})
    lxc = {r["count"]: r for r in peer if r.get("kind") == "lxc-density"}
    pod = {r["count"]: r for r in peer if r.get("kind") == "podman-density"}
    lines.append("## Density: idle busybox containers (boot mode, `--network none` like the peers)")
    lines.append("")
    if not dens and not lxc and not pod:
        lines.append("Not measured in this run" + (": see below." if "density" in skipped else "."))
        lines.append("")
        return
    lines.append("Host memory per container outside the container's own processes: the supervisor's PSS "
                 "(`/proc/PID/smaps_rollup`, summed over all supervisors ÷ containers) — berth-spawn for berth, "
                 "LXC's monitor (`lxc-start -d`) for LXC, conmon for podman (`podman run -d`, crun). berthd and systemd (PID 1 of the test host) are the "
                 "shared daemons; their RSS growth per container is shown too. Kernel memory (namespaces, mounts, "
                 "cgroups, the ephemeral overlay) is in neither figure. Containers accumulate from one count to "
                 "the next; each count is measured after a 2 s settle.")
    lines.append("")
    if base:
        lines.append(f"Before any container: berthd RSS {kb(base.get('berthd_rss_kb'))} "
                     f"(PSS {kb(base.get('berthd_pss_kb'))}), systemd RSS {kb(base.get('systemd_rss_kb'))}.")
        lines.append("")
    lines.append("| containers | berth-spawn PSS / container | berth-spawn RSS / container | LXC monitor PSS / container "
                 "| conmon PSS / container | berthd RSS | berthd growth / container | systemd growth / container | `berthctl list` median "
                 "(p90) | berthd CPU at idle | start all: berth, LXC, podman |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted(set(dens) | set(lxc) | set(pod)):
        r = dens.get(n)
        p = lxc.get(n, {})
        peer_pss = kb(p.get("pss_kb_per_container"))
        if p and p.get("monitors") != n:
            peer_pss += f" ({p.get('monitors')} monitors found)"
        peer_start = f"{p['start_all_s']:.1f} s" if p else "n/a"
        q = pod.get(n, {})
        conmon_pss = kb(q.get("pss_kb_per_container"))
        if q and q.get("conmons") != n:
            conmon_pss += f" ({q.get('conmons')} conmons found)"
        peer_start += f", {q['start_all_s']:.1f} s" if q else ", n/a"
        if not r:
            lines.append(f"| {n} | n/a | n/a | {peer_pss} | {conmon_pss} | | | | | | n/a, {peer_start} |")
            continue
        cpu = r.get("berthd_idle_cpu_ms")
        cpu_s = "n/a" if bad(cpu) else f"{cpu:.2f} ms in {r['idle_s']:.0f} s"
        sup = "" if r.get("supervisors") == n else f" ({r.get('supervisors')} supervisors found)"
        lines.append(f"| {n}{sup} | {kb(r['spawn_pss_kb_per_container'])} | {kb(r['spawn_rss_kb_per_container'])} | "
                     f"{peer_pss} | {conmon_pss} | {kb(r['berthd_rss_kb'])} | {kb(r['berthd_growth_kb_per_container'])} | "
                     f"{kb(r['systemd_growth_kb_per_container'])} | {ms(r['list']['median_ms'])} "
                     f"({ms(r['list']['p90_ms'])}) | {cpu_s} | {r['start_all_s']:.1f} s, {peer_start} |")
    lines.append("")
    if dens:
        top = dens[max(dens)]
        n = top["count"]
        total = (top["spawn_pss_kb_per_container"] + top["berthd_growth_kb_per_container"] +
                 top["systemd_growth_kb_per_container"])
        lines.append(f"**Targets** (issue 6; at {n} containers, the largest count of this run):")
        lines.append("")
        conmon_top = pod.get(max(pod)) if pod else None
        conmon_now = (f"; podman's conmon in this run at {conmon_top['count']}: "
                      f"{kb(conmon_top['pss_kb_per_container'])}" if conmon_top else "")
        lines.append(f"- 350 kB PSS or less per idle container outside its own processes (measured earlier on this "
                     f"machine: conmon 418 kB, LXC monitor 480 kB, nspawn 1235 kB{conmon_now}): berth-spawn "
                     f"{verdict(top['spawn_pss_kb_per_container'], TARGET_PSS_KB, kb)}; with berthd's and systemd's "
                     f"growth per container added: {kb(total)}.")
        at200 = n >= 200
        lines.append("- berthd 10 MiB RSS or less with 200 containers: " +
                     (verdict(top["berthd_rss_kb"], TARGET_BERTHD_RSS_KB, kb) if at200 else
                      f"not measured at 200 in this run; at {n}: {kb(top['berthd_rss_kb'])}") + ".")
        if at200 and top["berthd_rss_kb"] > TARGET_BERTHD_RSS_KB:
            lines.append(f"  Where it goes: berthd grows {kb(top['berthd_growth_kb_per_container'])} per container, "
                         "almost all of it sdbus-c++'s registration of one org.berth1.Container object per container "
                         "(25 methods and 39 properties, each with its own callback, name and signature, plus "
                         "sd-bus's lookup entries; heaptrack at 200 containers: about 5 MB). sdbus-c++ 1.2 (Debian 12) "
                         "can neither share one vtable between objects nor hand out its sd-bus connection, so the "
                         "fix is to serve the Container interface with one sd-bus fallback vtable and an object "
                         "enumerator, as systemd-machined does. Before 200 containers: libraries and the binary; "
                         "\"berthd's memory\" in the profile section shows them by mapping.")
        lines.append("- `list` of 200 containers 10 ms or less: " +
                     (verdict(top["list"]["median_ms"], TARGET_LIST_MS, ms) if at200 else
                      f"not measured at 200 in this run; at {n}: {ms(top['list']['median_ms'])}") + ".")
    cleanup = next((r for r in scale if r.get("kind") == "density-cleanup"), None)
    if cleanup:
        lines.append(f"- clean-up: every berth container removed: {'yes' if cleanup['removed_all'] else 'NO'} "
                     f"({cleanup['seconds']:.1f} s; {cleanup['supervisors_left']} supervisors still running)")
        if cleanup.get("zombie_supervisors"):
            lines.append(f"- **{cleanup['zombie_supervisors']} berth-spawn zombies** after the clean-up: the supervisors "
                         f"exited but their parent ({', '.join(cleanup.get('zombie_parents') or ['?'])}) had not "
                         "reaped them (a product bug to fix: one zombie per stopped container).")
    lines.append("")


def api_section(lines, scale):
    api = next((r for r in scale if r.get("kind") == "api"), None)
    made = next((r for r in scale if r.get("kind") == "api-create"), None)
    lines.append("## D-Bus API with many defined containers")
    lines.append("")
    if not api:
        lines.append("Not run in this mode (or failed: see below).")
        lines.append("")
        return
    if made:
        lines.append(f"{made['count']} stopped ephemeral containers defined with `berthctl create --ephemeral "
                     "--network none` "
                     f"({made['per_create_ms']:.1f} ms per create, {made['defined']} defined in all).")
        lines.append("")
    lines.append("| operation | median | p90 | min | max | calls per second |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for key, label in (("list", "`berthctl list` (running only: none)"), ("list_all", "`berthctl list --all`"),
                       ("status", "`berthctl status NAME`")):
        s = api[key]
        lines.append(f"| {label} | {ms(s['median_ms'])} | {ms(s['p90_ms'])} | {ms(s['min_ms'])} | {ms(s['max_ms'])} | |")
    for label, s in (api.get("rates") or {}).items():
        lines.append(f"| {label} (python3-dbus, one connection, back to back) | {ms(s['median_ms'])} | "
                     f"{ms(s['p90_ms'])} | {ms(s['min_ms'])} | {ms(s['max_ms'])} | {s['per_second']:.0f} |")
    lines.append("")
    lines.append("The berthctl rows include starting berthctl and connecting to the bus (a few ms); the python3-dbus "
                 "rows are the bus round trip and berthd's work alone.")
    lines.append("")


def plots(out_dir, tools, measured, scale, peer):
    """PNG plots; returns the file names written, or a reason string when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "python3-matplotlib is not installed: no plots"
    written = []
    for gid, group in GROUPS.items():
        rows = [(label, measured[tid]) for tid, g, label, _w, _c in tools if g == gid and tid in measured]
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 1.5))
        names = [r[0] for r in rows]
        med = [r[1]["median_ms"] for r in rows]
        err = [[0] * len(rows), [r[1]["p90_ms"] - r[1]["median_ms"] for r in rows]]
        colors = ["tab:red" if "berth" in n else "tab:gray" if "floor" in n or "nsenter" in n else "tab:blue"
                  for n in names]
        ax.barh(names, med, xerr=err, color=colors, capsize=4)
        ax.axvline(group["target_ms"], color="tab:green", linestyle="--", label=f"berth target {group['target_ms']:g} ms")
        ax.invert_yaxis()
        # podman (hundreds of ms) next to the floor (a few ms): a log axis keeps the short bars readable.
        log_axis = max(r[1]["p90_ms"] for r in rows) / max(min(med), 1e-3) > 40
        if log_axis:
            ax.set_xscale("log")
        ax.set_xlabel("milliseconds" + (", log scale" if log_axis else "") + " (bar: median, whisker: p90)")
        ax.set_title(group["title"])
        ax.legend(loc="lower right")
        for i, row in enumerate(rows):  # the median's value, right of the p90 whisker
            ax.text(row[1]["p90_ms"], i, f"  {row[1]['median_ms']:.1f}", va="center", fontsize=8)
        fig.tight_layout()
        name = f"{gid}.png"
        fig.savefig(os.path.join(out_dir, name), dpi=100)
        plt.close(fig)
        written.append(name)
    dens = sorted((r for r in scale if r.get("kind") == "density"), key=lambda r: r["count"])
    lxc_only = [r for r in peer if r.get("kind") in ("lxc-density", "podman-density")]
    if dens or lxc_only:
        lxc = sorted((r["count"], r["pss_kb_per_container"]) for r in peer if r.get("kind") == "lxc-density")
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
        counts = [r["count"] for r in dens]
        a1.plot(counts, [r["spawn_pss_kb_per_container"] for r in dens], "o-", color="tab:red", label="berth-spawn PSS")
        a1.plot(counts, [r["spawn_pss_kb_per_container"] + r["berthd_growth_kb_per_container"] +
                         r["systemd_growth_kb_per_container"] for r in dens], "o--", color="tab:orange",
                label="berth-spawn + berthd/systemd growth")
        if lxc:
            a1.plot([c for c, _ in lxc], [p for _, p in lxc], "s-", color="tab:blue", label="LXC monitor PSS")
        conmon = sorted((r["count"], r["pss_kb_per_container"]) for r in peer if r.get("kind") == "podman-density")
        if conmon:
            a1.plot([c for c, _ in conmon], [p for _, p in conmon], "^-", color="tab:purple", label="podman conmon PSS")
        a1.axhline(TARGET_PSS_KB, color="tab:green", linestyle="--", label="target 350 kB")
        a1.set_xlabel("idle containers")
        a1.set_ylabel("kB per container")
        a1.set_title("Host memory per container (outside the container)")
        a1.set_ylim(bottom=0)
        a1.legend(fontsize=8)
        a2.plot(counts, [r["berthd_rss_kb"] / 1024 for r in dens], "o-", color="tab:red", label="berthd RSS")
        a2.axhline(TARGET_BERTHD_RSS_KB / 1024, color="tab:green", linestyle="--", label="target 10 MiB")
        a2.set_xlabel("idle containers")
        a2.set_ylabel("MiB")
        a2.set_ylim(bottom=0)
        a2.set_title("berthd resident memory")
        a2.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "density.png"), dpi=100)
        plt.close(fig)
        written.append("density.png")
    return written


# Targets of the feature measurements (issues 3-6), by measurement name: (value, unit, what is compared).
FEATURE_TARGETS = {
    "clone-btrfs-small": (50.0, "ms", "median"),
    "clone-btrfs-large": (50.0, "ms", "median"),
    "start-network": (None, "ms", "networking adds under 10 ms over start-no-network"),
    "debian-boot-ready": (190.0, "ms", "median, and no slower than nspawn"),
    "debian-exec-true": (10.0, "ms", "median"),
}


def features_section(lines, records):
    """One table of bench/measure-*.sh records: storage clones, export/import, networking, Debian boot."""
    if not records:
        return
    lines.append("## Storage, export/import, networking and Debian guests (bench/measure-*.sh)")
    lines.append("")
    lines.append("Each script ran in a fresh test host; times in ms (throughput in Gbit/s, export/import also in "
                 "MB/s of the tree).")
    lines.append("")
    lines.append("| measurement | tool | runs | median | p90 | min | max | target |")
    lines.append("|---|---|---|---|---|---|---|---|")
    medians = {}
    for r in records:
        unit = "gbps" if "gbps" in r else "ms"
        values = sorted(float(v) for v in r.get(unit, []) if v is not None)
        if not values:
            continue
        med = percentile(values, 50)
        medians[(r["name"], r["tool"])] = med
        fmt = (lambda v: f"{v:.2f}") if unit == "gbps" else (lambda v: f"{v:.1f}")
        extra = ""
        if "mb" in r and unit == "ms" and med > 0:
            extra = f" ({float(r['mb']) / (med / 1000.0):.0f} MB/s)"
        target = FEATURE_TARGETS.get(r["name"])
        target_text = ""
        if target and r["tool"] == "berth":
            value, _unit, what = target
            target_text = (f"{value:g} ms {what}: {'met' if med <= value else 'missed'}" if value else what)
        lines.append(f"| {r['name']} | {r['tool']} | {len(values)} | {fmt(med)}{extra} | "
                     f"{fmt(percentile(values, 90))} | {fmt(values[0])} | {fmt(values[-1])} | {target_text} |")
    lines.append("")
    net, none = medians.get(("start-network", "berth")), medians.get(("start-no-network", "berth"))
    if net is not None and none is not None:
        lines.append(f"- Networking adds {net - none:.1f} ms to a start (target: under 10 ms).")
    bridge, veth = medians.get(("throughput-bridge", "berth")), None
    for (name, tool), value in medians.items():
        if name == "throughput-veth":
            veth = value
    if bridge is not None and veth:
        lines.append(f"- Bridge throughput is {100.0 * bridge / veth:.0f}% of a plain veth pair (target: within 10%).")
    berth_boot = medians.get(("debian-boot-ready", "berth"))
    peers_boot = [(tool, medians.get(("debian-boot-ready", tool))) for tool in ("nspawn", "lxc")]
    peers_boot = [(tool, ms) for tool, ms in peers_boot if ms]
    if berth_boot is not None and peers_boot:
        lines.append(f"- Debian boot to READY (the same tree): berth {berth_boot:.0f} ms vs " +
                     ", ".join(f"{tool} {ms:.0f} ms ({berth_boot / ms:.2f}x)" for tool, ms in peers_boot) + ".")
    lines.append("")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py WORKDIR RESULTS_DIR")
    work, out_dir = sys.argv[1], sys.argv[2]
    tools = read_tsv(os.path.join(work, "tools.tsv"), 5)
    skipped = {tid: reason for tid, reason in read_tsv(os.path.join(work, "skipped.tsv"), 2)}
    machine = read_tsv(os.path.join(work, "machine.tsv"), 2)
    scale = read_jsonl(os.path.join(work, "scale.jsonl"))
    peer = read_jsonl(os.path.join(work, "peer-density.jsonl"))

    measured = {}
    for tid, _group, _label, _where, _cmd in tools:
        if tid in skipped:
            continue
        times, user, system = merge_rounds(os.path.join(work, "json", tid))
        if times:
            measured[tid] = stats(times, user, system)
        else:
            skipped[tid] = "no measurement was recorded (see the run's log)"
    meta = dict(machine)

    lines = ["# berth benchmark: start, exec, density and API, side by side with the peers", ""]
    lines.append(f"Written by `bench/run{(' ' + meta['args']) if meta.get('args') else ''}` on {meta.get('date', '?')} "
                 f"(machine below). Latencies are wall-clock per command as measured by hyperfine, all rounds "
                 "merged (rounds interleave the tools); p90 by linear interpolation. The targets are issue 6's; "
                 "nothing here asserts on them.")
    lines.append("")
    os.makedirs(out_dir, exist_ok=True)
    pictures = plots(out_dir, tools, measured, scale, peer)
    for gid, group in GROUPS.items():
        latency_section(lines, gid, group, tools, measured, skipped)
        if isinstance(pictures, list) and f"{gid}.png" in pictures:
            lines.append(f"![{group['title']}]({gid}.png)")
            lines.append("")
        if gid == "start":
            phases = os.path.join(work, "phases.txt")
            if os.path.exists(phases):
                with open(phases, encoding="utf-8") as f:
                    table = [line.rstrip() for line in f if line.strip()]
                if table and table[0].startswith("step"):
                    lines.append("### Where berth's start time goes")
                    lines.append("")
                    lines.append("`bench/berth-phases.sh` in the test host: the work of `berthctl run --rm` as "
                                 "separate verbs (each step also pays one berthctl start and bus connection, about "
                                 "what `list` costs).")
                    lines.append("")
                    lines.append("```")
                    lines.extend(table)
                    lines.append("```")
                    lines.append("")
    profile = profile_section(lines, work, measured)
    density_section(lines, scale, peer, skipped)
    if isinstance(pictures, list) and "density.png" in pictures:
        lines.append("![density](density.png)")
        lines.append("")
    api_section(lines, scale)
    if not isinstance(pictures, list):
        lines.append(f"Plots: {pictures}.")
        lines.append("")

    features_section(lines, read_jsonl(os.path.join(work, "features.jsonl")))

    lines.append("## Not measured yet")
    lines.append("")
    for what, why in NOT_YET:
        lines.append(f"- {what}: **not yet**: {why}.")
    lines.append("")
    if skipped:
        lines.append("## Did not run in this run")
        lines.append("")
        labels = {tid: label for tid, _g, label, _w, _c in tools}
        for tid, reason in skipped.items():
            lines.append(f"- **{labels.get(tid, tid)}**: {reason}")
        lines.append("")

    lines.append("## Commands")
    lines.append("")
    for tid, _g, label, where, cmd in tools:
        lines.append(f"- **{label}** ({where}): `{cmd}`")
    lines.append("")
    lines.append("The floors are the bare cost of the namespaces: `unshare` of all of them for a start, `nsenter -a` "
                 "into the running berth container's namespaces for an exec. LXC and systemd-nspawn run on the host, "
                 "each inside a private cgroup subtree of the session, on a busybox tree made from the same static "
                 "binary as berth's built-in image; LXC runs with a user namespace (`lxc.idmap = u/g 0 100000 "
                 "65536`, no network), nspawn exactly as written (no user namespace). berth and `systemd-run "
                 "--scope` run inside the private systemd test host (`tests/testhost/testhost`), since berth needs "
                 "systemd as the manager of its scopes; `systemd-run --scope true` is the cost of a transient scope "
                 "alone, which berth pays on top of its namespaces. Density and API figures come from "
                 "`bench/lib/scale.py` in the test host; every container it made was removed afterwards.")
    lines.append("")
    lines.append("podman runs on the host on an image made by `podman import` of the same busybox tree, with "
                 "`--network none` (no CNI, no iptables), the cgroupfs manager, its storage, run root and tmpdir in "
                 "the run's work directory, and the ulimits this machine allows. Each podman command runs in a private "
                 "mount and cgroup namespace made inside the peers' cgroup subtree, where the v1 hierarchies are "
                 "mounted afresh (so podman's `/libpod_parent` lands inside the subtree) and, for crun, cgroup2 is "
                 "left out: crun 1.8 refuses hybrid cgroups. Every podman run also starts a second podman process "
                 "(conmon's exit command, `podman container cleanup`), and `podman run --rm` returns once the "
                 "container is removed. See bench/lib/podman.sh.")
    lines.append("")

    lines.append("## Machine")
    lines.append("")
    for key, value in machine:
        if key in ("args",):
            continue
        lines.append(f"- {key}: {value}")
    lines.append("")

    with open(os.path.join(out_dir, "RESULTS.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    summary = {
        "machine": meta,
        "targets": {**{f"{gid}_ms": g["target_ms"] for gid, g in GROUPS.items()},
                    "pss_kb_per_container": TARGET_PSS_KB, "berthd_rss_kb_200": TARGET_BERTHD_RSS_KB,
                    "list_200_ms": TARGET_LIST_MS},
        "tools": [{"id": tid, "group": group, "label": label, "where": where, "command": cmd,
                   **({"stats": measured[tid]} if tid in measured else {"skipped": skipped.get(tid, "")})}
                  for tid, group, label, where, cmd in tools],
        "scale": scale,
        "peer_density": peer,
        "skipped": skipped,
        "not_yet": [{"what": w, "why": y} for w, y in NOT_YET],
        "profile": profile,
    }
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
