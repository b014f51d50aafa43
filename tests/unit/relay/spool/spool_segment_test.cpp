// spool: the segment log's commit path, group flushes, completion and deletion
// of segments, writer lifetime, and failures injected at each system call.
#include <doctest/doctest.h>

#include "relay/spool/spool.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

namespace {

[[maybe_unused]] std::vector<std::string> segment_files(const fs::path& spool_dir) { return names_in(spool_dir / "segments"); }

[[maybe_unused]] spool_settings small_segments() {
  spool_settings s;
  s.segment_size = 64 * 1024;
  s.spill_threshold = 16 * 1024;
  return s;
}

}  // namespace

TEST_CASE("a streamed binary message and its envelope round trip, also across a restart") {
  temp_dir dir;
  io_env env;
  for (std::size_t size : {std::size_t{0}, std::size_t{4096}, std::size_t{300'001}}) {
    CAPTURE(size);
    std::string id = make_id();
    envelope e = make_envelope(id);
    e.recipients.push_back("\xff\x00odd@example.com");
    std::string data = binary_bytes(size);
    {
      spool s(dir.path() / "spool", env.worker.get_executor());
      s.recover();
      store_message(env, s, e, data, {1, 7, 4093, 65537, 3, 100'000});
      CHECK(s.stats(e.received_at).depth == 1);
      auto back = s.read_data(id);  // from the cache
      REQUIRE(back);
      CHECK(*back == data);
      CHECK(s.read_data(id) == data);  // from the segment
    }
    spool again(dir.path() / "spool", env.worker.get_executor());
    auto recovered = again.recover();
    REQUIRE(recovered.size() == 1);
    CHECK(recovered[0] == e);
    CHECK(again.read_data(id) == data);
    again.remove_soon(id);
    CHECK(again.stats(e.received_at).depth == 0);
    REQUIRE(env.run_until([&] { return again.stats(e.received_at).depth == 0; }));
  }
}

TEST_CASE("header fields prepended once the message is whole come first, checksummed, across a restart") {
  // The DKIM signature is put on top at the end of DATA: below the spill
  // threshold, across it, and past it (the message's own file is rewritten).
  temp_dir dir;
  io_env env;
  const std::string prefix = "DKIM-Signature: v=1; b=xyz\r\n";
  for (std::size_t size : {std::size_t{100}, std::size_t{16 * 1024 - 10}, std::size_t{40'000}}) {
    CAPTURE(size);
    std::string id = make_id();
    envelope e = make_envelope(id);
    std::string data = binary_bytes(size);
    {
      spool s(dir.path() / "spool", env.worker.get_executor(), {}, small_segments());
      s.recover();
      message_writer w = s.begin(id);
      w.append(data.substr(0, size / 2));
      w.append(data.substr(size / 2));
      w.prepend(prefix);
      CHECK(w.size() == prefix.size() + size);
      commit_now(env, s, std::move(w), e);
      CHECK(s.read_data(id) == prefix + data);
    }
    spool again(dir.path() / "spool", env.worker.get_executor(), {}, small_segments());
    CHECK(again.recover().size() == 1);
    CHECK(again.read_data(id) == prefix + data);  // the checksum held: not quarantined
    again.remove(id);
    for (const auto& name : names_in(dir.path() / "spool" / "segments")) CHECK_FALSE(name.ends_with(".spill"));
  }
}

TEST_CASE("done records wait for a round of messages, done_batch of them, or done_delay; shutdown writes the rest") {
  // A segment whose messages are all done is deleted once their done records are
  // written: the folder shows when that happened. Three 4 KiB messages a segment.
  temp_dir dir;
  io_env env;
  fs::path root = dir.path() / "spool";
  spool_settings settings;
  settings.segment_size = 16 * 1024;
  settings.done_delay = std::chrono::hours(1);  // never, within this test
  settings.done_batch = 4;
  std::vector<envelope> msgs;
  auto store = [&](spool& s) {
    msgs.push_back(make_envelope(make_id()));
    store_message(env, s, msgs.back(), binary_bytes(4096));
  };
  {
    spool s(root, env.worker.get_executor(), {}, settings);
    s.recover();
    for (int i = 0; i < 7; ++i) store(s);  // segments: 0-2, 3-5, 6
    REQUIRE(segment_files(root).size() == 3);

    for (std::size_t i = 0; i < 3; ++i) s.remove_soon(msgs[i].id);
    env.run_for(100ms);
    CHECK(segment_files(root).size() == 3);  // no round of their own
    CHECK(s.stats(msgs[0].received_at).depth == 4);

    store(s);  // the next message's round takes them along
    REQUIRE(env.run_until([&] { return segment_files(root).size() == 2; }));

    for (std::size_t i = 3; i < 7; ++i) s.remove_soon(msgs[i].id);  // the fourth fills the batch
    REQUIRE(env.run_until([&] { return segment_files(root).size() == 1; }));

    s.remove_soon(msgs[7].id);  // waits for an hour, or for the spool to go
  }
  spool again(root, env.worker.get_executor(), {}, settings);
  CHECK(again.recover().empty());

  spool_settings soon = small_segments();
  soon.segment_size = 16 * 1024;
  soon.done_delay = 10ms;
  spool quick(dir.path() / "quick", env.worker.get_executor(), {}, soon);
  quick.recover();
  msgs.clear();
  for (int i = 0; i < 4; ++i) store(quick);  // segments: 0-2, 3
  for (std::size_t i = 0; i < 3; ++i) quick.remove_soon(msgs[i].id);
  REQUIRE(env.run_until([&] { return segment_files(dir.path() / "quick").size() == 1; }));
}

}  // namespace mfrelay::relay::test
