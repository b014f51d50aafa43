// doctest's implementation, compiled once for every relay/ unit test binary
// (each binary's relay_test_main.cpp only supplies main()).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
