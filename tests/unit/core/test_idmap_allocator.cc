#include <boost/test/unit_test.hpp>

#include "core/idmap_allocator.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(idmap_allocator)

BOOST_AUTO_TEST_CASE(allocates_lowest_free_aligned)
{
    IdMapAllocator a(524288, 65536 * 4, 65536);
    BOOST_TEST(*a.allocate("a") == 524288u);
    BOOST_TEST(*a.allocate("b") == 524288u + 65536);
    BOOST_TEST(*a.allocate("c") == 524288u + 2 * 65536);
    a.release("b");
    BOOST_TEST(a.used() == 2u);
    BOOST_TEST(*a.allocate("d") == 524288u + 65536);  // the hole is reused first
    BOOST_TEST(a.range_size() == 65536u);
}

BOOST_AUTO_TEST_CASE(unaligned_first_rounds_up)
{
    IdMapAllocator a(100000, 65536 * 3, 65536);
    BOOST_TEST(*a.allocate("a") == 131072u);
    BOOST_TEST(*a.allocate("b") == 196608u);
    // [100000, 296608) holds only two aligned ranges.
    auto r = a.allocate("c");
    BOOST_TEST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::QuotaExceeded));
    BOOST_TEST(r.error().message.find("holds 2 ranges") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(quota_exceeded_names_the_config_key)
{
    IdMapAllocator a(65536, 2000, 1000);
    BOOST_TEST(*a.allocate("a") == 66000u);
    auto r = a.allocate("b");
    BOOST_TEST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::QuotaExceeded));
    BOOST_TEST(r.error().message.find("[idmap] count") != std::string::npos);
    BOOST_TEST(r.error().message.find("holds 1 ranges") != std::string::npos);
    BOOST_TEST(a.used() == 1u);
}

BOOST_AUTO_TEST_CASE(owner_has_at_most_one_range)
{
    IdMapAllocator a(65536, 65536 * 4, 65536);
    BOOST_TEST(a.allocate("a").has_value());
    auto r = a.allocate("a");
    BOOST_TEST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::AlreadyExists));
    auto s = a.reserve("a", 65536 * 3, 65536);
    BOOST_TEST_REQUIRE(!s);
    BOOST_TEST((s.error().kind == ErrorKind::AlreadyExists));
}

BOOST_AUTO_TEST_CASE(reserve_refuses_overlap_and_outside)
{
    IdMapAllocator a(65536, 65536 * 4, 65536);
    BOOST_TEST(a.reserve("a", 65536 * 2, 65536).has_value());
    for (auto [base, size] : {std::pair<uint32_t, uint32_t>{65536 * 2, 65536}, {65536 * 2 + 100, 10},
                              {65536 * 2 - 1, 2}, {65536, 65536 * 2}, {65536 * 3 - 1, 1}}) {
        auto r = a.reserve("b", base, size);
        BOOST_TEST_REQUIRE(!r);
        BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
        BOOST_TEST(r.error().message.find("overlaps") != std::string::npos);
    }
    for (auto [base, size] : {std::pair<uint32_t, uint32_t>{0, 65536}, {65535, 2}, {65536 * 5 - 1, 2},
                              {65536 * 5, 1}, {4294967295u, 1}, {65536 * 4, 4294967295u}}) {
        auto r = a.reserve("c", base, size);
        BOOST_TEST_REQUIRE(!r, base);
        BOOST_TEST(r.error().message.find("outside the pool") != std::string::npos);
    }
    BOOST_TEST(!a.reserve("d", 65536 * 3, 0).has_value());
    BOOST_TEST(a.used() == 1u);
}

BOOST_AUTO_TEST_CASE(reserve_accepts_ranges_of_another_size)
{
    // Definitions written under an older [idmap] size stay valid; allocation steps around them.
    IdMapAllocator a(65536, 65536 * 4, 65536);
    BOOST_TEST(a.reserve("old", 65536 + 1000, 5000).has_value());
    BOOST_TEST(a.reserve("touching", 65536 + 6000, 10).has_value());  // adjacent ranges do not overlap
    BOOST_TEST(*a.allocate("new") == 65536u * 2);
    BOOST_TEST(*a.allocate("new2") == 65536u * 3);
    BOOST_TEST(*a.allocate("new3") == 65536u * 4);
    BOOST_TEST(!a.allocate("new4").has_value());
    a.release("old");
    a.release("touching");
    BOOST_TEST(*a.allocate("new4") == 65536u);
}

BOOST_AUTO_TEST_CASE(pool_at_top_of_id_space)
{
    // A pool ending at 2^32 - 1 must not wrap in the arithmetic: the third range would end at 2^32.
    const uint32_t size = 65536;
    const uint32_t first = 65536u * 65533u;
    IdMapAllocator a(first, 4294967295u - first, size);
    BOOST_TEST(*a.allocate("a") == first);
    BOOST_TEST(*a.allocate("b") == first + size);
    auto r = a.allocate("c");
    BOOST_TEST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::QuotaExceeded));
    BOOST_TEST(!a.reserve("d", 4294967295u - 10, 11).has_value());
    BOOST_TEST(a.reserve("d", 4294967295u - 10, 10).has_value());
}

BOOST_AUTO_TEST_CASE(release_of_unknown_owner_is_harmless)
{
    IdMapAllocator a(65536, 65536, 65536);
    a.release("nobody");
    BOOST_TEST(a.used() == 0u);
    BOOST_TEST(*a.allocate("a") == 65536u);
}

BOOST_AUTO_TEST_SUITE_END()
