#include "base/error.h"

#include <cstring>

namespace berth {

std::string_view error_kind_to_string(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::Failed: return "Failed";
    case ErrorKind::InvalidArgument: return "InvalidArgument";
    case ErrorKind::NoSuchContainer: return "NoSuchContainer";
    case ErrorKind::NoSuchImage: return "NoSuchImage";
    case ErrorKind::NoSuchPool: return "NoSuchPool";
    case ErrorKind::AlreadyExists: return "AlreadyExists";
    case ErrorKind::InvalidState: return "InvalidState";
    case ErrorKind::Busy: return "Busy";
    case ErrorKind::AccessDenied: return "AccessDenied";
    case ErrorKind::QuotaExceeded: return "QuotaExceeded";
    case ErrorKind::NotSupported: return "NotSupported";
    }
    return "Failed";
}

Error Error::context(std::string_view what) const&
{
    Error copy = *this;
    return std::move(copy).context(what);
}

Error Error::context(std::string_view what) &&
{
    message.insert(0, std::string(what) + ": ");
    return std::move(*this);
}

std::string Error::describe() const
{
    if (code == 0)
        return message;
    return message + ": " + std::strerror(code);
}

}  // namespace berth
