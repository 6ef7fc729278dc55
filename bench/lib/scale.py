#!/usr/bin/python3
"""berth at scale, inside the private systemd test host: density of idle containers and the D-Bus API's speed.

bench/berth-scale.sh runs this inside the test host (berthd needs systemd as its scope manager). Everything it
creates is an ephemeral container (an overlay of the built-in busybox image, nothing copied) named bench-d-* or
bench-a-*, and it removes every one of them before it exits, also when a step fails.

  density COUNTS  start idle busybox containers (boot mode) up to each count in turn (10, 50, 100, 200: the
                  containers accumulate) and at each count record, after a short settle:
                  - the PSS and RSS of every berth-spawn supervisor (/proc/PID/smaps_rollup): host memory per
                    container outside the container's own processes;
                  - berthd's RSS and PSS, and systemd's (PID 1 of the test host) RSS growth per container;
                  - `berthctl list` latency (hyperfine) and berthd's CPU time over an idle window (schedstat, ns).
  api COUNT       define COUNT stopped ephemeral containers, then measure property reads per second
                  (org.freedesktop.DBus.Properties.Get and GetAll on one container, Manager.GetContainer), the
                  ListContainers call alone, and `berthctl list` / `list --all` latency (hyperfine).

Output on stdout, one line per result for bench/run to pick out: `BENCH-SCALE {json}`; `BENCH-SKIP ID REASON`.
Standard library plus python3-dbus (Debian's), which is optional: without it the API rates are skipped.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BERTHCTL = shutil.which("berthctl") or ""
HYPERFINE = shutil.which("hyperfine") or ""
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def emit(kind, **fields):
    print("BENCH-SCALE " + json.dumps({"kind": kind, **fields}), flush=True)


def skip(tid, reason):
    print(f"BENCH-SKIP {tid} {reason}", flush=True)


def log(msg):
    print(f"scale: {msg}", file=sys.stderr, flush=True)


def ctl(*args, check=True):
    r = subprocess.run([BERTHCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"berthctl {' '.join(args[:3])}... failed: {r.stderr.strip()[:300]}")
    return r


def proc_state(pid):
    """The one-letter state of /proc/PID/stat ('Z' for a zombie), '' if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def pids_named(comm, zombies=False):
    """Processes whose comm is COMM: the live ones, or with zombies=True only the zombies (exited, not reaped)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="utf-8") as f:
                if f.read().strip() != comm:
                    continue
        except OSError:
            continue  # exited meanwhile
        if (proc_state(entry) == "Z") == zombies:
            found.append(int(entry))
    return found


def ppid(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "?"


def rollup_kb(pid):
    """{'Rss': kB, 'Pss': kB, ...} from smaps_rollup; {} if the process is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[-1] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        return {}
    return out


def cpu_ns(pid):
    """Time on CPU so far, in ns (schedstat: far finer than utime/stime's 10 ms ticks)."""
    try:
        with open(f"/proc/{pid}/schedstat", encoding="utf-8") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def hyperfine(args, runs, warmup=2):
    """Median, p90, min, max (ms) of a command, via hyperfine's JSON."""
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        cmd = [HYPERFINE, "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
               "--export-json", tmp.name, " ".join(args)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(tmp.name, encoding="utf-8") as f:
            times = sorted(t * 1000 for t in json.load(f)["results"][0]["times"])
    return summary(times)


def percentile(values, p):
    k = (len(values) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(sorted_ms):
    return {"runs": len(sorted_ms), "median_ms": percentile(sorted_ms, 50), "p90_ms": percentile(sorted_ms, 90),
            "min_ms": sorted_ms[0], "max_ms": sorted_ms[-1]}


def remove_all(prefix):
    names = [n for n in list_names() if n.startswith(prefix)]
    for i in range(0, len(names), 100):
        ctl("remove", "--force", *names[i:i + 100], check=False)
    left = [n for n in list_names() if n.startswith(prefix)]
    if left:
        log(f"could not remove {len(left)} container(s): {' '.join(left[:5])}...")
    return not left


def list_names():
    r = ctl("list", "--all", "--json", check=False)
    try:
        return [c["name"] for c in json.loads(r.stdout or "[]")]
    except ValueError:
        return []


def wait_running(names, timeout=30.0):
    """Every container in names reports running (boot mode: init is up), or raise."""
    deadline = time.monotonic() + timeout
    want = set(names)
    while True:
        r = ctl("list", "--json", check=False)
        running = {c["name"] for c in json.loads(r.stdout or "[]") if c.get("state") == "running"}
        if want <= running:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(want - running)} container(s) not running after {timeout:.0f} s")
        time.sleep(0.1)


def density(counts, idle_s, list_runs, settle_s):
    berthd = pids_named("berthd")
    if len(berthd) != 1:
        ctl("list")  # D-Bus activation starts it
        berthd = pids_named("berthd")
    if len(berthd) != 1:
        skip("density", f"expected one berthd process in the test host, found {len(berthd)}")
        return
    berthd = berthd[0]
    base_berthd = rollup_kb(berthd)
    base_systemd = rollup_kb(1)
    emit("density-base", berthd_rss_kb=base_berthd.get("Rss"), berthd_pss_kb=base_berthd.get("Pss"),
         systemd_rss_kb=base_systemd.get("Rss"))
    have = 0
    try:
        for n in counts:
            t0 = time.monotonic()
            names = [f"bench-d-{i:04d}" for i in range(have, n)]
            for name in names:
                # No network device, like the peers' containers (LXC's lxc.net.0.type = empty, podman's
                # --network none): the figures compare supervisors and daemons, not networking.
                ctl("create", name, "--ephemeral", "--image", "busybox", "--boot", "--network", "none")
                ctl("start", name)
            have = n
            wait_running([f"bench-d-{i:04d}" for i in range(n)])
            start_s = time.monotonic() - t0
            time.sleep(settle_s)  # let page-ins, lazy allocations and systemd's unit jobs settle
            if pids_named("berthd") != [berthd]:
                raise RuntimeError("berthd restarted or exited during the density run")
            spawns = pids_named("berth-spawn")
            rolls = [r for r in (rollup_kb(p) for p in spawns) if r]
            pss = sum(r.get("Pss", 0) for r in rolls)
            rss = sum(r.get("Rss", 0) for r in rolls)
            priv = sum(r.get("Private_Clean", 0) + r.get("Private_Dirty", 0) for r in rolls)
            bd = rollup_kb(berthd)
            sd = rollup_kb(1)
            lst = hyperfine([BERTHCTL, "list"], list_runs)
            c0 = cpu_ns(berthd)
            time.sleep(idle_s)
            c1 = cpu_ns(berthd)
            emit("density", count=n, supervisors=len(rolls),
                 spawn_pss_kb_per_container=pss / n, spawn_rss_kb_per_container=rss / n,
                 spawn_private_kb_per_container=priv / n,
                 berthd_rss_kb=bd.get("Rss"), berthd_pss_kb=bd.get("Pss"),
                 berthd_growth_kb_per_container=(bd.get("Rss", 0) - base_berthd.get("Rss", 0)) / n,
                 systemd_growth_kb_per_container=(sd.get("Rss", 0) - base_systemd.get("Rss", 0)) / n,
                 list=lst, idle_s=idle_s,
                 berthd_idle_cpu_ms=(c1 - c0) / 1e6 if c0 is not None and c1 is not None else None,
                 berthd_cpu_total_ms=c1 / 1e6 if c1 is not None else None,
                 start_all_s=start_s)
            log(f"density {n}: spawn PSS {pss / n:.0f} kB/container, berthd RSS {bd.get('Rss')} kB, "
                f"list {lst['median_ms']:.2f} ms")
    finally:
        t0 = time.monotonic()
        ok = remove_all("bench-d-")
        # Remove returns when the container is stopped; its supervisor exits just after: give it a moment.
        deadline = time.monotonic() + 5
        while pids_named("berth-spawn") and time.monotonic() < deadline:
            time.sleep(0.05)
        # Zombies are supervisors that exited but that their parent (berthd, which forked them) has not reaped.
        zombies = pids_named("berth-spawn", zombies=True)
        parents = sorted({ppid(p) for p in zombies})
        emit("density-cleanup", removed_all=ok, seconds=time.monotonic() - t0,
             supervisors_left=len(pids_named("berth-spawn")), zombie_supervisors=len(zombies),
             zombie_parents=[comm_of(p) for p in parents])


def bus_rates(name, seconds):
    """Calls per second of Properties.Get/GetAll and Manager.GetContainer, over one private connection."""
    try:
        import dbus  # python3-dbus: Debian's binding over libdbus
    except ImportError:
        skip("api-rates", "python3-dbus is not installed (apt-get install python3-dbus)")
        return None
    bus = dbus.SystemBus(private=True)
    manager = dbus.Interface(bus.get_object("org.berth1", "/org/berth1"), "org.berth1.Manager")
    path = manager.GetContainer(name)
    props = dbus.Interface(bus.get_object("org.berth1", path, introspect=False), "org.freedesktop.DBus.Properties")
    calls = {
        "Properties.Get(State)": lambda: props.Get("org.berth1.Container", "State"),
        "Properties.GetAll(Container)": lambda: props.GetAll("org.berth1.Container"),
        "Manager.GetContainer": lambda: manager.GetContainer(name),
        "Manager.ListContainers": lambda: manager.ListContainers(),
    }
    out = {}
    for label, call in calls.items():
        call()
        lat = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.perf_counter()
            call()
            lat.append((time.perf_counter() - t) * 1000)
        lat.sort()
        out[label] = {"per_second": len(lat) / sum(lat) * 1000, **summary(lat)}
    bus.close()
    return out


def api(count, list_runs, rate_s):
    try:
        t0 = time.monotonic()
        for i in range(count):
            # --network none: the default network's /24 holds 253 leases, and this measures the bus, not IPAM.
            ctl("create", f"bench-a-{i:04d}", "--ephemeral", "--image", "busybox", "--boot", "--network", "none")
        create_s = time.monotonic() - t0
        defined = len(list_names())
        emit("api-create", count=count, defined=defined, seconds=create_s,
             per_create_ms=create_s * 1000 / count)
        rates = bus_rates("bench-a-0000", rate_s)
        emit("api", count=count,
             list=hyperfine([BERTHCTL, "list"], list_runs),
             list_all=hyperfine([BERTHCTL, "list", "--all"], list_runs),
             status=hyperfine([BERTHCTL, "status", "bench-a-0000"], list_runs),
             rates=rates)
    finally:
        t0 = time.monotonic()
        ok = remove_all("bench-a-")
        emit("api-cleanup", removed_all=ok, seconds=time.monotonic() - t0)


def main():
    args = sys.argv[1:]
    opts = {"--counts": "10,50,100,200", "--idle": "10", "--list-runs": "20", "--api-count": "1000",
            "--rate-seconds": "2", "--settle": "2"}
    while args:
        key = args.pop(0)
        if key not in opts or not args:
            sys.exit(f"usage: scale.py [{'] ['.join(k + ' V' for k in opts)}]")
        opts[key] = args.pop(0)
    if not BERTHCTL or not HYPERFINE:
        skip("density", "berthctl or hyperfine not found in the test host")
        skip("api", "berthctl or hyperfine not found in the test host")
        return
    if ctl("list", check=False).returncode != 0:
        skip("density", "berthd does not answer in the test host")
        skip("api", "berthd does not answer in the test host")
        return
    counts = [int(c) for c in opts["--counts"].split(",") if c]
    try:
        density(counts, float(opts["--idle"]), int(opts["--list-runs"]), float(opts["--settle"]))
    except (RuntimeError, subprocess.CalledProcessError) as e:
        skip("density", f"failed: {e}")
    if int(opts["--api-count"]) > 0:
        try:
            api(int(opts["--api-count"]), int(opts["--list-runs"]), float(opts["--rate-seconds"]))
        except (RuntimeError, subprocess.CalledProcessError) as e:
            skip("api", f"failed: {e}")


if __name__ == "__main__":
    main()
