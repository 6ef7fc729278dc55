#include "ctl/errors.h"

#include <cstdio>

namespace berth::ctl {

int report_error(const Error& error, std::string_view verb)
{
    if (error.kind == ErrorKind::InvalidArgument) {
        std::string hint = verb.empty() ? "see 'berthctl --help'" : "see 'berthctl " + std::string(verb) + " --help'";
        std::fprintf(stderr, "berthctl: %s; %s\n", error.message.c_str(), hint.c_str());
        return kExitUsage;
    }
    // describe() adds strerror for local system errors; errors from the bus have code 0 and a complete message.
    const std::string text = error.describe();
    std::fprintf(stderr, "berthctl: %s\n", text.c_str());
    return kExitFailure;
}

int report_usage(std::string message, std::string_view verb)
{
    return report_error(Error{ErrorKind::InvalidArgument, 0, std::move(message)}, verb);
}

}  // namespace berth::ctl
