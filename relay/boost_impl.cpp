// The one translation unit that compiles Boost's TLS stream, Beast and JSON
// (separate compilation keeps the heavy implementations out of every other file).
// Asio itself is compiled in dns/asio_impl.cpp.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
