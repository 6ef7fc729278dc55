#include <boost/test/unit_test.hpp>

#include "base/size.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(size)

BOOST_AUTO_TEST_CASE(parses_units)
{
    BOOST_TEST(*parse_size("0") == 0u);
    BOOST_TEST(*parse_size("1024") == 1024u);
    BOOST_TEST(*parse_size("64M") == 64u << 20);
    BOOST_TEST(*parse_size("64MiB") == 64u << 20);
    BOOST_TEST(*parse_size("2G") == 2ull << 30);
    BOOST_TEST(*parse_size("2g") == 2ull << 30);
    BOOST_TEST(*parse_size("1T") == 1ull << 40);
    BOOST_TEST(*parse_size("512K") == 512u << 10);
    BOOST_TEST(*parse_size("infinity") == kUnlimited);
    BOOST_TEST(*parse_size("max") == kUnlimited);
}

BOOST_AUTO_TEST_CASE(refuses_garbage)
{
    for (const char* text : {"", "M", "-1", "1.5G", "12Q", "99999999999999999999", "20000000000T", "1 G"})
        BOOST_TEST(!parse_size(text).has_value(), text);
}

BOOST_AUTO_TEST_CASE(formats)
{
    BOOST_TEST(format_size(64u << 20) == "64M");
    BOOST_TEST(format_size(1536u << 20) == "1.5G");
    BOOST_TEST(format_size(100) == "100B");
    BOOST_TEST(format_size(kUnlimited) == "infinity");
}

BOOST_AUTO_TEST_SUITE_END()
