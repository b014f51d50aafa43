// A real full disk: a 1 MiB tmpfs mounted for the test (needs root; skipped
// with a message otherwise). ENOSPC must come out as spool_error::no_space,
// leave nothing half-written (recovery finds exactly the acknowledged
// messages), and commits must work again once done messages free a segment.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include <doctest/doctest.h>

#include "relay/spool/spool.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

namespace {

class tmpfs_mount {
 public:
  explicit tmpfs_mount(const fs::path& at) : at_(at) {
    mounted_ = ::mount("tmpfs", at_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~tmpfs_mount() {
    if (mounted_ && ::umount2(at_.c_str(), 0) != 0) ::umount2(at_.c_str(), MNT_DETACH);
  }
  tmpfs_mount(const tmpfs_mount&) = delete;
  tmpfs_mount& operator=(const tmpfs_mount&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path at_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace

TEST_CASE("disk full on a 1 MiB tmpfs: no_space, nothing half-written, recovery after freeing space") {
  temp_dir dir;
  tmpfs_mount mount(dir.path());
  if (!mount.mounted()) {
    MESSAGE("skipped: cannot mount a tmpfs (" << mount.error() << "); needs root");
    return;
  }
  io_env env;
  fs::path root = dir.path() / "spool";
  spool_settings settings;
  settings.segment_size = 64 * 1024;  // 14 messages of 4 KiB a segment, about 15 segments fit
  settings.spill_threshold = 16 * 1024;
  std::string chunk = binary_bytes(4096);
  std::vector<envelope> committed;
  {
    spool s(root, env.worker.get_executor(), {}, settings);
    s.recover();
    // 4 KiB messages until the disk is full: the segment that cannot be allocated says so.
    std::optional<std::string> full;
    for (int i = 0; i < 1000 && !full; ++i) {
      envelope e = make_envelope(make_id(), 1'700'000'000'000 + i);
      try {
        message_writer w = s.begin(e.id);
        w.append(chunk);
        commit_now(env, s, std::move(w), e);
        committed.push_back(e);
      } catch (const spool_error& err) {
        CHECK(err.kind == spool_error::no_space);
        full = err.what();
      }
    }
    REQUIRE(full);
    MESSAGE("full after " << committed.size() << " messages: " << *full);
    CHECK(committed.size() >= 100);

    // A big message fails while streaming, at append, and leaves no .spill behind.
    {
      message_writer w = s.begin(make_id());
      bool failed = false;
      try {
        for (int k = 0; k < 1000; ++k) w.append(chunk);
      } catch (const spool_error& err) {
        failed = true;
        CHECK(err.kind == spool_error::no_space);
      }
      CHECK(failed);
    }
    for (const auto& name : names_in(root / "segments")) CHECK(name.ends_with(".seg"));
  }

  // What the segments hold is exactly the acknowledged messages, each whole.
  spool s(root, env.worker.get_executor(), {}, settings);
  auto recovered = s.recover();
  CHECK(recovered == committed);
  CHECK(names_in(root / "quarantine").empty());

  // Done messages free their segments: commits succeed again.
  std::size_t segments = names_in(root / "segments").size();
  for (std::size_t i = 0; i < 40; ++i) s.remove_soon(committed[i].id);
  REQUIRE(env.run_until([&] { return names_in(root / "segments").size() < segments; }));
  envelope e = make_envelope(make_id());
  message_writer w = s.begin(e.id);
  w.append(chunk);
  commit_now(env, s, std::move(w), e);
  CHECK(s.read_data(e.id) == chunk);
}

}  // namespace mfrelay::relay::test
