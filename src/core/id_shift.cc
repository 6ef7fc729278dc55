#include "core/id_shift.h"

#include "base/fs.h"

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "base/unique_fd.h"

namespace berth {

namespace {

constexpr uint32_t kNobodyInside = 65534;
constexpr uint16_t kAclUser = 0x02;   // ACL_USER in the xattr format
constexpr uint16_t kAclGroup = 0x08;  // ACL_GROUP
constexpr uint32_t kAclVersion = 2;

class Shifter {
public:
    Shifter(uint32_t base, uint32_t size) : base_(base), size_(size) {}

    uint32_t shift(uint32_t id) const
    {
        if (id >= base_ && id - base_ < size_)
            return id;  // already shifted (an earlier, interrupted run)
        if (id < size_)
            return base_ + id;
        return base_ + (kNobodyInside < size_ ? kNobodyInside : size_ - 1);
    }

    // Shift the entry `name` in the directory open at dirfd; recurse into directories on the same device.
    Result<> entry(int dirfd, const char* name, dev_t dev, const std::string& shown)
    {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return fail_errno("stat " + shown);
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev)
                return {};  // another mount: not ours to change
            UniqueFd child(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!child)
                return fail_errno("open " + shown);
            BERTH_TRY(children(child.get(), dev, shown));
        }
        return owner(dirfd, name, st, shown);
    }

    Result<> children(int dirfd, dev_t dev, const std::string& shown)
    {
        auto names = BERTH_TRY(list_dir_at(dirfd, shown));
        for (const auto& n : names)
            BERTH_TRY(entry(dirfd, n.c_str(), dev, shown + "/" + n));
        return {};
    }

private:
    // Path for the l*xattr calls: they have no *at() form, /proc/self/fd keeps the walk relative to dirfd.
    static std::string xattr_path(int dirfd, const char* name)
    {
        return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
    }

    static bool get_xattr(const std::string& path, const char* key, std::string& value)
    {
        ssize_t len = lgetxattr(path.c_str(), key, nullptr, 0);
        if (len <= 0)
            return false;
        value.resize(static_cast<size_t>(len));
        len = lgetxattr(path.c_str(), key, value.data(), value.size());
        if (len <= 0)
            return false;
        value.resize(static_cast<size_t>(len));
        return true;
    }

    // A v2 or v3 security.capability value rewritten as v3 with a shifted root id; empty if it is not valid.
    std::string shifted_caps(const std::string& value) const
    {
        if (value.size() != XATTR_CAPS_SZ_2 && value.size() != XATTR_CAPS_SZ_3)
            return {};
        vfs_ns_cap_data caps{};
        std::memcpy(&caps, value.data(), value.size());
        uint32_t magic = le32toh(caps.magic_etc);
        uint32_t revision = magic & VFS_CAP_REVISION_MASK;
        uint32_t rootid = 0;
        if (revision == VFS_CAP_REVISION_3 && value.size() == XATTR_CAPS_SZ_3)
            rootid = le32toh(caps.rootid);
        else if (revision != VFS_CAP_REVISION_2)
            return {};
        caps.magic_etc = htole32(VFS_CAP_REVISION_3 | (magic & VFS_CAP_FLAGS_EFFECTIVE));
        caps.rootid = htole32(shift(rootid));
        return std::string(reinterpret_cast<const char*>(&caps), XATTR_CAPS_SZ_3);
    }

    // POSIX ACL xattr: a version word, then {u16 tag, u16 perm, u32 id} per entry.
    bool shift_acl(std::string& value) const
    {
        if (value.size() < 4 || (value.size() - 4) % 8 != 0)
            return false;
        uint32_t version;
        std::memcpy(&version, value.data(), 4);
        if (le32toh(version) != kAclVersion)
            return false;
        bool changed = false;
        for (size_t pos = 4; pos < value.size(); pos += 8) {
            uint16_t tag;
            uint32_t id;
            std::memcpy(&tag, value.data() + pos, 2);
            std::memcpy(&id, value.data() + pos + 4, 4);
            tag = le16toh(tag);
            if (tag != kAclUser && tag != kAclGroup)
                continue;
            uint32_t shifted = htole32(shift(le32toh(id)));
            std::memcpy(value.data() + pos + 4, &shifted, 4);
            changed = true;
        }
        return changed;
    }

    Result<> owner(int dirfd, const char* name, const struct stat& st, const std::string& shown)
    {
        const uid_t uid = shift(st.st_uid);
        const gid_t gid = shift(st.st_gid);
        if (uid == st.st_uid && gid == st.st_gid)
            return {};
        const bool link = S_ISLNK(st.st_mode);
        const std::string path = xattr_path(dirfd, name);

        // Read what chown will destroy (file capabilities) before calling it.
        std::string caps;
        if (S_ISREG(st.st_mode) && get_xattr(path, "security.capability", caps))
            caps = shifted_caps(caps);

        if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return fail_errno("change owner of " + shown);
        if (!link && (st.st_mode & (S_ISUID | S_ISGID)) && fchmodat(dirfd, name, st.st_mode & 07777, 0) < 0)
            return fail_errno("restore mode of " + shown);
        if (!caps.empty() && lsetxattr(path.c_str(), "security.capability", caps.data(), caps.size(), 0) < 0 &&
            errno != ENOTSUP && errno != EOPNOTSUPP && errno != EINVAL)
            return fail_errno("rewrite file capabilities of " + shown);
        if (link)
            return {};
        for (const char* key : {"system.posix_acl_access", "system.posix_acl_default"}) {
            std::string acl;
            if (!get_xattr(path, key, acl) || !shift_acl(acl))
                continue;
            if (lsetxattr(path.c_str(), key, acl.data(), acl.size(), 0) < 0)
                return fail_errno("shift ACL of " + shown);
        }
        return {};
    }

    uint32_t base_;
    uint32_t size_;
};

}  // namespace

Result<> shift_tree_ids(const std::string& root_arg, uint32_t base, uint32_t size)
{
    std::string root = root_arg;
    while (root.size() > 1 && root.back() == '/')
        root.pop_back();
    if (size == 0 || base == 0 || uint64_t{base} + size > uint64_t{UINT32_MAX})
        return fail(ErrorKind::InvalidArgument,
                    "shift " + root + ": bad id range " + std::to_string(base) + "+" + std::to_string(size));
    struct stat st;
    if (lstat(root.c_str(), &st) < 0)
        return fail_errno("stat " + root);
    if (!S_ISDIR(st.st_mode))
        return fail_errno(ENOTDIR, "shift " + root);
    // Walk from the parent so the root itself is shifted like every other entry.
    auto slash = root.rfind('/');
    std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : root.substr(0, slash));
    std::string leaf = slash == std::string::npos ? root : root.substr(slash + 1);
    UniqueFd parent_fd(open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent_fd)
        return fail_errno("open " + parent);
    Shifter shifter(base, size);
    auto r = shifter.entry(parent_fd.get(), leaf.c_str(), st.st_dev, root);
    if (!r)
        return fail(std::move(r).error().context("shift ids of " + root + " by " + std::to_string(base)));
    return {};
}

}  // namespace berth
