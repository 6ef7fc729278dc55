// The container's console: a pty pair allocated on the host side. The slave becomes the payload's /dev/console (and
// its stdio unless START is attached); berth-spawn keeps the master, appends what the container writes to
// RUNTIME_DIR/console.log, and keeps a slave fd open so the pty survives reboots and the master never sees a hangup.
//
// One client at a time may attach (CONSOLE request, `berthctl console`): it gets one end of a stream socket that
// first replays the tail of console.log, then carries the console's output while logging goes on; what it sends
// is typed on the console. A client that cannot keep up loses output (the log keeps it); closing the socket
// detaches. A second client is refused (EBUSY) while one is attached.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::spawn {

class Console {
public:
    // Allocate the pty, give the slave to the container's root (host uid/gid `owner`), open console.log.
    static Result<Console> open(const std::string& runtime_dir, uid_t owner);

    int master() const { return master_.get(); }
    int slave() const { return slave_.get(); }
    // Host path of the slave (/dev/pts/N), bind-mounted as the container's /dev/console.
    const std::string& slave_path() const { return slave_path_; }
    // Read everything available on the master (non-blocking) into console.log; keeps the log under 1 MiB by
    // starting it over when it grows past that.
    void drain();

    // Attach a client: the socket end for it, or EBUSY while another one is attached.
    Result<UniqueFd> attach();
    // Our end of the attached client's socket, -1 when none.
    int client() const { return client_.get(); }
    // The client sent keystrokes or hung up.
    void on_client_input();

private:
    UniqueFd master_;
    UniqueFd slave_;
    void send_to_client(const char* data, size_t size);

    UniqueFd log_;
    UniqueFd client_;
    std::string slave_path_;
    std::string log_path_;
};

}  // namespace berth::spawn
