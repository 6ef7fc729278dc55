// A booting guest's identity: a machine-id of its own. Images built by berth ship an empty /etc/machine-id; the
// first boot of each container writes a fresh random one into the container's root, so it stays for the
// container's life (an ephemeral container gets a new one per boot).
#pragma once

#include "base/error.h"

namespace berth::spawn {

// In the container, after pivot_root: writes a random id to /etc/machine-id when it is empty or missing. A
// read-only or absent /etc is left alone (systemd then makes a transient id itself).
Result<> ensure_machine_id();

}  // namespace berth::spawn
