#include <boost/test/unit_test.hpp>

#include "base/rate.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(rate)

BOOST_AUTO_TEST_CASE(parses_decimal_units)
{
    BOOST_TEST(*parse_rate("10M") == 10'000'000u);
    BOOST_TEST(*parse_rate("10Mbit") == 10'000'000u);
    BOOST_TEST(*parse_rate("2.5G") == 2'500'000'000u);
    BOOST_TEST(*parse_rate("800k") == 800'000u);
    BOOST_TEST(*parse_rate("800K") == 800'000u);
    BOOST_TEST(*parse_rate("64000") == 64'000u);
    BOOST_TEST(*parse_rate("1T") == 1'000'000'000'000u);
    BOOST_TEST(*parse_rate("0") == 0u);
    BOOST_TEST(*parse_rate("none") == 0u);
}

BOOST_AUTO_TEST_CASE(refuses_nonsense)
{
    for (const char* text : {"", "M", "10X", "-1M", "1k", "2T", "ten", "10 M", "1e6"}) {
        auto r = parse_rate(text);
        BOOST_TEST_MESSAGE(text);
        BOOST_TEST(!r);
        if (!r)
            BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    }
}

BOOST_AUTO_TEST_CASE(formats_shortest)
{
    BOOST_TEST(format_rate(10'000'000) == "10M");
    BOOST_TEST(format_rate(2'500'000'000) == "2.5G");
    BOOST_TEST(format_rate(800'000) == "800k");
    BOOST_TEST(format_rate(0) == "0");
    BOOST_TEST(format_rate(123'456'789) == "123456789");
}

BOOST_AUTO_TEST_SUITE_END()
