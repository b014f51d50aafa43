// main() of every relay/ unit test binary: doctest, with the operational log
// (spdlog) at the binary's quiet default (MFRELAY_TEST_LOG_DEFAULT) unless
// MFRELAY_TEST_LOG names a level (MFRELAY_TEST_LOG=info shows every line).
// doctest's implementation is in doctest_impl.cpp, compiled once.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#ifndef MFRELAY_TEST_LOG_DEFAULT
#define MFRELAY_TEST_LOG_DEFAULT "info"
#endif

int main(int argc, char** argv) {
  const char* level = std::getenv("MFRELAY_TEST_LOG");
  spdlog::set_level(spdlog::level::from_str(level ? level : MFRELAY_TEST_LOG_DEFAULT));
  return doctest::Context(argc, argv).run();
}
