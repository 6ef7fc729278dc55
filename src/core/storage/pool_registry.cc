#include "core/storage/pool_registry.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <ctime>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "core/toml_fields.h"

namespace berth {

namespace {

constexpr char kSuffix[] = ".toml";

uint64_t now_usec()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

std::string quote(const std::string& s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20)
            out += c;
    }
    return out + "\"";
}

}  // namespace

std::string pool_config_to_toml(const PoolConfig& c)
{
    return "# berth storage pool (written by berthd)\n"
           "name = " + quote(c.name) + "\n"
           "driver = " + quote(c.driver) + "\n"
           "source = " + quote(c.source) + "\n"
           "size = " + std::to_string(c.size) + "  # bytes of the loop image; 0 = not loop-backed\n"
           "root = " + quote(c.root) + "\n"
           "created_at = " + std::to_string(c.created_at) + "\n";
}

Result<PoolConfig> parse_pool_config(std::string_view text, std::string_view origin)
{
    auto doc = BERTH_TRY(toml_fields::parse_document(text, origin));
    toml_fields::TableReader r(doc, origin);
    PoolConfig c;
    auto name = BERTH_TRY(r.string("name"));
    auto driver = BERTH_TRY(r.string("driver"));
    auto root = BERTH_TRY(r.string("root"));
    if (!name)
        return r.missing("name");
    if (!driver)
        return r.missing("driver");
    if (!root)
        return r.missing("root");
    BERTH_TRY(validate_name(*name, "pool name"));
    c.name = *name;
    c.driver = *driver;
    c.root = *root;
    c.source = BERTH_TRY(r.string("source")).value_or("");
    c.size = static_cast<uint64_t>(BERTH_TRY(r.integer("size", 0, INT64_MAX)).value_or(0));
    c.created_at = static_cast<uint64_t>(BERTH_TRY(r.integer("created_at", 0, INT64_MAX)).value_or(0));
    BERTH_TRY(r.finish());
    return c;
}

Pools::Pools(std::string state_dir, std::string default_pool)
    : state_dir_(std::move(state_dir)), default_name_(std::move(default_pool))
{
}

Pools::~Pools() = default;

std::string Pools::config_dir() const { return state_dir_ + "/storage/pools"; }

Result<> Pools::persist(const PoolConfig& config) const
{
    BERTH_TRY(make_dirs(config_dir(), 0700));
    return write_file_atomic(config_dir() + "/" + config.name + kSuffix, pool_config_to_toml(config), 0600);
}

Result<std::vector<std::string>> Pools::init()
{
    std::vector<std::string> warnings;
    PoolConfig builtin{kBuiltinPool, "dir", "", 0, state_dir_ + "/pools/" + kBuiltinPool, 0};
    BERTH_TRY(make_dirs(builtin.root, 0711));
    auto driver = BERTH_TRY(make_storage_driver(builtin));
    if (auto r = driver->mount(); !r)
        return fail(std::move(r).error().context("built-in storage pool"));
    pools_[kBuiltinPool] = Entry{std::move(driver), ""};

    if (path_exists(config_dir())) {
        for (const auto& file : BERTH_TRY(list_dir(config_dir()))) {
            if (file.size() <= sizeof(kSuffix) - 1 || !file.ends_with(kSuffix))
                continue;
            const std::string path = config_dir() + "/" + file;
            auto text = read_file(path);
            auto config = text ? parse_pool_config(*text, path) : Result<PoolConfig>(fail(text.error()));
            if (!config) {
                warnings.push_back("storage pool " + path + " ignored: " + config.error().describe());
                continue;
            }
            if (config->name == kBuiltinPool || config->name + kSuffix != file) {
                warnings.push_back("storage pool " + path + " ignored: the name does not match the file");
                continue;
            }
            auto made = make_storage_driver(*config);
            if (!made) {
                warnings.push_back("storage pool " + config->name + ": " + made.error().describe());
                continue;
            }
            Entry entry{std::move(*made), ""};
            if (auto r = entry.driver->mount(); !r) {
                entry.error = r.error().describe();
                warnings.push_back("storage pool " + config->name + " is unavailable: " + entry.error);
            }
            pools_[config->name] = std::move(entry);
        }
    }
    auto def = get(default_name_);
    if (!def)
        return fail(std::move(def).error().context("default storage pool '" + default_name_ + "'"));
    return warnings;
}

Result<StorageDriver*> Pools::create(PoolConfig config)
{
    BERTH_TRY(validate_name(config.name, "pool name"));
    if (pools_.count(config.name))
        return fail(ErrorKind::AlreadyExists, "storage pool '" + config.name + "' already exists");
    if (config.driver.empty())
        config.driver = "dir";
    if (config.size > 0 && config.driver != "btrfs")
        return fail(ErrorKind::InvalidArgument, "--size makes a loop-backed btrfs pool: use it with --driver btrfs");
    if (config.size > 0 && !config.source.empty())
        return fail(ErrorKind::InvalidArgument, "give either --source PATH or --size SIZE, not both");
    if (config.driver == "btrfs" && config.size == 0 && config.source.empty())
        return fail(ErrorKind::InvalidArgument,
                    "a btrfs pool needs --source PATH (a directory on btrfs) or --size SIZE (a loop image)");
    if (!config.source.empty()) {
        if (config.source.front() != '/')
            return fail(ErrorKind::InvalidArgument, "--source must be an absolute path, got '" + config.source + "'");
        char resolved[PATH_MAX];
        if (!realpath(config.source.c_str(), resolved))
            return fail(ErrorKind::InvalidArgument, "source '" + config.source + "' does not exist", errno);
        config.source = resolved;
        config.root = resolved;
        if (config.root == "/" || config.root.starts_with(state_dir_ + "/") || config.root == state_dir_)
            return fail(ErrorKind::InvalidArgument, "source '" + config.root + "' cannot hold a pool (it is / or "
                                                    "inside berth's state directory)");
    } else {
        config.root = state_dir_ + "/pools/" + config.name;
        if (config.size > 0)
            config.source = state_dir_ + "/storage/disks/" + config.name + ".img";
    }
    for (const auto& [name, entry] : pools_)
        if (entry.driver->config().root == config.root)
            return fail(ErrorKind::AlreadyExists, "pool '" + name + "' already uses " + config.root);
    if (config.source.empty() && path_exists(config.root))
        return fail(ErrorKind::AlreadyExists, config.root + " exists already (left over from an older pool?)");
    config.created_at = now_usec();

    auto driver = BERTH_TRY(make_storage_driver(config));
    Reverter revert;
    BERTH_TRY(driver->create_pool());
    StorageDriver* raw = driver.get();
    revert.add([raw] { (void)raw->destroy_pool(); });
    BERTH_TRY(driver->mount());
    BERTH_TRY(persist(config));
    revert.success();
    pools_[config.name] = Entry{std::move(driver), ""};
    return raw;
}

Result<> Pools::remove(const std::string& name)
{
    BERTH_TRY(validate_name(name, "pool name"));
    auto it = pools_.find(name);
    if (it == pools_.end())
        return fail(ErrorKind::NoSuchPool, "no storage pool named '" + name + "'");
    if (name == kBuiltinPool)
        return fail(ErrorKind::InvalidState, "the built-in pool 'default' cannot be removed");
    if (name == default_name_)
        return fail(ErrorKind::InvalidState, "pool '" + name + "' is the default pool ([storage] default_pool in "
                                             "berthd.toml); choose another default first");
    if (it->second.error.empty()) {
        auto r = it->second.driver->destroy_pool();
        if (!r)
            return fail(std::move(r).error().context("remove pool " + name));
    }
    const std::string file = config_dir() + "/" + name + kSuffix;
    if (unlink(file.c_str()) < 0 && errno != ENOENT)
        return fail_errno("remove " + file);
    pools_.erase(it);
    return {};
}

Result<StorageDriver*> Pools::get(const std::string& name) const
{
    auto it = pools_.find(name);
    if (it == pools_.end())
        return fail(ErrorKind::NoSuchPool, "no storage pool named '" + name + "' (see 'berthctl pool list')");
    if (!it->second.error.empty())
        return fail(ErrorKind::Failed, "storage pool '" + name + "' is unavailable: " + it->second.error);
    return it->second.driver.get();
}

bool Pools::exists(const std::string& name) const { return pools_.count(name) != 0; }

std::vector<std::string> Pools::names() const
{
    std::vector<std::string> out;
    for (const auto& [name, _] : pools_)
        out.push_back(name);
    return out;
}

StorageDriver& Pools::default_pool() const { return *pools_.at(default_name_).driver; }

void Pools::unmount_all()
{
    for (auto& [_, entry] : pools_)
        if (entry.error.empty())
            (void)entry.driver->unmount();
}

}  // namespace berth
