// org.berth1.Manager: the volume calls and export/import, handed to Volumes and ArchiveJobs.
#include "daemon/manager_object.h"

#include <fcntl.h>

#include "daemon/archive_jobs.h"
#include "daemon/bus_errors.h"
#include "daemon/volume_object.h"

namespace berth::daemon {

namespace {

Error not_available(const char* what)
{
    return Error{ErrorKind::NotSupported, 0, std::string(what) + " are not available in this berthd"};
}

UniqueFd take(sdbus::UnixFd& fd)
{
    UniqueFd owned(fd.isValid() ? fcntl(fd.get(), F_DUPFD_CLOEXEC, 3) : -1);
    fd.reset();
    return owned;
}

Result<ArchiveFormat> format_option(const std::map<std::string, sdbus::Variant>& options)
{
    ArchiveFormat format = ArchiveFormat::TarZstd;
    for (const auto& [key, value] : options) {
        if (key != "Format")
            return fail(ErrorKind::InvalidArgument, "unknown option '" + key + "' (known: Format)");
        if (value.peekValueType() != "s")
            return fail(ErrorKind::InvalidArgument, "option 'Format' must be a string");
        format = BERTH_TRY(parse_archive_format(value.get<std::string>()));
    }
    return format;
}

std::function<void(Result<>)> reply_empty(sdbus::Result<>&& result)
{
    auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
    return [shared](Result<> r) {
        if (r)
            shared->returnResults();
        else
            shared->returnError(to_bus_error(r.error()));
    };
}

std::function<void(Result<std::string>)> reply_path(sdbus::Result<sdbus::ObjectPath>&& result)
{
    auto shared = std::make_shared<sdbus::Result<sdbus::ObjectPath>>(std::move(result));
    return [shared](Result<std::string> r) {
        if (r)
            shared->returnResults(sdbus::ObjectPath(*r));
        else
            shared->returnError(to_bus_error(r.error()));
    };
}

}  // namespace

sdbus::ObjectPath ManagerObject::CreateVolume(const std::string& volume,
                                              const std::map<std::string, sdbus::Variant>& options)
{
    if (!volumes_)
        value_or_throw(Result<>(fail(not_available("volumes"))));
    return value_or_throw(volumes_->create(volume, options));
}

void ManagerObject::RemoveVolume(const std::string& volume)
{
    if (!volumes_)
        value_or_throw(Result<>(fail(not_available("volumes"))));
    value_or_throw(volumes_->remove(volume));
}

std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t, std::vector<std::string>, sdbus::ObjectPath>>
ManagerObject::ListVolumes()
{
    if (!volumes_)
        return {};
    return volumes_->list();
}

sdbus::ObjectPath ManagerObject::GetVolume(const std::string& volume)
{
    if (!volumes_)
        value_or_throw(Result<>(fail(not_available("volumes"))));
    return value_or_throw(volumes_->get(volume));
}

void ManagerObject::ExportContainer(sdbus::Result<>&& result, std::string name, sdbus::UnixFd fd,
                                    std::map<std::string, sdbus::Variant> options)
{
    auto done = reply_empty(std::move(result));
    bool snapshots = false;
    if (auto it = options.find("Snapshots"); it != options.end()) {
        if (it->second.peekValueType() != "b")
            return done(fail(ErrorKind::InvalidArgument, "option 'Snapshots' must be a boolean"));
        snapshots = it->second.get<bool>();
        options.erase(it);
    }
    auto format = format_option(options);
    if (!format)
        return done(fail(format.error()));
    if (!archives_)
        return done(fail(not_available("exports")));
    if (auto r = archives_->export_container(name, take(fd), *format, snapshots, done); !r)
        done(fail(r.error()));
}

void ManagerObject::ImportContainer(sdbus::Result<sdbus::ObjectPath>&& result, sdbus::UnixFd fd, std::string name,
                                    std::map<std::string, sdbus::Variant> options)
{
    auto done = reply_path(std::move(result));
    std::string pool;
    for (const auto& [key, value] : options) {
        if (key != "Pool" || value.peekValueType() != "s")
            return done(fail(ErrorKind::InvalidArgument, "unknown option '" + key + "' (known: Pool, a string)"));
        pool = value.get<std::string>();
    }
    if (!archives_)
        return done(fail(not_available("imports")));
    if (auto r = archives_->import_container(take(fd), name, pool, done); !r)
        done(fail(r.error()));
}

void ManagerObject::ExportVolume(sdbus::Result<>&& result, std::string volume, sdbus::UnixFd fd,
                                 std::map<std::string, sdbus::Variant> options)
{
    auto done = reply_empty(std::move(result));
    auto format = format_option(options);
    if (!format)
        return done(fail(format.error()));
    if (!archives_)
        return done(fail(not_available("exports")));
    if (auto r = archives_->export_volume(volume, take(fd), *format, done); !r)
        done(fail(r.error()));
}

void ManagerObject::ImportVolume(sdbus::Result<sdbus::ObjectPath>&& result, sdbus::UnixFd fd, std::string volume,
                                 std::map<std::string, sdbus::Variant> options)
{
    auto done = reply_path(std::move(result));
    bool ignore_size = false;
    for (const auto& [key, value] : options) {
        if (key != "IgnoreSize" || value.peekValueType() != "b")
            return done(fail(ErrorKind::InvalidArgument, "unknown option '" + key + "' (known: IgnoreSize, a boolean)"));
        ignore_size = value.get<bool>();
    }
    if (!archives_)
        return done(fail(not_available("imports")));
    if (auto r = archives_->import_volume(take(fd), volume, ignore_size, done); !r)
        done(fail(r.error()));
}

}  // namespace berth::daemon
