#include "core/storage/loop_device.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/reverter.h"
#include "base/unique_fd.h"

extern char** environ;

namespace berth::loopdev {

namespace {

Result<> run_mkfs(const std::string& image)
{
    // stdout/stderr of mkfs go to berthd's (the journal); stdin is /dev/null.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    const char* argv[] = {"mkfs.btrfs", "-q", "-f", image.c_str(), nullptr};
    pid_t pid = -1;
    int r = posix_spawnp(&pid, "mkfs.btrfs", &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (r != 0)
        return fail(ErrorKind::NotSupported, "cannot run mkfs.btrfs (install btrfs-progs)", r);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return fail_errno("wait for mkfs.btrfs");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(ErrorKind::Failed, "mkfs.btrfs " + image + " failed (status " + std::to_string(status) + ")");
    return {};
}

}  // namespace

Result<> create_btrfs_image(const std::string& image, uint64_t size)
{
    UniqueFd fd(open(image.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return fail_errno("create " + image);
    Reverter revert;
    revert.add([image] { unlink(image.c_str()); });
    if (ftruncate(fd.get(), static_cast<off_t>(size)) < 0)
        return fail_errno("size " + image);
    fd.reset();
    BERTH_TRY(run_mkfs(image));
    revert.success();
    return {};
}

Result<> mount_image(const std::string& image, const std::string& target, const std::string& options)
{
    UniqueFd file(open(image.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!file)
        return fail_errno("open " + image);
    UniqueFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
    if (!control)
        return fail_errno("open /dev/loop-control");
    for (int attempt = 0; attempt < 16; ++attempt) {
        int n = ioctl(control.get(), LOOP_CTL_GET_FREE);
        if (n < 0)
            return fail_errno("find a free loop device");
        const std::string device = "/dev/loop" + std::to_string(n);
        UniqueFd loop(open(device.c_str(), O_RDWR | O_CLOEXEC));
        if (!loop)
            return fail_errno("open " + device);
        struct loop_config config {};
        config.fd = static_cast<uint32_t>(file.get());
        config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
        std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name), image.c_str(), LO_NAME_SIZE - 1);
        if (ioctl(loop.get(), LOOP_CONFIGURE, &config) < 0) {
            if (errno == EBUSY)
                continue;  // taken by someone else between GET_FREE and CONFIGURE
            return fail_errno("attach " + image + " to " + device);
        }
        // With AUTOCLEAR the device detaches when `loop` closes unless the mount holds it.
        if (::mount(device.c_str(), target.c_str(), "btrfs", MS_NOSUID | MS_NODEV, options.c_str()) < 0)
            return fail_errno("mount " + image + " (" + device + ") on " + target);
        return {};
    }
    return fail(ErrorKind::Busy, "no free loop device for " + image);
}

bool is_mount_point(const std::string& path)
{
    struct stat self, parent;
    if (stat(path.c_str(), &self) < 0 || stat((path + "/..").c_str(), &parent) < 0)
        return false;
    return self.st_dev != parent.st_dev;
}

}  // namespace berth::loopdev
