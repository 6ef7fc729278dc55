#!/usr/bin/python3
"""Time a guest boot to READY=1, for peers that forward their guest's sd_notify messages to a socket of ours.

Usage: notify_ready.py SOCKET TIMEOUT_SEC -- COMMAND...

Binds a datagram socket at SOCKET (mode 0666: LXC's guest root is an unprivileged uid on the host), takes the
time, runs COMMAND (which starts the container and returns, e.g. `lxc-start -d` or `systemd-run`) and waits for a
datagram with the line READY=1. Prints the milliseconds from before COMMAND to READY=1 and exits 0; exits 1 when
COMMAND fails or READY=1 does not come within TIMEOUT_SEC. The socket is removed on exit.

The guest's PID 1 (systemd) sends READY=1 to $NOTIFY_SOCKET: LXC passes it through lxc.environment with SOCKET's
directory bound into the container, systemd-nspawn --notify-ready=yes forwards it to its own $NOTIFY_SOCKET.
"""
import os
import socket
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        sys.stderr.write(__doc__)
        return 2
    path, timeout = argv[1], float(argv[2])
    command = argv[4:]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    try:
        sock.bind(path)
        os.chmod(path, 0o666)
        t0 = time.monotonic()
        run = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        if run.returncode != 0:
            sys.stderr.write("notify_ready: %s failed (%d): %s\n"
                             % (command[0], run.returncode, run.stderr.decode(errors="replace").strip()[-400:]))
            return 1
        deadline = t0 + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                sys.stderr.write("notify_ready: no READY=1 within %g s\n" % timeout)
                return 1
            sock.settimeout(left)
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            if "READY=1" in data.decode(errors="replace").split("\n"):
                print("%.2f" % ((time.monotonic() - t0) * 1000))
                return 0
    finally:
        sock.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    sys.exit(main(sys.argv))
