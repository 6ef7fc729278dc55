// The one place where berth errors become D-Bus errors: ErrorKind -> org.berth1.Error.<Kind>.
#pragma once

#include <sdbus-c++/Error.h>

#include "base/error.h"

namespace berth::daemon {

inline constexpr const char* kErrorPrefix = "org.berth1.Error.";

sdbus::Error to_bus_error(const Error& error);
// Throws the D-Bus form of a failed Result; used at the top of synchronous method handlers.
[[noreturn]] void throw_bus_error(const Error& error);

template <typename T>
T value_or_throw(Result<T> result)
{
    if (!result)
        throw_bus_error(result.error());
    if constexpr (!std::is_void_v<T>)
        return std::move(*result);
}

}  // namespace berth::daemon
