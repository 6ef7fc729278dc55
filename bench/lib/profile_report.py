"""The "Where berth's time goes (perf)" section of RESULTS.md, from bench/profile.sh's output (profile.out in the
run's work directory: the markdown between PROFILE-MD-BEGIN/END, a PROFILE-JSON line, or PROFILE-SKIP REASON).
Imported by report.py; standard library only."""

import json
import os


def read_profile(work):
    """(markdown lines, json dict or None, why it is missing or None)."""
    path = os.path.join(work, "profile.out")
    if not os.path.exists(path):
        why_path = os.path.join(work, "profile.skipped")
        why = "bench/run did not run bench/profile.sh"
        if os.path.exists(why_path):
            with open(why_path, encoding="utf-8") as f:
                why = f.read().strip() or why
        return [], None, why
    md, data, inside, why = [], None, False, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "PROFILE-MD-BEGIN":
                inside = True
            elif line == "PROFILE-MD-END":
                inside = False
            elif inside:
                md.append(line)
            elif line.startswith("PROFILE-JSON "):
                try:
                    data = json.loads(line[len("PROFILE-JSON "):])
                except ValueError:
                    why = "bench/profile.sh printed unreadable JSON"
            elif line.startswith("PROFILE-SKIP "):
                why = line[len("PROFILE-SKIP "):]
    if not md and why is None:
        why = "bench/profile.sh printed nothing (see the run's log)"
    return md, data, why


def profile_section(lines, work, measured):
    """Appends the section; returns the profile's JSON (for results.json) or None."""
    md, data, why = read_profile(work)
    lines.append("## Where berth's time goes (perf)")
    lines.append("")
    if not md:
        lines.append(f"Not profiled in this run: {why}. By hand: "
                     "`tests/testhost/testhost run --build DIR -- bench/profile.sh`.")
        lines.append("")
        return data
    behind = []
    for tid, what, target in (("berth", "`run --rm true`", 6.0), ("bexec", "`exec true`", 4.0)):
        median = measured.get(tid, {}).get("median_ms")
        if median is not None and median > target:
            behind.append(f"{what} by {median - target:.2f} ms")
    lead = ("berth is behind its targets on " + " and ".join(behind) + " (tables above). " if behind else "")
    lines.append(lead + "`bench/profile.sh`, once in a fresh test host after the rounds, shows where that time "
                 "goes: CPU per process and per system call from `perf record -e cpu-clock -a -g -G /` (the test "
                 "host's cgroup only; kernel work deferred to kworkers is not in it); the wall-clock critical path "
                 "of each run from the sched_process_fork/exec/exit tracepoints and `dbus-monitor` "
                 "(medians); where each process waits, from `sched_switch` with kernel stacks; berthd's slow system "
                 "calls (`strace -f -p berthd`, which slows every call: for ranking only); berthd's memory by mapping; "
                 "and berthctl's own start-up (callgrind, `LD_DEBUG`). The profilers add their own overhead: the "
                 "timeline's total is longer than the hyperfine median above; read it for the order and the share "
                 "of each step.")
    lines.append("")
    lines.extend(md)
    lines.append("")
    return data
