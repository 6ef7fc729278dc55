// The protocol between berthd and berth-spawn, the per-container supervisor. Messages use base/message.h framing:
// fields[0] is the verb, the rest are "key=value" strings (a key may repeat: "arg=", "env=").
//
// Start (over the socketpair berthd gives berth-spawn as fd 3, "--control-fd=3"):
//   berthd starts berth-spawn and sends at once
//     START   name= hostname= rootfs= runtime_dir= uid_base= uid_size= idmap=mount|shifted mode=boot|command
//             arg=... (repeated; command mode: the command; boot mode: empty = find the image's init)
//             net=host=IF,bridge=BR,name=eth0,ipv4=A/P,gw4=G,ipv6=A/P,gw6=G,dns=IP,search=D (repeated; spawn/network.h)
//             env=... (repeated) overlay=0|1 attached=0|1   [fds: stdin, stdout, stderr when attached=1]
//   berth-spawn prepares what needs no cgroup (runtime dir, console, socket) while berthd puts it into the scope
//   berth-NAME.scope and waits for systemd's job to finish; then berthd sends
//     GO
//   and berth-spawn answers
//     STARTED leader=PID started=USEC          (PID in the daemon's pid namespace; USEC CLOCK_REALTIME)
//     FAILED  code=ERRNO reason=idmap-unsupported|setup|exec message=TEXT   and exits
//   and later, on the same connection (and on every WATCH connection):
//     REBOOTED leader=PID started=USEC         init rebooted (died by SIGHUP, or REBOOT request); new payload runs
//     EXITED  status=N reason=exited|killed|poweroff|halt   the container is gone; berth-spawn exits right after
//     NOTIFY  [ready=1] [stopping=1] [status=TEXT] [shutdown=VERB]   boot mode: the guest's PID 1 wrote to
//             its NOTIFY_SOCKET (/run/host/notify inside; sd_notify READY=1, STOPPING=1, STATUS=, X_SYSTEMD_SHUTDOWN=)
//   N is the exit code, or 128+signal when init was killed by a signal.
//
// After START, berth-spawn listens on RUNTIME_DIR/supervisor.sock (SOCK_SEQPACKET, mode 0600). Requests, one per
// connection:
//   WATCH                   -> STATE leader=PID started=USEC ready=0|1, then REBOOTED/EXITED/NOTIFY events as above
//   EXEC arg=.. env=.. cwd=DIR  [fds: stdin, stdout, stderr]
//                           -> EXEC_STARTED pid=PID, later EXEC_EXITED status=N; or FAILED code= message=
//   SHELL arg=.. env=.. cwd=DIR (no arg: the container root's shell, as a login shell)
//                           -> PTY pid=PID [fd: pty master], later EXEC_EXITED status=N; or FAILED
//   REBOOT                  -> OK (the payload is killed and started again with the same settings)
//   NET_ATTACH net=FIELD    -> OK: a veth pair like START's net= (host end on the bridge, the other end configured
//                              in the container's netns); kept for reboots; FAILED code= message= and nothing left
//   NET_DETACH host=IFNAME  -> OK: the veth pair is deleted (no error when it is gone already)
//   CONSOLE                 -> CONSOLE [fd: stream socket to the console: replays the tail of console.log, then
//                              carries output and input; close it to detach]; FAILED code=EBUSY while another
//                              client is attached
//   GUEST_OPEN connect=PATH pty=0|1
//                           -> GUEST [fds: a unix socket connected to PATH inside the container by its root, and
//                              with pty=1 the master of a new pty of the container's devpts] pts=N; used to talk to
//                              the guest's systemd (login, shell through PAM); FAILED code=ENOENT when PATH is absent
//   MOUNT mount=OPTIONS mount_target=PATH mount_source=HOSTPATH   (fields as in START, see spawn/mounts.h)
//                           -> OK once mounted in the running container; or FAILED code= message=
//   UMOUNT mount_target=PATH -> OK once detached; or FAILED. Live mounts are kept across a reboot of the payload.
// Closing an EXEC/SHELL connection does not stop the command.
//
// Before it exits, berth-spawn writes RUNTIME_DIR/exit-status ("status=N\nreason=R\n") so a berthd that was down
// when the container stopped still learns how it ended. The console pty's output goes to RUNTIME_DIR/console.log.
#pragma once

#include <string_view>

namespace berth::spawn_protocol {

inline constexpr int kControlFd = 3;
inline constexpr std::string_view kSocketName = "supervisor.sock";
inline constexpr std::string_view kExitStatusFile = "exit-status";
inline constexpr std::string_view kConsoleLogFile = "console.log";

inline constexpr std::string_view kStart = "START";
inline constexpr std::string_view kGo = "GO";
inline constexpr std::string_view kStarted = "STARTED";
inline constexpr std::string_view kFailed = "FAILED";
inline constexpr std::string_view kRebooted = "REBOOTED";
inline constexpr std::string_view kExited = "EXITED";
inline constexpr std::string_view kNotify = "NOTIFY";
inline constexpr std::string_view kWatch = "WATCH";
inline constexpr std::string_view kState = "STATE";
inline constexpr std::string_view kExec = "EXEC";
inline constexpr std::string_view kExecStarted = "EXEC_STARTED";
inline constexpr std::string_view kExecExited = "EXEC_EXITED";
inline constexpr std::string_view kShell = "SHELL";
inline constexpr std::string_view kPty = "PTY";
inline constexpr std::string_view kReboot = "REBOOT";
inline constexpr std::string_view kOk = "OK";
inline constexpr std::string_view kNetAttach = "NET_ATTACH";
inline constexpr std::string_view kNetDetach = "NET_DETACH";
inline constexpr std::string_view kConsole = "CONSOLE";
inline constexpr std::string_view kGuestOpen = "GUEST_OPEN";
inline constexpr std::string_view kGuest = "GUEST";
inline constexpr std::string_view kMount = "MOUNT";
inline constexpr std::string_view kUmount = "UMOUNT";

inline constexpr std::string_view kReasonIdmapUnsupported = "idmap-unsupported";

}  // namespace berth::spawn_protocol
