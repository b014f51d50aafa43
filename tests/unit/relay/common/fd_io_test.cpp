// relay/common/fd_io: whole reads and writes at an offset, on real files.
#include "relay/common/fd_io.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>

#include <string>

#include "relay/common/unique_fd.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

TEST_CASE("pwritev_all writes every piece at its offset; read_at reads them back") {
  mfrelay::test::temp_dir dir;
  unique_fd fd(::open(dir.file("f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(fd);
  std::string a = "hello ", empty, b = "world";
  CHECK(pwritev_all(fd.get(), {iovec{a.data(), a.size()}, iovec{empty.data(), 0}, iovec{b.data(), b.size()}}, 4) == 0);
  char out[11] = {};
  CHECK(read_at(fd.get(), out, 11, 4) == 0);
  CHECK(std::string(out, 11) == "hello world");
  CHECK(read_at(fd.get(), out, 11, 5) == -1);  // the file ends first
}

TEST_CASE("nothing to write is success, not an error") {
  mfrelay::test::temp_dir dir;
  unique_fd fd(::open(dir.file("f").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  CHECK(pwrite_all(fd.get(), "", 0) == 0);
  CHECK(pwritev_all(fd.get(), {}, 0) == 0);
}

TEST_CASE("errors come back as the errno") {
  mfrelay::test::temp_dir dir;
  CHECK(pwrite_all(-1, "x", 0) == EBADF);
  char c;
  CHECK(read_at(-1, &c, 1, 0) == EBADF);
  CHECK(sync_directory(dir.path()) == 0);
  CHECK(sync_directory(dir.path() / "missing") == ENOENT);
}

}  // namespace
}  // namespace mfrelay::relay
