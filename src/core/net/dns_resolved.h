// Host name resolution of container names through systemd-resolved: the bridge becomes a link whose DNS server is
// the network's dnsmasq and whose routing-only domain is ~DOMAIN, so `getent hosts web.berth` (nss-resolve) and
// `resolvectl query web.berth` on the host ask our dnsmasq, and nothing else does. Without resolved on the bus
// this does nothing: point the host's resolver at the bridge address instead (see berthctl(1), DNS).
#pragma once

#include <string>

#include "base/error.h"
#include "core/net/network.h"

namespace berth::net {

// SetLinkDNS + SetLinkDomains (+ SetLinkDefaultRoute false) on the bridge. Ok(false) when resolved is not
// running (org.freedesktop.resolve1 has no owner), Ok(true) when registered.
Result<bool> resolved_register(const Network& network);
// RevertLink on the bridge; nothing when resolved is not running or the bridge is gone.
void resolved_revert(const std::string& bridge);

}  // namespace berth::net
