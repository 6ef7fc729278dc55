#include <boost/test/unit_test.hpp>

#include "base/names.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(names)

BOOST_AUTO_TEST_CASE(accepts_valid_names)
{
    for (std::string name : {"a", "web-1", "db.prod", "x_y", "A9"})
        BOOST_TEST(validate_name(name, "container name").has_value(), name);
    BOOST_TEST(validate_name(std::string(63, 'n'), "container name").has_value());
}

BOOST_AUTO_TEST_CASE(refuses_invalid_names)
{
    for (const char* name : {"", "-a", ".a", "_a", "a/b", "a..b", "..", "a b", "a\n", "ä", "a:b"}) {
        auto r = validate_name(name, "container name");
        BOOST_TEST(!r.has_value(), name);
        if (!r)
            BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    }
    BOOST_TEST(!validate_name(std::string(64, 'n'), "container name").has_value());
}

BOOST_AUTO_TEST_CASE(message_names_the_object)
{
    auto r = validate_name("../etc", "image name");
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().message.find("image name '../etc'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(object_path_escape)
{
    BOOST_TEST(escape_object_path_label("web1") == "web1");
    BOOST_TEST(escape_object_path_label("web-1.a_b") == "web_2d1_2ea_5fb");
}

BOOST_AUTO_TEST_SUITE_END()
