#include "spawn/notify.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace berth::spawn {

NotifyMessage parse_notify(std::string_view text)
{
    NotifyMessage m;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line == "READY=1")
            m.ready = true;
        else if (line == "STOPPING=1")
            m.stopping = true;
        else if (line.starts_with("STATUS="))
            m.status = std::string(line.substr(7));
        else if (line.starts_with("X_SYSTEMD_SHUTDOWN="))
            m.shutdown = std::string(line.substr(19));
    }
    return m;
}

Result<NotifySocket> NotifySocket::open(const std::string& runtime_dir, uid_t owner)
{
    NotifySocket s;
    s.path_ = runtime_dir + "/" + std::string(kNotifySocketName);
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (s.path_.size() >= sizeof addr.sun_path)
        return fail(ErrorKind::InvalidArgument, "socket path too long: " + s.path_, ENAMETOOLONG);
    s.path_.copy(addr.sun_path, s.path_.size());
    s.fd_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s.fd_)
        return fail_errno("create the notify socket");
    int one = 1;
    if (setsockopt(s.fd_.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
        return fail_errno("enable credentials on the notify socket");
    unlink(s.path_.c_str());
    mode_t old_mask = umask(0177);
    int r = bind(s.fd_.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
    umask(old_mask);
    if (r < 0)
        return fail_errno("bind " + s.path_);
    // The guest's root (the first id of the container's range) must be able to send to it.
    if (chown(s.path_.c_str(), owner, owner) < 0)
        return fail_errno("chown " + s.path_);
    return s;
}

std::optional<NotifyMessage> NotifySocket::receive(pid_t leader)
{
    char buf[4096];
    union {
        struct cmsghdr align;
        char data[CMSG_SPACE(sizeof(struct ucred))];
    } control = {};
    struct iovec iov = {buf, sizeof buf - 1};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data;
    msg.msg_controllen = sizeof control.data;
    ssize_t n = recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return std::nullopt;
    const struct ucred* cred = nullptr;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
            cred = reinterpret_cast<const struct ucred*>(CMSG_DATA(c));
        else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            // sd_notify may pass fds (FDSTORE=1): we keep none.
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                close(fd);
            }
        }
    }
    if (!cred || cred->pid != leader)
        return std::nullopt;
    return parse_notify(std::string_view(buf, static_cast<size_t>(n)));
}

Result<UniqueFd> clone_notify_mount(const std::string& socket_path)
{
    UniqueFd tree(open_tree(AT_FDCWD, socket_path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (!tree)
        return fail_errno("open the notify socket " + socket_path + " as a mount");
    return tree;
}

Result<> attach_notify_mount(int tree_fd)
{
    const std::string dir(kGuestNotifyDir), path(kGuestNotifyPath);
    if (mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
        return fail_errno("create " + dir + " in the container");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return fail_errno("create " + path + " in the container");
    close(fd);
    if (move_mount(tree_fd, "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return fail_errno("mount the notify socket at " + path);
    return {};
}

}  // namespace berth::spawn
