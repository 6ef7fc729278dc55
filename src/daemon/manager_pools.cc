// org.berth1.Manager: storage pools (CreatePool, RemovePool, ListPools, GetPool) and CloneContainer.
#include "daemon/bus_errors.h"
#include "daemon/manager_object.h"
#include "daemon/pool_object.h"

namespace berth::daemon {

namespace {

// Options are a{sv}; each key has one type, anything else is refused naming the key.
Result<PoolConfig> pool_options(const std::map<std::string, sdbus::Variant>& options)
{
    PoolConfig config;
    for (const auto& [key, value] : options) {
        if (key == "Source" && value.containsValueOfType<std::string>())
            config.source = value.get<std::string>();
        else if (key == "Size" && value.containsValueOfType<uint64_t>())
            config.size = value.get<uint64_t>();
        else if (key == "Source" || key == "Size")
            return fail(ErrorKind::InvalidArgument, "option '" + key + "' has the wrong type (Source s, Size t)");
        else
            return fail(ErrorKind::InvalidArgument, "unknown option '" + key + "'; known options: Source, Size");
    }
    if (config.size > 0 && config.size < 1024 * 1024)
        return fail(ErrorKind::InvalidArgument, "Size is in bytes; " + std::to_string(config.size) + " is too small");
    return config;
}

}  // namespace

PoolObjects& ManagerObject::pool_objects()
{
    if (!pools_)
        throw_bus_error(Error{ErrorKind::NotSupported, 0, "storage pools are not available"});
    return *pools_;
}

sdbus::ObjectPath ManagerObject::CreatePool(const std::string& name, const std::string& driver,
                                            const std::map<std::string, sdbus::Variant>& options)
{
    auto& objects = pool_objects();
    PoolConfig config = value_or_throw(pool_options(options));
    config.name = name;
    config.driver = driver;
    value_or_throw(objects.pools().create(config));
    objects.added(name);
    return pool_object_path(name);
}

void ManagerObject::RemovePool(const std::string& name)
{
    auto& objects = pool_objects();
    // The built-in and the default pool are refused by remove() before anything else is looked at.
    const bool fixed = name == Pools::kBuiltinPool || name == objects.pools().default_name();
    if (!fixed && objects.pools().get(name).has_value())
        value_or_throw(objects.check_unused(name));
    value_or_throw(objects.pools().remove(name));
    objects.removed(name);
}

std::vector<sdbus::Struct<std::string, std::string, std::string, uint64_t, uint64_t, uint64_t, sdbus::ObjectPath>>
ManagerObject::ListPools()
{
    auto& objects = pool_objects();
    std::vector<sdbus::Struct<std::string, std::string, std::string, uint64_t, uint64_t, uint64_t, sdbus::ObjectPath>>
        out;
    for (const auto& name : objects.pools().names()) {
        auto pool = objects.pools().get(name);
        PoolUsage usage;
        std::string driver = "?", source;
        if (pool) {
            usage = (*pool)->usage().value_or(PoolUsage{});
            driver = (*pool)->config().driver;
            source = (*pool)->config().source;
        }
        out.emplace_back(name, driver, source, usage.total, usage.used, usage.free,
                         sdbus::ObjectPath(pool_object_path(name)));
    }
    return out;
}

sdbus::ObjectPath ManagerObject::GetPool(const std::string& name)
{
    auto& objects = pool_objects();
    if (!objects.pools().exists(name))
        value_or_throw(objects.pools().get(name));
    return pool_object_path(name);
}

sdbus::ObjectPath ManagerObject::CloneContainer(const std::string& source, const std::string& target,
                                                const std::map<std::string, sdbus::Variant>& options)
{
    std::string pool;
    for (const auto& [key, value] : options) {
        if (key == "Pool" && value.containsValueOfType<std::string>())
            pool = value.get<std::string>();
        else
            throw_bus_error(Error{ErrorKind::InvalidArgument, 0,
                                  "unknown or mistyped option '" + key + "'; known options: Pool (s)"});
    }
    value_or_throw(manager_.clone(source, target, pool));
    return container_object_path(target);
}

}  // namespace berth::daemon
