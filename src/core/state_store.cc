// One TOML file per container under STATE_DIR/containers. Files are 0600 and the directory 0700: definitions
// hold environment variables, which often carry secrets.
#include "core/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/fs.h"
#include "base/names.h"

namespace berth {

namespace {

constexpr std::string_view kSuffix = ".toml";

bool ends_with(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

StateStore::StateStore(std::string state_dir) : dir_(std::move(state_dir) + "/containers") {}

std::string StateStore::path_of(const std::string& name) const
{
    return dir_ + "/" + name + std::string(kSuffix);
}

Result<> StateStore::init()
{
    BERTH_TRY(make_dirs(dir_, 0700));
    // make_dirs leaves an existing directory's mode alone; this one must not be readable by others.
    auto fd = BERTH_TRY(open_dir(dir_));
    if (fchmod(fd.get(), 0700) < 0)
        return fail_errno("set mode of " + dir_);
    return {};
}

Result<std::vector<ContainerSpec>> StateStore::load_all(std::vector<std::string>* broken) const
{
    auto listed = list_dir(dir_);
    if (!listed) {
        if (listed.error().code == ENOENT)
            return std::vector<ContainerSpec>{};
        return fail(listed.error().context("load container definitions"));
    }
    auto report = [&](const std::string& path, const std::string& reason) {
        if (broken)
            broken->push_back(path + ": " + reason);
    };
    std::vector<ContainerSpec> specs;
    for (const auto& file : *listed) {
        const std::string path = dir_ + "/" + file;
        // A temp file of write_file_atomic that a crash left before its rename: the old definition (if any) is
        // intact, so the half-written copy is garbage.
        if (file.find(".tmp.") != std::string::npos) {
            if (unlink(path.c_str()) < 0 && errno != ENOENT)
                report(path, std::string("cannot remove leftover temporary file: ") + std::strerror(errno));
            continue;
        }
        if (!ends_with(file, kSuffix)) {
            report(path, "not a container definition (expected NAME.toml)");
            continue;
        }
        auto text = read_file(path);
        if (!text) {
            report(path, text.error().describe());
            continue;
        }
        auto spec = parse_spec(*text, path);
        if (!spec) {
            report(path, spec.error().message);
            continue;
        }
        const std::string stem = file.substr(0, file.size() - kSuffix.size());
        if (spec->name != stem) {
            report(path, "defines container '" + spec->name + "' but is named after '" + stem + "'");
            continue;
        }
        specs.push_back(std::move(*spec));
    }
    std::sort(specs.begin(), specs.end(),
              [](const ContainerSpec& a, const ContainerSpec& b) { return a.name < b.name; });
    return specs;
}

Result<> StateStore::save(const ContainerSpec& spec) const
{
    // The name becomes a path: never write one that could leave the directory.
    BERTH_TRY(validate_name(spec.name, "container name"));
    auto written = write_file_atomic(path_of(spec.name), spec_to_toml(spec), 0600, durability_of(spec));
    if (!written)
        return fail(written.error().context("save definition of container " + spec.name));
    return {};
}

Result<> StateStore::remove(const std::string& name, Durability durability) const
{
    BERTH_TRY(validate_name(name, "container name"));
    const std::string path = path_of(name);
    // Missing is fine: removal is also the undo of a create that failed before the first save.
    if (unlink(path.c_str()) < 0 && errno != ENOENT)
        return fail_errno("remove " + path);
    if (durability == Durability::Volatile)
        return {};
    UniqueFd dir(open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir)
        fsync(dir.get());
    return {};
}

}  // namespace berth
