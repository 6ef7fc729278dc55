#define BOOST_TEST_MODULE berth
#include <boost/test/unit_test.hpp>
