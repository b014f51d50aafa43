// unit_admin: the operational log stays quiet unless something is wrong
// (MFRELAY_TEST_LOG=info shows every admin request line).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

int main(int argc, char** argv) {
  const char* level = std::getenv("MFRELAY_TEST_LOG");
  spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::critical);
  doctest::Context context(argc, argv);
  return context.run();
}
