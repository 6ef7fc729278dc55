#!/usr/bin/env python3
"""Drive an interactive berthctl session (login, console, shell) on a pseudo-terminal, for the integration tests.

usage: pty_session.py [--timeout SEC] STEP... -- CMD [ARGS...]
steps, in order:
  expect:TEXT   wait until TEXT appeared in the output (after the previous match)
  send:TEXT     type TEXT; \\r \\n \\x1d and other Python escapes are decoded
  sleep:SEC     pause
  detach        type Ctrl-] three times (the detach sequence)
After the steps it waits for CMD to end, prints everything CMD wrote and exits with CMD's status.
A step that times out prints the output so far and exits 124.
"""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    timeout = 20.0
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
        args = args[2:]
    split = args.index("--")
    steps, cmd = args[:split], args[split + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    output = b""
    seen = 0

    def read_some(wait):
        nonlocal output
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        output += data
        return True

    def give_up(what):
        sys.stdout.write(output.decode(errors="replace"))
        sys.stdout.write("\npty_session: timed out at step %s\n" % what)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.exit(124)

    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "expect":
            want = arg.encode()
            deadline = time.monotonic() + timeout
            while output.find(want, seen) < 0:
                if time.monotonic() > deadline or not read_some(0.1):
                    if output.find(want, seen) < 0:
                        give_up(step)
            seen = output.find(want, seen) + len(want)
        elif kind == "send":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "sleep":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end:
                read_some(0.05)
        elif kind == "detach":
            os.write(fd, b"\x1d\x1d\x1d")
        else:
            sys.exit("pty_session: unknown step " + step)
    deadline = time.monotonic() + timeout
    while read_some(0.1):
        if time.monotonic() > deadline:
            give_up("end")
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            while read_some(0.05):
                pass
            break
    else:
        done, status = os.waitpid(pid, 0)
    if not done:
        done, status = os.waitpid(pid, 0)
    sys.stdout.write(output.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
