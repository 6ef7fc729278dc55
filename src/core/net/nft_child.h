// libnftables in a short-lived child process. berthd changes its nftables tables only when networks or port
// forwards change, but linking libnftables would keep it and what it pulls in (libnftnl, libxtables, libjansson,
// libgmp: ~1.4 MB resident) mapped in the daemon for its whole life. So berthd forks, and only the child
// dlopen()s the library, runs the script and exits; berthd is single-threaded, so the child may run ordinary code.
#pragma once

#include <string>

#include "base/error.h"

namespace berth::net {

// Runs an nft script (one transaction) in a child process. Fails with nftables' own message (trimmed), or with
// what kept the library from loading (and the Debian package that has it).
Result<> run_nftables(const std::string& script);

}  // namespace berth::net
