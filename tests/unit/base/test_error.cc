#include <boost/test/unit_test.hpp>

#include <set>

#include "base/error.h"

using namespace berth;

namespace {
Result<int> inner(bool ok)
{
    if (!ok)
        return fail(ErrorKind::NoSuchImage, "image 'x' does not exist");
    return 7;
}
Result<int> outer(bool ok)
{
    int v = BERTH_TRY(inner(ok));
    return v + 1;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(error)

BOOST_AUTO_TEST_CASE(try_propagates_value_and_error)
{
    BOOST_TEST(*outer(true) == 8);
    auto r = outer(false);
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::NoSuchImage));
}

BOOST_AUTO_TEST_CASE(context_and_describe)
{
    Error e{ErrorKind::Failed, ENOENT, "open /x"};
    auto wrapped = e.context("create container a");
    BOOST_TEST(wrapped.message == "create container a: open /x");
    BOOST_TEST(wrapped.describe() == "create container a: open /x: No such file or directory");
    BOOST_TEST((wrapped.kind == ErrorKind::Failed));
    BOOST_TEST(wrapped.code == ENOENT);
}

BOOST_AUTO_TEST_CASE(kind_names_are_distinct)
{
    std::set<std::string_view> seen;
    for (int k = 0; k <= static_cast<int>(ErrorKind::NotSupported); ++k)
        seen.insert(error_kind_to_string(static_cast<ErrorKind>(k)));
    BOOST_TEST(seen.size() == static_cast<size_t>(ErrorKind::NotSupported) + 1);
}

BOOST_AUTO_TEST_SUITE_END()
