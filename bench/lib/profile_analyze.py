#!/usr/bin/python3
"""Turn the raw files of bench/profile.sh into the markdown section "Where berth's time goes (perf)" and a JSON
summary. Runs inside the test host (standard library only):

  profile_analyze.py WORKDIR

WORKDIR holds, per case (run = `berthctl run --rm`, exec = `berthctl exec`):
  CASE.meta          runs=N wall_ms=... strace_runs=N (wall_ms: the CPU-profiled loop's time, under perf)
  CASE.cpu.txt       `perf script -F comm,ip,sym,dso` of a cpu-clock recording (one sample = SAMPLE_US of CPU)
  CASE.sched.txt     `perf script -F comm,pid,tid,time,event,trace,ip,sym` of sched_process_fork/exec/exit and
                     sched_switch with call chains (CLOCK_MONOTONIC)
  CASE.bus.txt       `dbus-monitor --system` over the same loop (CLOCK_REALTIME)
  CASE.strace.txt    `strace -f -ttt -T -yy -p BERTHD` over strace_runs runs (and the container's berth-spawn
                     for exec)
  clock.offset       CLOCK_REALTIME - CLOCK_MONOTONIC in seconds
  berthd.smaps       /proc/BERTHD/smaps after the runs
  ctl.*              ldd / callgrind / LD_DEBUG=statistics and =bindings / hyperfine of berthctl's start-up
Prints the markdown on stdout and writes WORKDIR/profile.json.
"""

import json
import os
import re
import statistics
import sys

from profile_render import BERTH, CASES, render, summarize  # bench/lib/profile_render.py

SAMPLE_US = 100  # perf record -e cpu-clock -c 100000: one sample per 100 us of CPU time


def read(work, name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def meta(work, case):
    text = read(work, f"{case}.meta") or ""
    return dict(kv.split("=", 1) for kv in text.split() if "=" in kv)


def median(values):
    return statistics.median(values) if values else float("nan")


# --- CPU: perf cpu-clock samples -> CPU ms per run, per process, user vs kernel, top symbols ------------------

FRAME_RE = re.compile(r"^\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")
SYSCALL_RE = re.compile(r"^__(?:x64|ia32|do)_sys_(\w+)$")


def process_group(comm):
    if comm in BERTH or comm in ("systemd", "dbus-daemon", "systemd-journal", "dnsmasq"):
        return comm
    if comm in ("true", "busybox", "init"):
        return "payload (/bin/true)"
    if comm in ("perf", "perf-exec", "sh", "bash", "seq", "sleep", "dbus-monitor", "strace"):
        return "harness (perf, shell)"
    if comm.startswith("(sd-") or comm.startswith("systemd"):
        return "systemd"
    return "other"


def samples(text):
    """`perf script -F comm,ip,sym,dso` of a recording with call chains: (comm, [(ip, sym, dso), ...] leaf first)."""
    comm, frames = None, []
    for line in text.splitlines():
        if not line.strip():
            if comm is not None and frames:
                yield comm, frames
            comm, frames = None, []
        elif line[0] not in " \t":
            comm, frames = line.strip(), []
        else:
            m = FRAME_RE.match(line)
            if m and comm is not None:
                frames.append(m.groups())
    if comm is not None and frames:
        yield comm, frames


def kernel_entry(frames):
    """Why the kernel ran for this sample: the system call it serves (the frame under do_syscall_64, which this
    kernel's syscall table calls directly: ksys_write, __sys_sendmsg, do_seccomp ...), work done on the way back
    to user space (rescheduling, deferred fput/umount), a page fault, an interrupt, or a new task's start."""
    syms = [sym for ip, sym, _dso in frames if ip.startswith("ffffffff")]
    if "do_syscall_64" in syms:
        j = syms.index("do_syscall_64")
        if j == 0:
            return "syscall entry"
        callee = syms[j - 1]
        if callee == "x64_sys_call" and j >= 2:  # the table dispatch, with the call's own wrapper inlined
            callee = syms[j - 2]
        if callee == "exit_to_user_mode_loop" or callee == "syscall_exit_to_user_mode":
            rest = syms[:j - 1]
            if "cleanup_mnt" in rest:
                return "mount teardown at close/exit (cleanup_mnt)"
            if "task_work_run" in rest:
                return "deferred work at syscall exit (fput)"
            return "rescheduled at syscall exit"
        name = re.sub(r"\.(isra|constprop|part|cold)\.\d+", "", callee)
        name = re.sub(r"^(__x64_sys_|__ia32_sys_|__do_sys_|__se_sys_|ksys_|__sys_|do_sys_|do_)", "", name)
        return {"group_exit": "exit_group", "mmap_pgoff": "mmap", "execveat_common": "execve"}.get(name, name)
    if any(sym in ("exc_page_fault", "asm_exc_page_fault") for sym in syms):
        return "page fault"
    if "ret_from_fork" in syms or "ret_from_fork_asm" in syms:
        return "new task start"
    if any(sym.startswith(("asm_sysvec", "sysvec_", "irq_exit", "__irq_exit", "handle_softirqs")) for sym in syms):
        return "interrupts"
    return "other"


def cpu_profile(text, runs):
    per_group = {}
    per_symbol = {}
    per_entry = {}
    total = 0
    for comm, frames in samples(text):
        ip, sym, dso = frames[0]
        kernel = dso.startswith("[kernel") or ip.startswith("ffffffff")
        group = process_group(comm)
        g = per_group.setdefault(group, [0, 0])
        g[0] += 1
        g[1] += kernel
        total += 1
        if comm in BERTH:
            dso_name = "kernel" if kernel else os.path.basename(dso)
            sym = re.sub(r"\(.*\)$", "()", sym) if sym != "[unknown]" else sym
            key = (comm, dso_name, sym[:90])
            per_symbol[key] = per_symbol.get(key, 0) + 1
        if kernel and (comm in BERTH or comm == "systemd"):  # systemd: its side of creating and removing scopes
            key = (comm, kernel_entry(frames))
            per_entry[key] = per_entry.get(key, 0) + 1
    scale = SAMPLE_US / 1000.0 / max(runs, 1)
    groups = {k: {"cpu_ms_per_run": round(v[0] * scale, 2), "kernel_ms_per_run": round(v[1] * scale, 2)}
              for k, v in sorted(per_group.items(), key=lambda kv: -kv[1][0])}
    top, kernel_by_call = {}, {}
    for comm in BERTH:
        rows = sorted(((n, d, s) for (c, d, s), n in per_symbol.items() if c == comm), reverse=True)[:8]
        top[comm] = [{"dso": d, "sym": s, "ms_per_run": round(n * scale, 3)} for n, d, s in rows]
    for comm in BERTH + ("systemd",):
        rows = sorted(((n, e) for (c, e), n in per_entry.items() if c == comm), reverse=True)[:8]
        kernel_by_call[comm] = [{"entry": e, "ms_per_run": round(n * scale, 3)} for n, e in rows]
    return {"samples": total, "cpu_ms_per_run": round(total * scale, 2), "by_process": groups, "top_symbols": top,
            "kernel_by_syscall": kernel_by_call}


# --- wall-clock timeline: sched events (exact) + bus messages (dbus-monitor) ---------------------------------

# `perf script -F comm,pid,tid,time,event,trace,ip,sym`: a header line per event, then its kernel/user stack. The
# header's pid is the one in the test host's pid namespace, 0 for a task outside it (the rest of the machine); the
# trace fields carry the kernel's (outer) pids.
SCHED_RE = re.compile(r"^\s*(.*?)\s+(\d+)/(\d+)\s+(\d+\.\d+):\s+sched:(sched_\w+):\s+(.*)$")
KV_RE = re.compile(r"(\w+)=(\S+)")
SWITCH_RE = re.compile(r"prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) "
                       r"next_pid=(\d+)")
STACK_RE = re.compile(r"^\s+([0-9a-f]+)\s+(\S+)")


def sched_records(text):
    """(ts, event, ns_pid, trace text, [(ip, sym), ...]) per event."""
    cur = None
    for line in text.splitlines():
        m = SCHED_RE.match(line)
        if m:
            if cur:
                yield cur
            _comm, pid, _tid, ts, kind, rest = m.groups()
            cur = (float(ts), kind, pid, rest, [])
        elif cur is not None:
            f = STACK_RE.match(line)
            if f:
                cur[4].append(f.groups())
    if cur:
        yield cur


def sched_events(text):
    """The test host's fork/exec/exit events: (ts, kind, fields)."""
    return [(ts, kind, dict(KV_RE.findall(rest))) for ts, kind, pid, rest, _stack in sched_records(text)
            if kind.startswith("sched_process_") and pid != "0"]


# Scheduler and wait plumbing: skipped to find the function a task blocked in.
WAIT_PLUMBING = re.compile(
    r"^(__schedule|schedule\w*|io_schedule\w*|preempt_schedule\w*|__wait_for_common|wait_for_completion\w*|"
    r"do_wait_for_common|wait_for_common\w*|_?_cond_resched|bit_wait\w*|out_of_line_wait_on_bit\w*|"
    r"__wait_on_bit\w*|rwsem_down_\w+|__mutex_lock\w*|mutex_lock\w*|percpu_rwsem_wait|__percpu_down\w*|"
    r"__wait_rcu_gp|wait_rcu_gp|do_nanosleep|hrtimer_nanosleep|futex_wait\w*|__futex_wait|irqentry_exit\w*|"
    r"exit_to_user_mode\w*|asm_sysvec\w*)$")


def blocked_in(stack):
    """'syscall: function < caller' for a task that left the CPU with this kernel stack."""
    syms = [sym for ip, sym in stack if ip.startswith("ffffffff")]
    call = "-"
    if "do_syscall_64" in syms:
        j = syms.index("do_syscall_64")
        callee = syms[j - 1] if j > 0 else "?"
        if callee == "x64_sys_call" and j >= 2:
            callee = syms[j - 2]
        call = re.sub(r"^(__x64_sys_|__do_sys_|__se_sys_|ksys_|__sys_|do_sys_|do_)", "", callee)
        if callee in ("exit_to_user_mode_loop", "syscall_exit_to_user_mode"):
            call = "at syscall exit"
    where = [sym for sym in syms if not WAIT_PLUMBING.match(sym)][:2]
    return f"{call}: " + " < ".join(re.sub(r"\.(isra|constprop|part)\.\d+", "", w) for w in where)


OFFCPU_PROCS = ("berthctl", "berthd", "berth-spawn", "systemd", "dbus-daemon")


def offcpu(text, runs):
    """Off-CPU time of the test host's tasks from sched_switch: from a task's switch-out to its next switch-in, by
    the kernel stack it blocked with; a task switched out while runnable was waiting for a CPU."""
    ours, out, acc = set(), {}, {}
    for ts, kind, pid, rest, stack in sched_records(text):
        if kind != "sched_switch":
            continue
        m = SWITCH_RE.search(rest)
        if not m:
            continue
        prev_comm, prev_pid, prev_state, _next_comm, next_pid = m.groups()
        if pid != "0":  # the switch-out runs in the task's own context: ours when it has a pid in our namespace
            ours.add(prev_pid)
            out[prev_pid] = (ts, prev_state, prev_comm, stack)
        if next_pid in out:
            t0, state, comm, st = out.pop(next_pid)
            if comm not in OFFCPU_PROCS:
                continue
            why = "runnable, waiting for a CPU" if state.startswith("R") else blocked_in(st)
            a = acc.setdefault((comm, why), [0, 0.0])
            a[0] += 1
            a[1] += (ts - t0) * 1000
    result = {}
    for comm in OFFCPU_PROCS:
        rows = [(ms, n, why) for (c, why), (n, ms) in acc.items() if c == comm
                # A daemon's or supervisor's event loop waiting for its next event is idle time, not a wait of the
                # run (berthd's synchronous D-Bus calls wait in ppoll and stay).
                and not (comm != "berthctl" and why.startswith(("epoll_wait:", "poll:")))]
        rows.sort(reverse=True)
        result[comm] = [{"why": why, "ms_per_run": round(ms / runs, 2), "times_per_run": round(n / runs, 1)}
                        for ms, n, why in rows[:6] if ms / runs >= 0.1]
    return result


BUS_HDR_RE = re.compile(r"^(method call|method return|signal|error) time=(\S+) sender=(\S+) -> "
                        r"destination=(.*?) serial=(\d+)(.*)$")
BUS_KIND = {"method call": "mc", "method return": "mr", "signal": "sig", "error": "err"}


def bus_events(text, offset):
    """`dbus-monitor --system` (its default, verbose format): (ts, kind, fields) per message, with the message's
    first string argument as fields["arg"] (a container or unit name, which ties a message to its run)."""
    events = []
    for line in text.splitlines():
        m = BUS_HDR_RE.match(line)
        if m:
            kind, ts, sender, dest, serial, rest = m.groups()
            fields = {"sender": sender, "dest": dest, "serial": serial, "arg": None}
            fields.update(re.findall(r"(path|interface|member|reply_serial)=([^;\s]+)", rest))
            fields["reply_to"] = fields.pop("reply_serial", None)
            events.append((float(ts) - offset, BUS_KIND[kind], fields))
        elif events and events[-1][2]["arg"] is None:
            a = re.match(r'^\s+string "(.*)"$', line)
            if a:
                events[-1][2]["arg"] = a.group(1)
    return events


def label_run(start, end, sched, bus, all_bus, exec_case=False):
    """The events of one berthctl invocation: label -> time (ms since berthctl's exec). Process events are this
    berthctl's and those of the berth-spawn forked in [start, end) and its descendants; bus messages are this
    berthctl's calls and their replies, berthd's calls to systemd in this run's slice of the monitor's stream
    (bus_slices), and, matched by the container's name anywhere in the stream, the signals and the scope's
    StartTransientUnit (berthd may still be cleaning up one run when the next begins)."""
    out = {}

    def put(label, ts):
        if label not in out:
            out[label] = (ts - start) * 1000.0

    spawn_pid = None
    mine = set()  # berth-spawn and its descendants in this run
    forks = []  # (ts, child pid) of their forks
    payload = None
    ctl_pid = None
    for ts, kind, kv in sched:
        if ts < start:
            continue
        pid = kv.get("pid")
        if kind == "sched_process_exec":
            name = kv.get("filename", "")
            if name.endswith("/berthctl") and ctl_pid is None and ts < end:
                ctl_pid = pid
                put("berthctl exec()", ts)
            elif name.endswith("/berth-spawn") and spawn_pid is None and ts < end:
                spawn_pid = pid
                mine.add(pid)
                put("berth-spawn exec() (forked by berthd)", ts)
            elif name == "/bin/true" and pid in mine:
                payload = payload or pid
                put("payload exec(/bin/true)", ts)
        elif kind == "sched_process_fork":
            if kv.get("comm") == "berth-spawn" and (pid in mine or (exec_case and ts < end)):
                mine.add(kv.get("child_pid"))
                forks.append((ts, kv.get("child_pid")))
        elif kind == "sched_process_exit":
            comm = kv.get("comm")
            if comm == "true" and pid in mine:
                put("payload /bin/true exits", ts)
            elif comm == "berth-spawn" and pid == spawn_pid:
                put("berth-spawn exits", ts)
            elif comm == "berth-spawn" and pid in mine:
                put("berth-spawn helper exits", ts)
            elif comm == "berthctl" and pid == ctl_pid:
                put("berthctl exits", ts)
    helpers = 0
    for ts, child in forks:  # named by what the child becomes: the payload, or a helper (seccomp compiler, setns)
        if child == payload:
            put("berth-spawn forks the payload (it execs /bin/true)", ts)
        else:
            helpers += 1
            put(f"berth-spawn forks helper #{helpers}", ts)
    me = None
    name = None
    calls = {}  # (sender, serial) -> label of the reply we want
    counts = {}
    for ts, kind, kv in bus:
        member = kv.get("member", "")
        if kind == "mc" and member == "Hello" and me is None:
            me = kv["sender"]
            put("berthctl Hello (bus connected)", ts)
            continue
        if me is None:
            continue
        if kind == "mc" and kv["sender"] == me:
            put(f"berthctl calls {member}", ts)
            calls[(kv["sender"], kv["serial"])] = f"reply to {member} (berthctl)"
            if member == "CreateContainer":
                name = kv["arg"]
        elif kind == "mc" and kv["dest"] == "org.freedesktop.systemd1" and member != "StartTransientUnit":
            counts[member] = counts.get(member, 0) + 1
            label = f"berthd calls systemd {member}" + (f" #{counts[member]}" if counts[member] > 1 else "")
            put(label, ts)
            calls[(kv["sender"], kv["serial"])] = "systemd replies " + label[len("berthd calls systemd "):]
        elif kind in ("mr", "err") and (kv["dest"], kv["reply_to"]) in calls:
            put(calls.pop((kv["dest"], kv["reply_to"])), ts)
    if name:
        unit = f"berth-{name}.scope"
        stu = None
        for ts, kind, kv in all_bus:
            if ts < start:
                continue
            member = kv.get("member", "")
            if kind == "mc" and member == "StartTransientUnit" and kv["arg"] == unit:
                put("berthd calls systemd StartTransientUnit", ts)
                stu = (kv["sender"], kv["serial"])
            elif kind in ("mr", "err") and stu == (kv["dest"], kv["reply_to"]):
                put("systemd replies StartTransientUnit", ts)
            elif kind == "sig" and member in ("JobRemoved", "UnitRemoved") and kv["arg"] == unit:
                put(f"signal {member}", ts)
            elif kind == "sig" and member in ("ContainerNew", "ContainerRemoved") and kv["arg"] == name:
                put(f"signal {member}", ts)
    return out


def bus_slices(bus, starts):
    """Cut the monitor's stream at each new connection's Hello that follows a berthctl exec: one slice per run.
    A monitor that gets the CPU late stamps messages late, but never reorders them."""
    hellos = [i for i, (_ts, kind, kv) in enumerate(bus) if kind == "mc" and kv.get("member") == "Hello"]
    cuts = []
    for start in starts:
        # The first Hello stamped after this exec (lag only delays stamps), not already taken by the run before.
        idx = next((i for i in hellos if bus[i][0] >= start and (not cuts or i > cuts[-1])), None)
        cuts.append(idx)
    slices = []
    for k, idx in enumerate(cuts):
        if idx is None:
            slices.append([])
            continue
        nxt = next((c for c in cuts[k + 1:] if c is not None), len(bus))
        slices.append(bus[idx:nxt])
    return slices


def timeline(work, case, offset):
    sched = sched_events(read(work, f"{case}.sched.txt") or "")
    bus = bus_events(read(work, f"{case}.bus.txt") or "", offset)
    starts = [ts for ts, kind, kv in sched
              if kind == "sched_process_exec" and kv.get("filename", "").endswith("/berthctl")]
    if not starts:
        return None
    runs = []
    slices = bus_slices(bus, starts)
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else float("inf")
        runs.append(label_run(start, end, sched, slices[i], bus, exec_case=(case == "exec")))
    labels = {}
    for r in runs:
        for label, t in r.items():
            labels.setdefault(label, []).append(t)
    # An event seen in fewer than half of the runs is another process's (a helper of an earlier case exiting late).
    rows = sorted(({"event": k, "ms": round(median(v), 2), "seen": len(v)} for k, v in labels.items()
                   if 2 * len(v) >= len(runs)), key=lambda row: row["ms"])
    # The step to an event: the median over runs of its time minus the previous event's in the same run, which
    # is steadier than the difference of two medians.
    prev = None
    for row in rows:
        steps = [r[row["event"]] - (r[prev] if prev else 0.0) for r in runs
                 if row["event"] in r and (prev is None or prev in r)]
        row["delta_ms"] = round(median(steps), 2) if steps else 0.0
        prev = row["event"]
    # How late the monitor stamps: the reply reaches berthctl before it exits, so a later stamp is the lag.
    lags = [r[k] - r["berthctl exits"] for r in runs if "berthctl exits" in r
            for k in r if k.startswith("reply to ") and r[k] > r["berthctl exits"]]
    return {"runs": len(runs), "events": rows, "monitor_lag_ms": round(max(lags), 2) if lags else 0.0}


# --- strace: where berthd and its children wait ---------------------------------------------------------------

# Idle waits between requests, and calls whose time strace itself dominates (it stops the tracee on every signal
# and fork, so clone/vfork/sigaction times mean nothing under it).
STRACE_IGNORED = {"epoll_wait", "wait4", "waitid", "restart_syscall", "clone", "clone3", "vfork", "fork", "execve",
                  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "exit_group", "exit"}

STRACE_RE = re.compile(r"^(\d+)\s+[0-9.]+\s+(\w+)\((.*)$")
RESUMED_RE = re.compile(r"^(\d+)\s+[0-9.]+\s+<\.\.\. (\w+) resumed>(.*)$")
TIME_RE = re.compile(r"<([0-9.]+)>\s*$")


def strace_target(args):
    """What a call acts on: the first fd's path or socket kind (strace -yy), else its first string argument."""
    t = re.search(r"\d+<([^>]*)>", args)
    if t:
        target = t.group(1)
    elif args.startswith('"'):
        target = args.split('"')[1]
    else:
        return ""
    target = re.sub(r":\[\d+(->\d+)?\]|\[\d+(->\d+)?\]|:\[[0-9-]*$", "", target)
    target = re.sub(r"(NETLINK:\[\w+):\d+\]", r"\1]", target)
    target = re.sub(r"\.tmp\.\d+", ".tmp", target)
    return re.sub(r"(run|prof)-[0-9a-f]{8}|prof-exec", "NAME", target)[:70]


def strace_calls(text, runs, threshold_ms=0.5):
    """From `strace -f -ttt -T -yy` output: wall time per system call (all calls) and the slow calls grouped by
    what they act on (fsync of which file, close of which socket, ...). A call that another process interrupted
    in strace's output is split in two lines (unfinished / resumed). Waits for the next request (a poll on the
    supervisor's signalfd, epoll_wait) are idle time, not the run's."""
    totals = {}
    groups = {}
    pending = {}
    for line in (text or "").splitlines():
        line = line.strip()
        r = RESUMED_RE.match(line)
        if r:
            pid, call, _rest = r.groups()
            args = pending.pop((pid, call), "")
        else:
            m = STRACE_RE.match(line)
            if not m:
                continue
            pid, call, args = m.groups()
            if line.endswith("<unfinished ...>"):
                pending[(pid, call)] = args
                continue
        t = TIME_RE.search(line)
        if not t or call in STRACE_IGNORED:
            continue
        target = strace_target(args)
        if call in ("poll", "ppoll", "select", "pselect6") and "signalfd" in target:
            continue
        ms = float(t.group(1)) * 1000
        tot = totals.setdefault(call, [0, 0.0])
        tot[0] += 1
        tot[1] += ms
        if ms < threshold_ms:
            continue
        g = groups.setdefault((call, target), [0, 0.0])
        g[0] += 1
        g[1] += ms
    summary = [{"syscall": c, "ms_per_run": round(ms / runs, 2), "calls_per_run": round(n / runs, 1)}
               for c, (n, ms) in totals.items()]
    summary.sort(key=lambda r: -r["ms_per_run"])
    slow = [{"syscall": c, "target": t, "calls_per_run": round(n / runs, 1), "ms_per_run": round(ms / runs, 2)}
            for (c, t), (n, ms) in groups.items()]
    slow.sort(key=lambda r: -r["ms_per_run"])
    return summary[:10], slow[:12]


# --- berthctl start-up: callgrind, LD_DEBUG=statistics, hyperfine ---------------------------------------------

def callgrind(text):
    """callgrind_annotate output -> total Ir and Ir per shared object (self cost)."""
    if not text:
        return None
    total = None
    per_obj = {}
    obj = "?"  # callgrind_annotate names the object only when it changes from the line before
    for line in text.splitlines():
        m = re.match(r"^\s*([0-9,]+)\s+\(.*?\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"^\s*([0-9,]+)\s+\(\s*[0-9.]+%\)\s+(\S.*?)(?:\s+\[(.*)\])?\s*$", line)
        if m and total is not None:
            obj = os.path.basename(m.group(3)) if m.group(3) else obj
            per_obj[obj] = per_obj.get(obj, 0) + int(m.group(1).replace(",", ""))
    if total is None:
        return None
    objs = sorted(per_obj.items(), key=lambda kv: -kv[1])[:6]
    return {"total_ir": total, "by_object": [{"object": o, "ir": n} for o, n in objs]}


def ld_stats(text):
    if not text:
        return None
    out = {}
    for key, pat in (("ld_cycles", r"total startup time in dynamic loader: (\d+)"),
                     ("relocations", r"final number of relocations: (\d+)"),
                     ("relative_relocations", r"number of relative relocations: (\d+)")):
        m = re.search(pat, text)
        if m:
            out[key] = int(m.group(1))
    return out or None


def bindings(text):
    """LD_DEBUG=bindings: how many symbols each object needed resolved at start-up (and by lazy binding during
    --version), largest first."""
    if not text:
        return None
    counts = {}
    for m in re.finditer(r"binding file (\S+) \[\d+\] to ", text):
        name = os.path.basename(m.group(1))
        counts[name] = counts.get(name, 0) + 1
    rows = sorted(counts.items(), key=lambda kv: -kv[1])
    return {"total": sum(counts.values()), "by_object": [{"object": o, "symbols": n} for o, n in rows[:10]]}


def smaps(text):
    """/proc/PID/smaps -> RSS and PSS in kB by mapping: each shared library (all its segments), the heap, thread
    stacks and other anonymous memory."""
    if not text:
        return None
    per, name = {}, None
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if re.match(r"^[0-9a-f]+-[0-9a-f]+$", f[0]):
            path = f[5] if len(f) >= 6 else ""
            name = (os.path.basename(path) if path.startswith("/") else path) or "anonymous"
        elif name and f[0] in ("Rss:", "Pss:"):
            per.setdefault(name, [0, 0])[0 if f[0] == "Rss:" else 1] += int(f[1])
    rows = sorted(per.items(), key=lambda kv: -kv[1][0])
    return {"rss_kb": sum(v[0] for v in per.values()), "pss_kb": sum(v[1] for v in per.values()),
            "by_mapping": [{"mapping": k, "rss_kb": v[0], "pss_kb": v[1]} for k, v in rows[:12]]}


def hyperfine(text):
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return [{"command": r["command"], "median_ms": round(r["median"] * 1000, 2)} for r in data.get("results", [])]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: profile_analyze.py WORKDIR")
    work = sys.argv[1]
    offset = float((read(work, "clock.offset") or "0").strip() or 0)
    result = {}
    for case in CASES:
        m = meta(work, case)
        if not m:
            continue
        runs = int(m.get("runs", "1"))
        c = {"runs": runs}
        if "wall_ms" in m:
            c["wall_ms_per_run"] = round(float(m["wall_ms"]) / runs, 2)
        cpu = read(work, f"{case}.cpu.txt")
        if cpu:
            c["cpu"] = cpu_profile(cpu, runs)
        tl = timeline(work, case, offset)
        if tl:
            c["timeline"] = tl
            c["offcpu"] = offcpu(read(work, f"{case}.sched.txt") or "", tl["runs"])
        sruns = int(m.get("strace_runs", "0") or 0)
        if sruns:
            c["strace_runs"] = sruns
            c["strace_summary"], c["slow_calls"] = strace_calls(read(work, f"{case}.strace.txt"), sruns)
        result[case] = c
    ctl = {}
    libs = read(work, "ctl.ldd")
    if libs:
        names = [line.split()[0] for line in libs.splitlines() if line.strip()]
        ctl["libs"] = len(names)
        ctl["lib_names"] = " ".join(os.path.basename(n) for n in names)
    ctl["ld_stats"] = ld_stats(read(work, "ctl.ldstats"))
    ctl["bindings"] = bindings(read(work, "ctl.bindings"))
    ctl["callgrind_version"] = callgrind(read(work, "ctl.cg-version.txt"))
    ctl["callgrind_list"] = callgrind(read(work, "ctl.cg-list.txt"))
    ctl["hyperfine"] = hyperfine(read(work, "ctl.hyperfine.json"))
    result["ctl"] = {k: v for k, v in ctl.items() if v}
    mem = smaps(read(work, "berthd.smaps"))
    if mem:
        result["berthd_memory"] = mem
    result["summary"] = summarize(result)
    with open(os.path.join(work, "profile.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
    print(render(result))


if __name__ == "__main__":
    main()
