#include "spawn/exec_user.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <optional>

#include "base/unique_fd.h"

namespace berth::spawn {

namespace {

constexpr uint32_t kMaxId = 65535;   // the container's range: 65536 ids from its base
constexpr size_t kMaxFile = 64 * 1024;

std::optional<uint32_t> parse_id(std::string_view text)
{
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::vector<std::string_view> split(std::string_view line, char sep)
{
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t end = line.find(sep, start);
        parts.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            return parts;
        start = end + 1;
    }
}

// Calls `each` with the colon-separated fields of every line that has at least `min_fields` of them.
template <typename F>
void for_each_entry(std::string_view text, size_t min_fields, F&& each)
{
    for (auto line : split(text, '\n')) {
        if (line.empty() || line[0] == '#')
            continue;
        auto fields = split(line, ':');
        if (fields.size() >= min_fields && each(fields))
            return;
    }
}

Result<uint32_t> checked_id(uint32_t id, std::string_view what)
{
    if (id > kMaxId)
        return fail(ErrorKind::InvalidArgument,
                    std::string(what) + " " + std::to_string(id) + " is outside the container's ids (0-65535)");
    return id;
}

std::optional<std::string> read_in_root(const char* path)
{
    struct open_how how = {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    UniqueFd fd(static_cast<int>(syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how)));
    struct stat st;
    if (!fd || fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode))
        return std::nullopt;
    std::string text(kMaxFile, '\0');
    size_t used = 0;
    while (used < text.size()) {
        ssize_t n = read(fd.get(), text.data() + used, text.size() - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += static_cast<size_t>(n);
    }
    text.resize(used);
    return text;
}

}  // namespace

Result<ExecUser> resolve_exec_user(std::string_view spec, std::string_view passwd, std::string_view group)
{
    const size_t colon = spec.find(':');
    const std::string_view who = spec.substr(0, colon);
    const std::optional<std::string_view> group_spec =
        colon == std::string_view::npos ? std::nullopt : std::optional(spec.substr(colon + 1));
    if (who.empty() || (group_spec && group_spec->empty()))
        return fail(ErrorKind::InvalidArgument, "user '" + std::string(spec) + "': expected USER, UID, UID:GID or USER:GROUP");

    ExecUser user;
    const auto numeric = parse_id(who);
    bool found = false;
    for_each_entry(passwd, 7, [&](const std::vector<std::string_view>& f) {
        const auto uid = parse_id(f[2]);
        const auto gid = parse_id(f[3]);
        if (!uid || !gid || (numeric ? *uid != *numeric : f[0] != who))
            return false;
        user.uid = *uid;
        user.gid = *gid;
        user.name = std::string(f[0]);
        user.home = f[5].empty() ? "/" : std::string(f[5]);
        user.shell = f[6].empty() ? "/bin/sh" : std::string(f[6]);
        found = true;
        return true;
    });
    if (!found) {
        if (!numeric)
            return fail(ErrorKind::InvalidArgument,
                        "no user '" + std::string(who) + "' in the container's /etc/passwd");
        if (!group_spec)
            return fail(ErrorKind::InvalidArgument, "uid " + std::string(who) +
                                                        " has no entry in the container's /etc/passwd: give its "
                                                        "group too (" + std::string(who) + ":GID)");
        user.uid = *numeric;
    }
    user.uid = BERTH_TRY(checked_id(user.uid, "uid"));

    if (group_spec) {
        const auto gnum = parse_id(*group_spec);
        bool group_found = static_cast<bool>(gnum);
        if (gnum)
            user.gid = *gnum;
        else
            for_each_entry(group, 3, [&](const std::vector<std::string_view>& f) {
                const auto gid = parse_id(f[2]);
                if (!gid || f[0] != *group_spec)
                    return false;
                user.gid = *gid;
                group_found = true;
                return true;
            });
        if (!group_found)
            return fail(ErrorKind::InvalidArgument,
                        "no group '" + std::string(*group_spec) + "' in the container's /etc/group");
    }
    user.gid = BERTH_TRY(checked_id(user.gid, "gid"));

    // Supplementary groups: where the user is listed as a member (initgroups without NSS).
    user.groups.push_back(user.gid);
    if (!user.name.empty())
        for_each_entry(group, 4, [&](const std::vector<std::string_view>& f) {
            const auto gid = parse_id(f[2]);
            if (!gid || *gid > kMaxId || *gid == user.gid)
                return false;
            for (auto member : split(f[3], ','))
                if (member == user.name) {
                    user.groups.push_back(*gid);
                    break;
                }
            return false;
        });
    return user;
}

Result<ExecUser> lookup_exec_user(std::string_view spec)
{
    const auto passwd = read_in_root("/etc/passwd");
    const auto group = read_in_root("/etc/group");
    return resolve_exec_user(spec, passwd.value_or(""), group.value_or(""));
}

Result<> switch_to_user(const ExecUser& user)
{
    if (setgroups(user.groups.size(), user.groups.data()) < 0)
        return fail_errno("set the groups of uid " + std::to_string(user.uid));
    if (setresgid(user.gid, user.gid, user.gid) < 0)
        return fail_errno("become gid " + std::to_string(user.gid));
    if (setresuid(user.uid, user.uid, user.uid) < 0)
        return fail_errno("become uid " + std::to_string(user.uid));
    return {};
}

std::vector<std::string> user_environment(const ExecUser& user)
{
    std::vector<std::string> env = {"HOME=" + user.home, "SHELL=" + user.shell};
    if (!user.name.empty()) {
        env.push_back("USER=" + user.name);
        env.push_back("LOGNAME=" + user.name);
    }
    return env;
}

}  // namespace berth::spawn
