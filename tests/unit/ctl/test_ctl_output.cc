#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "ctl/output.h"

using namespace berth::ctl;

BOOST_AUTO_TEST_SUITE(ctl_output)

BOOST_AUTO_TEST_CASE(string_escapes)
{
    BOOST_TEST(json_quote("plain") == "\"plain\"");
    BOOST_TEST(json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
    BOOST_TEST(json_quote("l1\nl2\t\r\b\f") == "\"l1\\nl2\\t\\r\\b\\f\"");
    BOOST_TEST(json_quote(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
    BOOST_TEST(json_quote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");   // UTF-8 passes through
    BOOST_TEST(json_quote(std::string("a\0b", 3)) == "\"a\\u0000b\"");
}

BOOST_AUTO_TEST_CASE(scalars)
{
    BOOST_TEST(Json().dump() == "null");
    BOOST_TEST(Json(true).dump() == "true");
    BOOST_TEST(Json(false).dump() == "false");
    BOOST_TEST(Json(-5).dump() == "-5");
    BOOST_TEST(Json(std::numeric_limits<uint64_t>::max()).dump() == "18446744073709551615");
    BOOST_TEST(Json(std::numeric_limits<int64_t>::min()).dump() == "-9223372036854775808");
    BOOST_TEST(Json(uint32_t{4000000000u}).dump() == "4000000000");
    BOOST_TEST(Json(0.5).dump() == "0.5");
    BOOST_TEST(Json(2.0).dump() == "2");
    BOOST_TEST(Json(0.1).dump() == "0.1");
    BOOST_TEST(Json(1e300).dump() == "1e+300");
    BOOST_TEST(Json(std::nan("")).dump() == "null");
    BOOST_TEST(Json("s").dump() == "\"s\"");
}

BOOST_AUTO_TEST_CASE(nested_compact_and_pretty)
{
    Json obj = Json::object();
    obj.set("name", "web").set("leader", 42u).set("cmd", Json::array().push("sh").push("-c"));
    obj.set("empty", Json::array()).set("none", Json::object());
    BOOST_TEST(obj.dump(false) == R"({"name":"web","leader":42,"cmd":["sh","-c"],"empty":[],"none":{}})");
    BOOST_TEST(obj.dump(true) ==
               "{\n  \"name\": \"web\",\n  \"leader\": 42,\n  \"cmd\": [\n    \"sh\",\n    \"-c\"\n  ],\n"
               "  \"empty\": [],\n  \"none\": {}\n}");
    BOOST_TEST(Json::array().dump() == "[]");
}

BOOST_AUTO_TEST_CASE(keys_are_escaped)
{
    Json obj = Json::object();
    obj.set("a\"b", 1);
    BOOST_TEST(obj.dump(false) == R"({"a\"b":1})");
}

BOOST_AUTO_TEST_CASE(table_columns_fit_content)
{
    Table t({"NAME", "STATE", "LEADER"});
    t.add_row({"a-long-name", "running", "123"});
    t.add_row({"b", "stopped", "-"});
    BOOST_TEST(t.size() == 2u);
    BOOST_TEST(t.render() ==
               "NAME         STATE    LEADER\n"
               "a-long-name  running  123\n"
               "b            stopped  -\n");
    Table empty({"NAME", "STATE"});
    BOOST_TEST(empty.render() == "NAME  STATE\n");
}

BOOST_AUTO_TEST_SUITE_END()
