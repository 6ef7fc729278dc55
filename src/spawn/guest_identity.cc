#include "spawn/guest_identity.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace berth::spawn {

Result<> ensure_machine_id()
{
    // Never follow a link the guest planted: the id is written to the file itself, inside the root.
    int fd = open("/etc/machine-id", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0444);
    if (fd < 0)
        return (errno == EROFS || errno == ENOENT || errno == ELOOP) ? Result<>{} : fail_errno("open /etc/machine-id");
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size >= 32) {
        close(fd);
        return {};
    }
    unsigned char bytes[16];
    if (getrandom(bytes, sizeof bytes, 0) != sizeof bytes) {
        close(fd);
        return fail_errno("read random bytes for the machine-id");
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;   // a v4 UUID, as systemd-id128 new makes them
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    static const char hex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : bytes) {
        id += hex[b >> 4];
        id += hex[b & 15];
    }
    id += '\n';
    bool ok = ftruncate(fd, 0) == 0 && pwrite(fd, id.data(), id.size(), 0) == static_cast<ssize_t>(id.size());
    int saved = errno;
    close(fd);
    if (!ok)
        return fail_errno(saved, "write /etc/machine-id");
    return {};
}

}  // namespace berth::spawn
