#include <boost/test/unit_test.hpp>

#include <signal.h>

#include "ctl/signals.h"

using namespace berth;
using namespace berth::ctl;

BOOST_AUTO_TEST_SUITE(ctl_signals)

BOOST_AUTO_TEST_CASE(names_with_and_without_sig_prefix)
{
    BOOST_TEST(*parse_signal("TERM") == SIGTERM);
    BOOST_TEST(*parse_signal("SIGTERM") == SIGTERM);
    BOOST_TEST(*parse_signal("sigkill") == SIGKILL);
    BOOST_TEST(*parse_signal("usr2") == SIGUSR2);
    BOOST_TEST(*parse_signal("HUP") == SIGHUP);
}

BOOST_AUTO_TEST_CASE(numbers)
{
    BOOST_TEST(*parse_signal("9") == 9);
    BOOST_TEST(*parse_signal("1") == 1);
    BOOST_TEST(*parse_signal("64") == 64);
    BOOST_TEST(!parse_signal("0"));
    BOOST_TEST(!parse_signal("65"));
    BOOST_TEST(!parse_signal("9x"));
}

BOOST_AUTO_TEST_CASE(realtime_signals)
{
    BOOST_TEST(*parse_signal("RTMIN") == SIGRTMIN);
    BOOST_TEST(*parse_signal("RTMIN+3") == SIGRTMIN + 3);
    BOOST_TEST(*parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    BOOST_TEST(*parse_signal("RTMAX") == SIGRTMAX);
    BOOST_TEST(*parse_signal("RTMAX-1") == SIGRTMAX - 1);
    BOOST_TEST(!parse_signal("RTMIN-1"));
    BOOST_TEST(!parse_signal("RTMIN+99"));
    BOOST_TEST(!parse_signal("RTMAX+1"));
}

BOOST_AUTO_TEST_CASE(unknown_names_are_rejected_with_a_hint)
{
    auto r = parse_signal("NOSUCHSIG");
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(r.error().message.find("NOSUCHSIG") != std::string::npos);
    BOOST_TEST(!parse_signal(""));
    BOOST_TEST(!parse_signal("SIG"));
}

BOOST_AUTO_TEST_CASE(names_round_trip)
{
    for (int sig = 1; sig <= SIGRTMAX; ++sig) {
        if (sig == 32 || sig == 33)   // reserved by glibc below SIGRTMIN, no name
            continue;
        const std::string name = signal_name(sig);
        auto back = parse_signal(name);
        BOOST_TEST_CONTEXT("signal " << sig << " named " << name)
        {
            BOOST_REQUIRE(back.has_value());
            BOOST_TEST(*back == sig);
        }
    }
    BOOST_TEST(signal_name(SIGRTMIN + 3) == "RTMIN+3");
}

BOOST_AUTO_TEST_SUITE_END()
