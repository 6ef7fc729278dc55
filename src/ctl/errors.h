// How berthctl reports failures. Exit codes: 0 success, 1 an operation failed (the daemon's error, or a local
// system error), 2 a usage error. Usage errors are ErrorKind::InvalidArgument raised by berthctl itself; errors
// from the bus are converted (bus.h) to other kinds with code 0, so the two cases never mix.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::ctl {

inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// A usage error for `verb` ("missing NAME"): printed as "berthctl: missing NAME; see 'berthctl VERB --help'".
inline tl::unexpected<Error> usage_error(std::string message)
{
    return fail(ErrorKind::InvalidArgument, std::move(message));
}

// Prints the error to stderr in berthctl's format and returns the exit code for it. `verb` is used in the hint
// of usage errors.
int report_error(const Error& error, std::string_view verb);
// Same for a usage error found outside a handler: prints it with the hint and returns kExitUsage.
int report_usage(std::string message, std::string_view verb);

}  // namespace berth::ctl
