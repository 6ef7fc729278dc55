#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "core/spec.h"

using namespace berth;

namespace {
// Every entry maps to its text and back, and no two entries share a text or a value.
template <typename Table>
void check_round_trip(const Table& table)
{
    std::set<std::string> texts;
    std::set<int> values;
    for (const auto& [value, text] : table.entries) {
        BOOST_TEST(table.to_string(value) == text);
        auto back = table.from_string(text);
        BOOST_TEST_REQUIRE(back.has_value());
        BOOST_TEST(static_cast<int>(*back) == static_cast<int>(value));
        BOOST_TEST(!text.empty());
        texts.emplace(text);
        values.emplace(static_cast<int>(value));
    }
    BOOST_TEST(texts.size() == table.size());
    BOOST_TEST(values.size() == table.size());
    BOOST_TEST(!table.from_string("bogus").has_value());
    BOOST_TEST(!table.from_string("").has_value());
}
}  // namespace

BOOST_AUTO_TEST_SUITE(enum_tables)

BOOST_AUTO_TEST_CASE(container_mode)
{
    check_round_trip(kContainerModeTable);
    BOOST_TEST(!kContainerModeTable.from_string("Boot").has_value());  // case matters: files are written lowercase
}

BOOST_AUTO_TEST_CASE(idmap_mode)
{
    check_round_trip(kIdMapModeTable);
}

BOOST_AUTO_TEST_SUITE_END()
