// The protocol between berthd and berth-spawn, the per-container supervisor. Messages use base/message.h framing:
// fields[0] is the verb, the rest are "key=value" strings (a key may repeat: "arg=", "env=").
//
// Start (over the socketpair berthd gives berth-spawn as fd 3, "--control-fd=3"):
//   berthd starts berth-spawn and sends at once
//     START   name= hostname= rootfs= runtime_dir= uid_base= uid_size= idmap=mount|shifted mode=boot|command
//             arg=... (repeated; command mode: the command; boot mode: empty = find the image's init)
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
//   N is the exit code, or 128+signal when init was killed by a signal.
//
// After START, berth-spawn listens on RUNTIME_DIR/supervisor.sock (SOCK_SEQPACKET, mode 0600). Requests, one per
// connection:
//   WATCH                   -> STATE leader=PID started=USEC, then REBOOTED/EXITED events as above
//   EXEC arg=.. env=.. cwd=DIR  [fds: stdin, stdout, stderr]
//                           -> EXEC_STARTED pid=PID, later EXEC_EXITED status=N; or FAILED code= message=
//   SHELL arg=.. env=.. cwd=DIR (no arg: the container root's shell, as a login shell)
//                           -> PTY pid=PID [fd: pty master], later EXEC_EXITED status=N; or FAILED
//   REBOOT                  -> OK (the payload is killed and started again with the same settings)
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
inline constexpr std::string_view kWatch = "WATCH";
inline constexpr std::string_view kState = "STATE";
inline constexpr std::string_view kExec = "EXEC";
inline constexpr std::string_view kExecStarted = "EXEC_STARTED";
inline constexpr std::string_view kExecExited = "EXEC_EXITED";
inline constexpr std::string_view kShell = "SHELL";
inline constexpr std::string_view kPty = "PTY";
inline constexpr std::string_view kReboot = "REBOOT";
inline constexpr std::string_view kOk = "OK";
inline constexpr std::string_view kMount = "MOUNT";
inline constexpr std::string_view kUmount = "UMOUNT";

inline constexpr std::string_view kReasonIdmapUnsupported = "idmap-unsupported";

}  // namespace berth::spawn_protocol
