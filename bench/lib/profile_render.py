"""The markdown of bench/profile.sh's results (bench/lib/profile_analyze.py computes them): the section's
tables and its 3-5 line summary of the biggest costs. Standard library only."""

BERTH = ("berthctl", "berthd", "berth-spawn")
CASES = {"run": "`berthctl run --rm --image busybox -- /bin/true`",
         "runnone": "`berthctl run --rm --network none --image busybox -- /bin/true` (no veth, no lease)",
         "exec": "`berthctl exec NAME -- /bin/true` (running busybox container)"}


def fmt(v):
    return f"{v:.2f}"


def render(result):
    lines = []
    summary = result.get("summary", [])
    if summary:
        lines.append("**In short:**")
        lines.append("")
        lines.extend(f"- {s}" for s in summary)
        lines.append("")
    for case, label in CASES.items():
        c = result.get(case)
        if not c:
            continue
        lines.append(f"### {label}")
        lines.append("")
        cpu = c.get("cpu")
        if cpu:
            lines.append(f"CPU time per run by process (perf cpu-clock, every CPU, test host only; {c['runs']} runs, "
                         f"{c.get('wall_ms_per_run', '?')} ms wall-clock per run under perf):")
            lines.append("")
            lines.append("| process | CPU ms / run | of which kernel |")
            lines.append("|---|---:|---:|")
            for name, v in cpu["by_process"].items():
                lines.append(f"| {name} | {fmt(v['cpu_ms_per_run'])} | {fmt(v['kernel_ms_per_run'])} |")
            lines.append(f"| **all** | **{fmt(cpu['cpu_ms_per_run'])}** | |")
            lines.append("")
            lines.append("Top symbols of berth's processes (CPU ms per run; `kernel` = in the kernel on their behalf; "
                         "without a hardware PMU here, kernel samples land where interrupts are enabled again, "
                         "e.g. finish_task_switch or _raw_spin_unlock_irqrestore, not where the time went):")
            lines.append("")
            lines.append("```")
            for comm, rows in cpu["top_symbols"].items():
                for r in rows[:6]:
                    lines.append(f"{comm:<12} {r['ms_per_run']:7.3f} ms  {r['dso']:<24} {r['sym']}")
            lines.append("```")
            lines.append("")
            kb = cpu.get("kernel_by_syscall") or {}
            if any(kb.values()):
                lines.append("Their kernel time (and systemd's) by what the kernel was doing for them (the system "
                             "call on the kernel stack, or a page fault), CPU ms per run:")
                lines.append("")
                lines.append("```")
                for comm, rows in kb.items():
                    if rows:
                        lines.append(f"{comm:<12} " + ", ".join(f"{r['entry']} {r['ms_per_run']:.2f}" for r in rows))
                lines.append("```")
                lines.append("")
        tl = c.get("timeline")
        if tl:
            lines.append(f"Wall-clock critical path (median over {tl['runs']} runs; ms since berthctl's exec; "
                         "process events from sched tracepoints, bus messages from dbus-monitor):")
            if tl.get("monitor_lag_ms"):
                lines[-1] += (f" The monitor stamped a reply up to {tl['monitor_lag_ms']:.2f} ms after berthctl had "
                              "already exited: bus times may be that late.")
            lines.append("")
            lines.append("| event | at ms | + ms since previous | seen in runs |")
            lines.append("|---|---:|---:|---:|")
            for r in tl["events"]:
                lines.append(f"| {r['event']} | {fmt(r['ms'])} | {fmt(r['delta_ms'])} | {r['seen']} |")
            lines.append("")
        off = c.get("offcpu")
        if off and any(off.values()):
            lines.append("Where each process waits (off-CPU time per run from `sched_switch` with kernel stacks, "
                         "same runs: the system call, then the kernel function it blocked in; daemons' idle "
                         "event-loop waits (epoll_wait, poll) left out):")
            lines.append("")
            lines.append("```")
            for comm, rows in off.items():
                for r in rows:
                    lines.append(f"{comm:<12} {r['ms_per_run']:7.2f} ms {r['times_per_run']:5.1f}x  {r['why']}")
            lines.append("```")
            lines.append("")
        sc = c.get("strace_summary")
        slow = c.get("slow_calls")
        if sc or slow:
            lines.append("Where berthd and its children (berth-spawn, the payload; for exec also the container's "
                         "berth-spawn) spend wall time in system calls, blocking waits included "
                         f"(`strace -f -p`, {c.get('strace_runs', '?')} runs; strace slows every call, so these "
                         "rank, they do not time):")
            lines.append("")
            lines.append("```")
            for r in sc or []:
                lines.append(f"{r['syscall']:<16} {r['ms_per_run']:8.2f} ms/run  {r['calls_per_run']:6.1f} calls/run")
            if slow:
                lines.append("-- calls of 0.5 ms or more, by target --")
                for r in slow:
                    lines.append(f"{r['syscall']:<10} {r['ms_per_run']:8.2f} ms/run {r['calls_per_run']:5.1f}x  "
                                 f"{r['target']}")
            lines.append("```")
            lines.append("")
    mem = result.get("berthd_memory")
    if mem:
        lines.append("### berthd's memory")
        lines.append("")
        lines.append(f"berthd after the runs, one container running: RSS {mem['rss_kb']} kB, PSS {mem['pss_kb']} kB "
                     "(`/proc/PID/smaps`). RSS by mapping (a library counts all its segments; `[heap]` is malloc's "
                     "main arena, `anonymous` other arenas and thread stacks):")
        lines.append("")
        lines.append("```")
        for r in mem["by_mapping"]:
            lines.append(f"{r['rss_kb']:7d} kB RSS {r['pss_kb']:7d} kB PSS  {r['mapping']}")
        lines.append("```")
        lines.append("")
    ctl = result.get("ctl")
    if ctl:
        lines.append("### berthctl's own start-up")
        lines.append("")
        if ctl.get("hyperfine"):
            lines.append("Wall clock (hyperfine, median): " + "; ".join(
                f"`{r['command']}` {fmt(r['median_ms'])} ms" for r in ctl["hyperfine"]) + ".")
            lines.append("")
        if ctl.get("libs"):
            lines.append(f"berthctl loads {ctl['libs']} shared objects: {ctl.get('lib_names', '')}.")
            lines.append("")
        ld = ctl.get("ld_stats")
        if ld:
            lines.append(f"`LD_DEBUG=statistics berthctl --version`: {ld.get('ld_cycles', '?')} cycles in the "
                         f"dynamic loader at start-up, {ld.get('relocations', '?')} symbol relocations, "
                         f"{ld.get('relative_relocations', '?')} relative ones (lazy PLT binding comes later and "
                         "shows as `_dl_fixup`/`do_lookup_x` in the CPU profile).")
            lines.append("")
        b = ctl.get("bindings")
        if b:
            lines.append(f"`LD_DEBUG=bindings berthctl --version`: {b['total']} symbol bindings; by the object that "
                         "needs them: " + ", ".join(f"{r['object']} {r['symbols']}" for r in b["by_object"]) + ".")
            lines.append("")
        for key, what in (("callgrind_version", "berthctl --version"), ("callgrind_list", "berthctl list")):
            cg = ctl.get(key)
            if cg:
                parts = ", ".join(f"{o['object']} {100.0 * o['ir'] / cg['total_ir']:.0f}%" for o in cg["by_object"])
                lines.append(f"callgrind `{what}`: {cg['total_ir'] / 1e6:.1f} M instructions in user space; "
                             f"by object: {parts}.")
                lines.append("")
    return "\n".join(lines)


def end_ms(case):
    tl = (case or {}).get("timeline")
    if not tl or not tl["events"]:
        return None
    return next((r["ms"] for r in tl["events"] if r["event"] == "berthctl exits"), tl["events"][-1]["ms"])


def longest_waits(tl, count=3):
    gaps = sorted(tl["events"], key=lambda r: -r["delta_ms"])[:count]
    prev = {r["event"]: p["event"] for p, r in zip(tl["events"], tl["events"][1:])}
    return "; ".join(f"{fmt(g['delta_ms'])} ms before \"{g['event']}\" (after \"{prev.get(g['event'], 'start')}\")"
                     for g in gaps)


def cpu_line(cpu):
    berth_ms = sum(cpu["by_process"].get(p, {}).get("cpu_ms_per_run", 0) for p in BERTH)
    other = sorted(((k, v["cpu_ms_per_run"]) for k, v in cpu["by_process"].items() if k not in BERTH
                    and not k.startswith("harness")), key=lambda kv: -kv[1])[:2]
    return (f"{fmt(cpu['cpu_ms_per_run'])} ms of CPU per run on all CPUs, berth's own processes {fmt(berth_ms)} ms ("
            + ", ".join(f"{p} {fmt(cpu['by_process'][p]['cpu_ms_per_run'])}" for p in BERTH if p in cpu["by_process"])
            + "); most of the rest: " + ", ".join(f"{k} {fmt(v)}" for k, v in other))


def summarize(result):
    """At most 5 plain lines: the biggest costs, computed from the data."""
    out = []
    run, none, ex = result.get("run"), result.get("runnone"), result.get("exec")
    if end_ms(run) is not None:
        out.append(f"`run --rm`: {fmt(end_ms(run))} ms from berthctl's exec to its exit under the tracers; the longest "
                   f"steps: {longest_waits(run['timeline'])}.")
    if run and run.get("cpu"):
        out.append(f"`run --rm`: {cpu_line(run['cpu'])}.")
    if run and run.get("slow_calls"):
        # What berthd and its children do themselves, not waiting for another process's answer.
        own = [r for r in run["slow_calls"]
               if r["syscall"] not in ("poll", "ppoll", "select", "recvfrom", "recvmsg", "read") and r["target"]]
        if own:
            out.append("`run --rm`: the slowest own system calls of berthd and berth-spawn (strace, ms per run): "
                       + ", ".join(f"{r['syscall']} {r['target']} {fmt(r['ms_per_run'])}" for r in own[:4]) + ".")
    if end_ms(none) is not None and end_ms(run) is not None:
        cpu = (none.get("cpu") or {}).get("cpu_ms_per_run")
        cpu_run = (run.get("cpu") or {}).get("cpu_ms_per_run")
        diff = end_ms(run) - end_ms(none)
        out.append(f"`run --rm --network none` (what the peers run: no network device): {fmt(end_ms(none))} ms under "
                   f"the tracers vs {fmt(end_ms(run))} ms with the default network ("
                   + (f"{fmt(diff)} ms less" if diff >= 0 else f"{fmt(-diff)} ms more: noise") + ")"
                   + (f"; CPU {fmt(cpu)} ms vs {fmt(cpu_run)} ms" if cpu and cpu_run else "") + ".")
    if end_ms(ex) is not None:
        line = f"`exec`: {fmt(end_ms(ex))} ms under the tracers; the longest steps: {longest_waits(ex['timeline'])}"
        if ex.get("cpu"):
            line += f"; {cpu_line(ex['cpu'])}"
        out.append(line + ".")
    return out[:5]
