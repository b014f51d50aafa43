// Everything in tests/unit/support is declared in mfrelay::test; the modules' own
// test namespaces see it as theirs (test::temp_dir, `using namespace test;`).
#pragma once

namespace mfrelay::test {}

namespace mfrelay::relay::test {
using namespace mfrelay::test;
}
namespace mfrelay::dns::test {
using namespace mfrelay::test;
}
