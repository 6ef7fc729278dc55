#include "spawn/cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "base/fs.h"

namespace berth::spawn {

namespace {

struct CgroupLine {
    std::string hierarchy;    // "0" for the unified hierarchy
    std::string controllers;  // "cpu,cpuacct", "name=systemd", "" for v2
    std::string path;
};

struct CgroupMount {
    std::string root;          // root of the mount inside the hierarchy
    std::string mount_point;
    std::string fstype;        // cgroup or cgroup2
    std::string super_options;
};

std::vector<std::string> split(const std::string& text, char sep)
{
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, sep))
        parts.push_back(part);
    return parts;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mountinfo(const std::string& field)
{
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            int value = 0;
            bool ok = true;
            for (size_t j = 1; j <= 3; ++j) {
                char c = field[i + j];
                if (c < '0' || c > '7') {
                    ok = false;
                    break;
                }
                value = value * 8 + (c - '0');
            }
            if (ok) {
                out += static_cast<char>(value);
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

Result<std::vector<CgroupLine>> read_own_cgroups()
{
    auto text = BERTH_TRY(read_file("/proc/self/cgroup"));
    std::vector<CgroupLine> lines;
    for (const auto& line : split(text, '\n')) {
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos)
            continue;
        lines.push_back({line.substr(0, first), line.substr(first + 1, second - first - 1), line.substr(second + 1)});
    }
    return lines;
}

Result<std::vector<CgroupMount>> read_cgroup_mounts()
{
    auto text = BERTH_TRY(read_file("/proc/self/mountinfo"));
    std::vector<CgroupMount> mounts;
    for (const auto& line : split(text, '\n')) {
        auto fields = split(line, ' ');
        size_t dash = 0;
        while (dash < fields.size() && fields[dash] != "-")
            ++dash;
        if (dash < 5 || dash + 1 >= fields.size())
            continue;
        const std::string& fstype = fields[dash + 1];
        if (fstype != "cgroup" && fstype != "cgroup2")
            continue;
        mounts.push_back({unescape_mountinfo(fields[3]), unescape_mountinfo(fields[4]), fstype,
                          dash + 3 < fields.size() ? fields[dash + 3] : std::string()});
    }
    return mounts;
}

bool has_all_options(const std::string& super_options, const std::string& controllers)
{
    auto options = split(super_options, ',');
    for (const auto& want : split(controllers, ',')) {
        bool found = false;
        for (const auto& option : options)
            found = found || option == want;
        if (!found)
            return false;
    }
    return true;
}

// The directory of `line`'s cgroup in this process's mount namespace, or empty when the hierarchy is not mounted.
std::string cgroup_dir(const CgroupLine& line, const std::vector<CgroupMount>& mounts)
{
    for (const auto& m : mounts) {
        bool match = line.hierarchy == "0" ? m.fstype == "cgroup2"
                                           : m.fstype == "cgroup" && has_all_options(m.super_options, line.controllers);
        if (!match)
            continue;
        if (m.root == "/")
            return m.mount_point + (line.path == "/" ? "" : line.path);
        if (line.path.compare(0, m.root.size(), m.root) == 0)
            return m.mount_point + line.path.substr(m.root.size());
    }
    return {};
}

bool ends_with(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<> write_text(const std::string& path, const std::string& text)
{
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        return fail_errno("open " + path);
    if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return fail_errno("write '" + text + "' to " + path);
    return {};
}

// cgroup v1 cpuset starts a new group with empty cpus/mems, which refuses every process: copy the parent's.
void inherit_cpuset(const std::string& parent, const std::string& child)
{
    for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        auto mine = read_file(child + "/" + file);
        if (mine && mine->find_first_not_of(" \n") != std::string::npos)
            continue;
        if (auto value = read_file(parent + "/" + file))
            (void)write_text(child + "/" + file, *value);
    }
}

}  // namespace

Result<CgroupSet> CgroupSet::setup(const std::string& container_name, uid_t uid_base)
{
    CgroupSet set;
    const std::string suffix = "/berth-" + container_name + ".scope";
    auto lines = BERTH_TRY(read_own_cgroups());

    // Are we in our scope? The unified line decides; on a v1-only host the name=systemd line does.
    bool in_scope = false;
    for (const auto& line : lines)
        if (line.hierarchy == "0")
            in_scope = ends_with(line.path, suffix);
    if (!in_scope)
        for (const auto& line : lines)
            if (line.controllers == "name=systemd")
                in_scope = ends_with(line.path, suffix);
    if (!in_scope)
        return set;

    auto mounts = BERTH_TRY(read_cgroup_mounts());
    for (const auto& line : lines) {
        if (!ends_with(line.path, suffix))
            continue;   // this hierarchy has no scope for us (systemd did not place us there)
        // Only the hierarchies that track processes get the supervisor/payload split: cgroup2 (where a process
        // may only live in a leaf, and a guest's systemd manages the payload) and v1's name=systemd. v1
        // controllers apply the scope's limits to everything below it either way, and cannot be delegated to
        // a guest, so splitting them would only cost a dozen cgroup operations per start.
        if (line.hierarchy != "0" && line.controllers != "name=systemd")
            continue;
        std::string dir = cgroup_dir(line, mounts);
        if (dir.empty())
            continue;
        set.scopes_.push_back({dir, line.hierarchy == "0"});
    }

    const std::string self = std::to_string(getpid());
    for (const auto& scope : set.scopes_) {
        for (const char* child : {"supervisor", "payload"}) {
            std::string path = scope.dir + "/" + child;
            if (mkdir(path.c_str(), 0755) < 0 && errno != EEXIST) {
                int saved = errno;
                set.remove();
                return fail_errno(saved, "create cgroup " + path);
            }
            if (scope.dir.find("/cpuset") != std::string::npos)
                inherit_cpuset(scope.dir, path);
        }
        // Delegate payload/ to the container's root, as nspawn does for its payload: the directory and the files
        // an init writes to manage it (the rest of the interface stays the host's).
        const std::string payload = scope.dir + "/payload";
        for (const char* file : {"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control", "/tasks"}) {
            const std::string path = payload + file;
            if (chown(path.c_str(), uid_base, uid_base) < 0 && errno != ENOENT) {
                int saved = errno;
                set.remove();
                return fail_errno(saved, "delegate cgroup " + path + " to the container");
            }
        }
        set.payload_procs_.push_back(scope.dir + "/payload/cgroup.procs");
        if (scope.unified)
            set.unified_payload_.reset(open((scope.dir + "/payload").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        else
            set.v1_payload_procs_.push_back(scope.dir + "/payload/cgroup.procs");
        if (auto r = write_text(scope.dir + "/supervisor/cgroup.procs", self); !r) {
            set.remove();
            return fail(r.error().context("move berth-spawn into its supervisor cgroup"));
        }
    }
    // Only now, with the scope itself empty, may v2 controllers be enabled for its children.
    for (const auto& scope : set.scopes_) {
        if (!scope.unified)
            continue;
        auto available = read_file(scope.dir + "/cgroup.controllers");
        if (!available)
            continue;
        for (const auto& controller : split(std::string(available->substr(0, available->find('\n'))), ' '))
            if (!controller.empty())
                (void)write_text(scope.dir + "/cgroup.subtree_control", "+" + controller);
    }
    return set;
}

Result<> CgroupSet::attach_payload(pid_t pid) const
{
    for (const auto& procs : payload_procs_)
        BERTH_TRY(write_text(procs, std::to_string(pid)).map_error([](Error e) {
            return std::move(e).context("move the container into its payload cgroup");
        }));
    return {};
}

Result<> CgroupSet::attach_payload_v1(pid_t pid) const
{
    for (const auto& procs : v1_payload_procs_)
        BERTH_TRY(write_text(procs, std::to_string(pid)).map_error([](Error e) {
            return std::move(e).context("move the container into its payload cgroup");
        }));
    return {};
}

void CgroupSet::kill_payload() const
{
    for (const auto& scope : scopes_) {
        if (scope.unified && write_text(scope.dir + "/payload/cgroup.kill", "1"))
            continue;
        auto procs = read_file(scope.dir + "/payload/cgroup.procs");
        if (!procs)
            continue;
        for (const auto& pid : split(*procs, '\n'))
            if (!pid.empty())
                kill(std::stoi(pid), SIGKILL);
    }
}

void CgroupSet::remove()
{
    kill_payload();
    const std::string self = std::to_string(getpid());
    for (const auto& scope : scopes_) {
        // Controllers enabled for children would make the scope an inner node that may not hold a process.
        if (scope.unified) {
            if (auto enabled = read_file(scope.dir + "/cgroup.subtree_control"))
                for (const auto& c : split(std::string(enabled->substr(0, enabled->find('\n'))), ' '))
                    if (!c.empty())
                        (void)write_text(scope.dir + "/cgroup.subtree_control", "-" + c);
        }
        (void)write_text(scope.dir + "/cgroup.procs", self);
        rmdir((scope.dir + "/payload").c_str());
        rmdir((scope.dir + "/supervisor").c_str());
    }
    scopes_.clear();
    payload_procs_.clear();
    v1_payload_procs_.clear();
    unified_payload_.reset();
}

}  // namespace berth::spawn
