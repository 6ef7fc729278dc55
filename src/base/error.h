// Error values for everything below the D-Bus edge: a kind (what the caller did wrong, or that the system failed),
// the errno when there is one, and a readable message that callers extend with context in front.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace berth {

// What went wrong, from the caller's point of view. The daemon maps each kind to one org.berth1.Error.* name.
enum class ErrorKind {
    Failed,            // the system failed (I/O, a syscall, systemd); errno says more
    InvalidArgument,   // the caller's input is wrong
    NoSuchContainer,
    NoSuchImage,
    NoSuchPool,        // no storage pool (or snapshot in it) of that name
    AlreadyExists,
    InvalidState,      // e.g. starting a running container, removing one without force
    Busy,              // another operation holds the object
    AccessDenied,
    QuotaExceeded,     // no id range, no space
    NotSupported,
};

std::string_view error_kind_to_string(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::Failed;
    int code = 0;          // errno, 0 when not a system error
    std::string message;   // "what failed: why", readable by a person

    // Prefix the message with what the caller was doing: "create container a: " + message.
    Error context(std::string_view what) const&;
    Error context(std::string_view what) &&;
    // message plus the strerror text when code is set
    std::string describe() const;
};

template <typename T = void>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorKind kind, std::string message, int code = 0)
{
    return tl::unexpected<Error>(Error{kind, code, std::move(message)});
}

// A system error from an errno value: "open /x: No such file or directory".
inline tl::unexpected<Error> fail_errno(int code, std::string what)
{
    return tl::unexpected<Error>(Error{ErrorKind::Failed, code, std::move(what)});
}

// Same, reading the current errno.
inline tl::unexpected<Error> fail_errno(std::string what)
{
    return fail_errno(errno, std::move(what));
}

inline tl::unexpected<Error> fail(Error error)
{
    return tl::unexpected<Error>(std::move(error));
}

namespace detail {
template <typename T>
T take_value(tl::expected<T, Error>&& r) { return std::move(r).value(); }
inline void take_value(tl::expected<void, Error>&&) {}
}  // namespace detail

}  // namespace berth

// Propagate an error out of a function returning Result<...>: BERTH_TRY(do_x()); or auto v = BERTH_TRY(get_x());
#define BERTH_TRY(expr)                                                          \
    ({                                                                           \
        auto berth_try_result_ = (expr);                                          \
        if (!berth_try_result_)                                                  \
            return ::tl::unexpected<::berth::Error>(std::move(berth_try_result_).error()); \
        ::berth::detail::take_value(std::move(berth_try_result_));               \
    })
