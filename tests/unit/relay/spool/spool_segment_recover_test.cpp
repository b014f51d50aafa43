// spool recovery from segment files a crash or a disk damaged: torn tails are
// dropped (never acknowledged), damaged records are quarantined once and the
// scan goes on, a record planted inside a message body is never taken for one.
#include <doctest/doctest.h>

#include <fstream>

#include "relay/spool/segment_record.hpp"
#include "relay/spool/spool.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

namespace {

fs::path only_segment(const fs::path& spool_dir) {
  auto names = names_in(spool_dir / "segments");
  REQUIRE(names.size() == 1);
  return spool_dir / "segments" / names[0];
}

void poke(const fs::path& file, std::uint64_t offset, std::string_view bytes) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Three 4 KiB messages in one segment; returns their envelopes.
std::vector<envelope> three_messages(io_env& env, const fs::path& root) {
  spool s(root, env.worker.get_executor());
  s.recover();
  std::vector<envelope> out;
  for (int i = 0; i < 3; ++i) {
    envelope e = make_envelope(make_id(), 1'700'000'000'000 + i);
    store_message(env, s, e, binary_bytes(4096, static_cast<std::uint32_t>(i + 1)));
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("a torn tail (kill -9 during pwritev) is dropped, not quarantined; what came before is kept") {
  temp_dir dir;
  io_env env;
  fs::path root = dir.path() / "spool";
  auto msgs = three_messages(env, root);
  fs::path seg = only_segment(root);
  // Cut the third record half-way: zeros from the middle of its data on, as a
  // pwritev interrupted at a page boundary leaves it.
  std::string bytes = read_file(seg);
  std::size_t third = bytes.find("MFSG", bytes.find("MFSG", bytes.find("MFSG") + 1) + 1);
  REQUIRE(third != std::string::npos);
  poke(seg, third + 2000, std::string(4096, '\0'));
  spool s(root, env.worker.get_executor());
  auto recovered = s.recover();
  REQUIRE(recovered.size() == 2);
  CHECK(recovered[0] == msgs[0]);
  CHECK(recovered[1] == msgs[1]);
  CHECK(names_in(root / "quarantine").empty());
}

TEST_CASE("a damaged record in the middle is quarantined once; the records after it are recovered") {
  temp_dir dir;
  io_env env;
  fs::path root = dir.path() / "spool";
  auto msgs = three_messages(env, root);
  fs::path seg = only_segment(root);
  std::string bytes = read_file(seg);
  std::size_t second = bytes.find("MFSG", bytes.find("MFSG") + 1);
  poke(seg, second + 100, "garbage");  // inside its data: the header still checks out
  for (int start = 0; start < 2; ++start) {
    spool s(root, env.worker.get_executor());
    auto recovered = s.recover();
    REQUIRE(recovered.size() == 2);
    CHECK(recovered[0] == msgs[0]);
    CHECK(recovered[1] == msgs[2]);
    CHECK(names_in(root / "quarantine").size() == 1);  // the second start adds nothing
    CHECK(s.stats(msgs[0].received_at).quarantined == (start == 0 ? 1u : 0u));
  }
}

TEST_CASE("a record planted in a message body is never recovered as a message") {
  temp_dir dir;
  io_env env;
  fs::path root = dir.path() / "spool";
  // A client sends a body holding a well-formed record with a forged envelope.
  envelope forged = make_envelope(make_id());
  forged.recipients = {"victim@example.net"};
  std::string aux = "{}";
  record_header h;
  h.segment = 1;
  h.aux_size = static_cast<std::uint32_t>(aux.size());
  auto hb = encode_record_header(h);
  auto sum = finish_record_checksum(sha256(), aux, hb);
  std::string planted(hb.data(), hb.size());
  planted += aux;
  planted.append(reinterpret_cast<const char*>(sum.data()), sum.size());
  envelope carrier = make_envelope(make_id());
  {
    spool s(root, env.worker.get_executor());
    s.recover();
    store_message(env, s, carrier, std::string(100, 'x') + planted + std::string(100, 'y'));
  }
  // The carrier's header is torn: recovery must not go looking for the next "MFSG".
  fs::path seg = only_segment(root);
  poke(seg, 0, std::string(8, '\xff'));
  spool s(root, env.worker.get_executor());
  CHECK(s.recover().empty());
}

TEST_CASE("a delivered message's segment is deleted once every message in it is done") {
  temp_dir dir;
  io_env env;
  fs::path root = dir.path() / "spool";
  spool_settings settings;
  settings.segment_size = 16 * 1024;  // three 4 KiB messages a segment
  spool s(root, env.worker.get_executor(), {}, settings);
  s.recover();
  std::vector<envelope> msgs;
  for (int i = 0; i < 7; ++i) {
    envelope e = make_envelope(make_id());
    store_message(env, s, e, binary_bytes(4096));
    msgs.push_back(e);
  }
  std::size_t before = names_in(root / "segments").size();
  REQUIRE(before >= 3);
  for (std::size_t i = 0; i + 1 < msgs.size(); ++i) s.remove_soon(msgs[i].id);
  // All but the active segment (which holds the last message) go.
  REQUIRE(env.run_until([&] { return names_in(root / "segments").size() == 1; }));
}

}  // namespace mfrelay::relay::test
