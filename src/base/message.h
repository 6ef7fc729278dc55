// The framing used on berth's local sockets (berthd <-> berth-spawn): one SOCK_SEQPACKET datagram is one message,
// a list of byte strings (the first one is the verb), plus file descriptors passed with SCM_RIGHTS.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth {

inline constexpr size_t kMaxMessageSize = 256 * 1024;
inline constexpr size_t kMaxMessageFds = 8;

struct Message {
    std::vector<std::string> fields;
    std::vector<UniqueFd> fds;

    const std::string& verb() const;
    // value of a "key=value" field, or empty when missing
    std::string get(std::string_view key) const;
    // every value of a repeated "key=value" field, in order
    std::vector<std::string> get_all(std::string_view key) const;
};

std::string encode_fields(const std::vector<std::string>& fields);
Result<std::vector<std::string>> decode_fields(std::string_view data);

// Send one message; fds are duplicated by the kernel, the caller keeps its own.
Result<> send_message(int sock, const std::vector<std::string>& fields, const std::vector<int>& fds = {});
// Receive one message (blocking unless the socket is non-blocking). When the peer closed the connection the error
// satisfies is_peer_closed().
Result<Message> receive_message(int sock);
bool is_peer_closed(const Error& error);

}  // namespace berth
