// The detach sequence of login and console: Ctrl-] three times within a second.
#include <boost/test/unit_test.hpp>

#include "ctl/session_relay.h"

using namespace berth::ctl;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(session_relay)

BOOST_AUTO_TEST_CASE(three_presses_in_one_chunk_detach)
{
    DetachDetector d;
    const auto t = DetachDetector::Clock::now();
    BOOST_TEST(d.feed("\x1d\x1d\x1d", 3, t));
}

BOOST_AUTO_TEST_CASE(presses_across_chunks_within_a_second_detach)
{
    DetachDetector d;
    const auto t = DetachDetector::Clock::now();
    BOOST_TEST(!d.feed("\x1d", 1, t));
    BOOST_TEST(!d.feed("\x1d", 1, t + 300ms));
    BOOST_TEST(d.feed("\x1d", 1, t + 900ms));
}

BOOST_AUTO_TEST_CASE(slow_presses_do_not_detach)
{
    DetachDetector d;
    const auto t = DetachDetector::Clock::now();
    BOOST_TEST(!d.feed("\x1d", 1, t));
    BOOST_TEST(!d.feed("\x1d", 1, t + 600ms));
    BOOST_TEST(!d.feed("\x1d", 1, t + 1200ms));   // the first one is too old: counting starts again
    BOOST_TEST(!d.feed("\x1d", 1, t + 1300ms));
    BOOST_TEST(d.feed("\x1d", 1, t + 1400ms));
}

BOOST_AUTO_TEST_CASE(other_keys_in_between_reset)
{
    DetachDetector d;
    const auto t = DetachDetector::Clock::now();
    BOOST_TEST(!d.feed("\x1d\x1dx\x1d", 4, t));
    BOOST_TEST(!d.feed("ls\r", 3, t));
}

BOOST_AUTO_TEST_SUITE_END()
