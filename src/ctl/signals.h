// Signal names for `berthctl kill --signal`. Bus-free.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::ctl {

// Accepts "TERM", "SIGTERM", "sigterm", "15", "RTMIN", "RTMIN+3", "SIGRTMAX-2". Returns 1..64 (the numbers the
// daemon accepts); anything else is ErrorKind::InvalidArgument with a message that says what is allowed.
Result<int> parse_signal(std::string_view text);

// "TERM", "RTMIN+3"; the number as text when it has no name.
std::string signal_name(int signal);

}  // namespace berth::ctl
