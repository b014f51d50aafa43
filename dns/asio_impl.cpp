// The one translation unit that compiles Boost.Asio (BOOST_ASIO_SEPARATE_COMPILATION):
// every other file includes only Asio's declarations, which keeps builds fast.
#include <boost/asio/impl/src.hpp>
