#include <boost/test/unit_test.hpp>

#include <vector>

#include "base/reverter.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(reverter)

BOOST_AUTO_TEST_CASE(undoes_in_reverse_unless_success)
{
    std::vector<int> order;
    {
        Reverter r;
        r.add([&] { order.push_back(1); });
        r.add([&] { order.push_back(2); });
    }
    BOOST_TEST((order == std::vector<int>{2, 1}));
    order.clear();
    {
        Reverter r;
        r.add([&] { order.push_back(1); });
        r.success();
    }
    BOOST_TEST(order.empty());
}

BOOST_AUTO_TEST_SUITE_END()
