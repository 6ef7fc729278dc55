#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/message.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(message)

BOOST_AUTO_TEST_CASE(fields_round_trip_binary_safe)
{
    std::vector<std::string> fields = {"EXEC", "arg=/bin/sh", std::string("arg=a\0b", 7), "env=", ""};
    auto decoded = decode_fields(encode_fields(fields));
    BOOST_REQUIRE(decoded.has_value());
    BOOST_TEST((*decoded == fields));
}

BOOST_AUTO_TEST_CASE(truncated_data_is_an_error)
{
    auto data = encode_fields({"START", "name=a"});
    BOOST_TEST(!decode_fields(data.substr(0, data.size() - 1)).has_value());
    BOOST_TEST(!decode_fields("").has_value());
}

BOOST_AUTO_TEST_CASE(send_and_receive_with_fds)
{
    int sv[2];
    BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
    UniqueFd a(sv[0]), b(sv[1]);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    BOOST_REQUIRE(send_message(a.get(), {"EXEC", "arg=true", "arg=x", "cwd=/"}, {null_fd, null_fd}).has_value());
    close(null_fd);
    auto m = receive_message(b.get());
    BOOST_REQUIRE(m.has_value());
    BOOST_TEST(m->verb() == "EXEC");
    BOOST_TEST(m->get("cwd") == "/");
    BOOST_TEST((m->get_all("arg") == std::vector<std::string>{"true", "x"}));
    BOOST_TEST(m->fds.size() == 2u);
    BOOST_TEST((fcntl(m->fds[0].get(), F_GETFD) & FD_CLOEXEC));
    a.reset();
    auto closed = receive_message(b.get());
    BOOST_REQUIRE(!closed);
    BOOST_TEST(is_peer_closed(closed.error()));
}

BOOST_AUTO_TEST_SUITE_END()
