#include "core/guest_boot_trim.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"

namespace berth {

namespace {

// A /dev/null link masks a unit or a generator (systemd.generator(7)); whatever was there is replaced.
Result<> mask(const std::string& dir, const char* name)
{
    const std::string link = dir + "/" + name;
    if (unlink(link.c_str()) < 0 && errno != ENOENT)
        return fail_errno("replace " + link);
    if (symlink("/dev/null", link.c_str()) < 0)
        return fail_errno("mask " + std::string(name));
    return {};
}

// /etc/.updated in systemd-update-done's format, stamped one second after /usr's mtime (ConditionNeedsUpdate
// compares seconds first, so the stamp holds even where a copy of the tree loses the nanoseconds).
Result<> write_update_stamp(const std::string& root)
{
    struct stat usr;
    if (stat((root + "/usr").c_str(), &usr) < 0)
        return fail_errno("stat " + root + "/usr");
    const struct timespec stamp = {usr.st_mtim.tv_sec + 1, 0};
    const std::string path = root + "/etc/.updated";
    BERTH_TRY(write_file_atomic(path,
                                "# Written by berth's image build, as systemd-update-done writes it: /etc is up to\n"
                                "# date with /usr (see man:systemd.unit(5), ConditionNeedsUpdate=).\n"
                                "TIMESTAMP_NSEC=" + std::to_string(static_cast<long long>(stamp.tv_sec) * 1000000000LL) +
                                    "\n"));
    const struct timespec times[2] = {stamp, stamp};
    if (utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
        return fail_errno("set the time of " + path);
    return {};
}

}  // namespace

Result<std::string> trim_guest_boot(const std::string& root)
{
    const std::string generators = root + "/etc/systemd/system-generators";
    const std::string units = root + "/etc/systemd/system";
    BERTH_TRY(make_dirs(generators));
    BERTH_TRY(make_dirs(units));
    for (const char* g : kTrimmedGenerators)
        BERTH_TRY(mask(generators, g));
    for (const char* u : kTrimmedUnits)
        BERTH_TRY(mask(units, u));
    BERTH_TRY(write_update_stamp(root));
    return std::to_string(std::size(kTrimmedGenerators)) + " generators and " + std::to_string(std::size(kTrimmedUnits)) +
           " units masked, /etc/.updated stamped (no systemd-sysusers run at every boot)";
}

}  // namespace berth
