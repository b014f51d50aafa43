// unit_spool: quarantine warnings are expected here; MFRELAY_TEST_LOG=1 shows them.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

int main(int argc, char** argv) {
  if (!std::getenv("MFRELAY_TEST_LOG")) spdlog::set_level(spdlog::level::off);
  return doctest::Context(argc, argv).run();
}
