#!/usr/bin/python3
"""Where berthd's memory goes, inside the private systemd test host.

Runs in the test host (`tests/testhost/testhost run --build DIR -- bench/berthd-memory.py [--counts 0,200]`):
at each count of idle busybox containers (boot mode, ephemeral, accumulating; named bench-m-*, all removed
afterwards) it prints berthd's RSS and PSS by mapping from /proc/PID/smaps: the executable, each shared library,
the heap ([heap] plus anonymous mappings: glibc arenas and large allocations), thread stacks and the rest.
With --json it prints one `BENCH-MEMORY {json}` line per count instead of the tables.
"""

import json
import os
import shutil
import subprocess
import sys
import time

BERTHCTL = shutil.which("berthctl") or "berthctl"


def ctl(*args, check=True):
    r = subprocess.run([BERTHCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"berthctl {' '.join(args[:3])}: {r.stderr.strip()[:300]}")
    return r


def berthd_pid():
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm", encoding="utf-8") as f:
                    if f.read().strip() == "berthd":
                        return int(entry)
            except OSError:
                pass
    return 0


def group_of(name, pid):
    """The row a mapping counts under: a library's or the executable's base name, [heap], [stack], [anon]."""
    if not name:
        return "[anon]"
    if name.startswith("["):
        return "[stack]" if name.startswith("[stack") else name
    base = os.path.basename(name)
    if base == "berthd":
        return "berthd (executable)"
    return base.split(".so")[0] + ".so" if ".so" in base else base


def smaps(pid):
    """{group: {'Rss': kB, 'Pss': kB, 'Private': kB}} summed over every mapping of PID."""
    groups = {}
    cur = None
    with open(f"/proc/{pid}/smaps", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if "-" in parts[0] and not parts[0].endswith(":"):
                cur = groups.setdefault(group_of(parts[5] if len(parts) > 5 else "", pid),
                                        {"Rss": 0, "Pss": 0, "Private": 0, "maps": 0})
                cur["maps"] += 1
                continue
            key = parts[0].rstrip(":")
            if key in ("Rss", "Pss"):
                cur[key] += int(parts[1])
            elif key in ("Private_Clean", "Private_Dirty"):
                cur["Private"] += int(parts[1])
    return groups


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def report(count, pid, as_json):
    g = smaps(pid)
    total = {k: sum(v[k] for v in g.values()) for k in ("Rss", "Pss", "Private")}
    if as_json:
        print("BENCH-MEMORY " + json.dumps({"count": count, "threads": threads(pid), "total": total, "groups": g}),
              flush=True)
        return
    print(f"\nberthd with {count} running containers: RSS {total['Rss']} kB, PSS {total['Pss']} kB, "
          f"private {total['Private']} kB, {threads(pid)} thread(s)")
    print(f"{'mapping':<28} {'RSS kB':>8} {'PSS kB':>8} {'private kB':>10}")
    for name, v in sorted(g.items(), key=lambda kv: -kv[1]["Rss"]):
        if v["Rss"] > 0:
            print(f"{name:<28} {v['Rss']:>8} {v['Pss']:>8} {v['Private']:>10}")


def wait_running(names, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        r = ctl("list", "--json", check=False)
        running = {c["name"] for c in json.loads(r.stdout or "[]") if c.get("state") == "running"}
        if set(names) <= running:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("containers not running in time")
        time.sleep(0.1)


def main():
    args = sys.argv[1:]
    counts, as_json, settle = [0, 200], False, 2.0
    while args:
        a = args.pop(0)
        if a == "--counts" and args:
            counts = [int(c) for c in args.pop(0).split(",") if c]
        elif a == "--settle" and args:
            settle = float(args.pop(0))
        elif a == "--json":
            as_json = True
        else:
            sys.exit("usage: berthd-memory.py [--counts 0,200] [--settle SEC] [--json]")
    ctl("list")  # D-Bus activation starts berthd
    pid = berthd_pid()
    have = 0
    try:
        for n in counts:
            names = [f"bench-m-{i:04d}" for i in range(have, n)]
            for name in names:
                ctl("create", name, "--ephemeral", "--image", "busybox", "--boot")
                ctl("start", name)
            have = max(have, n)
            wait_running([f"bench-m-{i:04d}" for i in range(n)])
            time.sleep(settle)
            if berthd_pid() != pid:
                raise RuntimeError("berthd restarted during the run")
            report(n, pid, as_json)
    finally:
        r = ctl("list", "--all", "--json", check=False)
        names = [c["name"] for c in json.loads(r.stdout or "[]") if c["name"].startswith("bench-m-")]
        for i in range(0, len(names), 100):
            ctl("remove", "--force", *names[i:i + 100], check=False)


if __name__ == "__main__":
    main()
