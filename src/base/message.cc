#include "base/message.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace berth {

const std::string& Message::verb() const
{
    static const std::string empty;
    return fields.empty() ? empty : fields[0];
}

std::string Message::get(std::string_view key) const
{
    for (size_t i = 1; i < fields.size(); ++i) {
        const auto& f = fields[i];
        if (f.size() > key.size() && f.compare(0, key.size(), key) == 0 && f[key.size()] == '=')
            return f.substr(key.size() + 1);
    }
    return {};
}

std::vector<std::string> Message::get_all(std::string_view key) const
{
    std::vector<std::string> values;
    for (size_t i = 1; i < fields.size(); ++i) {
        const auto& f = fields[i];
        if (f.size() > key.size() && f.compare(0, key.size(), key) == 0 && f[key.size()] == '=')
            values.push_back(f.substr(key.size() + 1));
    }
    return values;
}

std::string encode_fields(const std::vector<std::string>& fields)
{
    std::string out;
    auto put32 = [&out](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
    put32(static_cast<uint32_t>(fields.size()));
    for (const auto& f : fields) {
        put32(static_cast<uint32_t>(f.size()));
        out += f;
    }
    return out;
}

Result<std::vector<std::string>> decode_fields(std::string_view data)
{
    size_t pos = 0;
    auto get32 = [&](uint32_t& v) {
        if (data.size() - pos < sizeof v)
            return false;
        std::memcpy(&v, data.data() + pos, sizeof v);
        pos += sizeof v;
        return true;
    };
    uint32_t count = 0;
    if (!get32(count) || count > kMaxMessageSize)
        return fail(ErrorKind::Failed, "malformed message: bad field count", EBADMSG);
    std::vector<std::string> fields;
    fields.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t len = 0;
        if (!get32(len) || data.size() - pos < len)
            return fail(ErrorKind::Failed, "malformed message: truncated field", EBADMSG);
        fields.emplace_back(data.substr(pos, len));
        pos += len;
    }
    if (pos != data.size())
        return fail(ErrorKind::Failed, "malformed message: trailing bytes", EBADMSG);
    return fields;
}

Result<> send_message(int sock, const std::vector<std::string>& fields, const std::vector<int>& fds)
{
    const std::string data = encode_fields(fields);
    if (data.size() > kMaxMessageSize)
        return fail(ErrorKind::InvalidArgument, "message too large", EMSGSIZE);
    if (fds.size() > kMaxMessageFds)
        return fail(ErrorKind::InvalidArgument, "too many file descriptors in one message", EMSGSIZE);
    struct iovec iov = {const_cast<char*>(data.data()), data.size()};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)] = {};
    if (!fds.empty()) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
    }
    for (;;) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n >= 0)
            return {};
        if (errno != EINTR)
            return fail_errno("send message");
    }
}

Result<Message> receive_message(int sock)
{
    // Size the buffer to the datagram (MSG_PEEK|MSG_TRUNC gives its real length without taking it or its fds):
    // a fixed 256 KiB buffer would stay dirty on the heap of every idle supervisor.
    char probe;
    ssize_t size;
    do {
        size = recv(sock, &probe, 1, MSG_PEEK | MSG_TRUNC);
    } while (size < 0 && errno == EINTR);
    if (size < 0)
        return fail_errno("receive message");
    std::string buf(static_cast<size_t>(size > 0 ? std::min<ssize_t>(size, kMaxMessageSize) : 1), '\0');
    struct iovec iov = {buf.data(), buf.size()};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)] = {};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail_errno("receive message");
    Message out;
    for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
                out.fds.emplace_back(fd);
            }
        }
    }
    if (n == 0)
        return fail(ErrorKind::Failed, "peer closed", 0);
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        return fail(ErrorKind::Failed, "message truncated", EMSGSIZE);
    buf.resize(static_cast<size_t>(n));
    out.fields = BERTH_TRY(decode_fields(buf));
    return out;
}

bool is_peer_closed(const Error& error)
{
    return error.code == 0 && error.message == "peer closed";
}

}  // namespace berth
