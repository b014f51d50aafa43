// spool::recover() after a crash, quarantine of damaged files, read_data on damage.
#include <doctest/doctest.h>

#include <map>

#include "relay/spool/envelope_json.hpp"
#include "relay/spool/spool.hpp"
#include "relay/spool/spool_file.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

namespace {

// A complete spool file for `id`, as commit writes it (optionally with another envelope text).
std::string good_file(const std::string& id, std::string_view data, std::optional<std::string> env_text = {}) {
  std::string text = env_text ? *env_text : envelope_to_json(make_envelope(id));
  sha256 h;
  h.update(data);
  h.update(text);
  spool_trailer t;
  t.data_size = data.size();
  t.envelope_size = text.size();
  t.checksum = h.finish();
  return std::string(data) + text + format_trailer(t);
}

std::string flip(std::string s, std::size_t at) {
  s[at] = static_cast<char>(s[at] ^ 0x40);
  return s;
}

}  // namespace

TEST_CASE("after a crash: committed messages come back oldest first, unfinished ones are deleted") {
  temp_dir dir;
  io_env env;
  std::vector<envelope> committed;
  {
    spool s(dir.path(), env.worker.get_executor());
    for (std::int64_t ms : {3000, 1000, 2000}) {
      envelope e = make_envelope(make_id(), 1'700'000'000'000 + ms);
      store_message(env, s, e, "message " + std::to_string(ms));
      committed.push_back(e);
    }
    // The crash: two sessions were mid-DATA. (The files are left as a crash
    // leaves them; writers going out of scope would delete them.)
    write_file(dir.path() / "incoming" / make_id(), "half a mess");
    write_file(dir.path() / "incoming" / make_id(), good_file(make_id(), "whole but never renamed"));
  }
  spool s(dir.path(), env.worker.get_executor());
  auto recovered = s.recover();
  REQUIRE(recovered.size() == 3);
  CHECK(recovered[0] == committed[1]);
  CHECK(recovered[1] == committed[2]);
  CHECK(recovered[2] == committed[0]);
  CHECK(names_in(dir.path() / "incoming").empty());
  CHECK(names_in(dir.path() / "quarantine").empty());
  CHECK(s.stats(policy::timestamp{}).depth == 3);
  CHECK(s.read_data(committed[1].id) == "message 1000");
}

TEST_CASE("damaged files are quarantined whole, never delivered, never looped on") {
  temp_dir dir;
  io_env env;
  std::string good_id;
  {
    spool s(dir.path(), env.worker.get_executor());
    envelope e = make_envelope(make_id());
    good_id = e.id;
    store_message(env, s, e, binary_bytes(20'000));
  }
  fs::path queue = dir.path() / "queue";
  std::string data = binary_bytes(20'000, 3);
  std::map<std::string, std::string> damaged;  // name in queue/ -> bytes
  auto add = [&](std::string bytes) {
    std::string id = make_id();
    damaged[id] = std::move(bytes);
    return id;
  };
  {
    std::string id = make_id();
    std::string whole = good_file(id, data);
    damaged[id] = whole.substr(0, whole.size() / 2);  // truncated
  }
  add("");                                             // empty
  add(binary_bytes(777, 5));                           // garbage
  {
    std::string id = make_id();
    damaged[id] = flip(good_file(id, data), 10);  // flipped data byte
  }
  {
    std::string id = make_id();
    std::string f = good_file(id, data);
    damaged[id] = flip(f, f.size() - 40);  // flipped checksum
  }
  {
    std::string id = make_id();
    std::string f = good_file(id, data);
    f.replace(f.size() - spool_trailer_size, 13, "xxxxxxxxxxxxx");  // bad magic
    damaged[id] = f;
  }
  {
    std::string id = make_id();
    damaged[id] = good_file(id, data, std::string("{\"version\":1}\n"));  // checksum fine, JSON not an envelope
  }
  add(good_file(make_id(), data));  // a whole file under another message's name
  damaged["not-a-message-id"] = good_file(good_id, "x");
  for (const auto& [name, bytes] : damaged) write_file(queue / name, bytes);
  fs::create_directory(queue / make_id());                       // a directory
  fs::create_symlink("/etc/passwd", queue / make_id());          // a symbolic link
  std::size_t strange = 2;

  auto s = std::make_unique<spool>(dir.path(), env.worker.get_executor());
  auto recovered = s->recover();
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0].id == good_id);
  CHECK(names_in(queue) == std::vector<std::string>{good_id});
  auto quarantined = names_in(dir.path() / "quarantine");
  CHECK(quarantined.size() == damaged.size() + strange);
  for (const auto& [name, bytes] : damaged) {
    CAPTURE(name);
    CHECK(read_file(dir.path() / "quarantine" / name) == bytes);  // kept, byte for byte
  }
  CHECK(s->stats(policy::timestamp{}).quarantined == damaged.size() + strange);

  // The next start finds nothing new to trip over.
  s.reset();
  spool again(dir.path(), env.worker.get_executor());
  auto second = again.recover();
  REQUIRE(second.size() == 1);
  CHECK(again.stats(policy::timestamp{}).quarantined == 0);
  CHECK(names_in(dir.path() / "quarantine") == quarantined);
}

TEST_CASE("a name already in quarantine is never overwritten") {
  temp_dir dir;
  io_env env;
  spool s(dir.path(), env.worker.get_executor());
  std::string id = make_id();
  write_file(dir.path() / "queue" / id, "first damage");
  s.recover();
  write_file(dir.path() / "queue" / id, "second damage");
  s.recover();
  CHECK(read_file(dir.path() / "quarantine" / id) == "first damage");
  CHECK(read_file(dir.path() / "quarantine" / (id + ".1")) == "second damage");
}

TEST_CASE("read_data quarantines a file damaged after recovery") {
  temp_dir dir;
  io_env env;
  spool s(dir.path(), env.worker.get_executor());
  envelope e = make_envelope(make_id());
  envelope other = make_envelope(make_id());
  store_message(env, s, e, binary_bytes(50'000));
  store_message(env, s, other, "fine");
  REQUIRE(s.recover().size() == 2);

  fs::path file = dir.path() / "queue" / e.id;
  std::string bytes = read_file(file);
  write_file(file, flip(bytes, 25'000));
  CHECK_FALSE(s.read_data(e.id));
  CHECK(names_in(dir.path() / "queue") == std::vector<std::string>{other.id});
  CHECK(read_file(dir.path() / "quarantine" / e.id) == flip(bytes, 25'000));
  CHECK(s.stats(policy::timestamp{}).depth == 1);
  CHECK(s.stats(policy::timestamp{}).quarantined == 1);

  CHECK_FALSE(s.read_data(e.id));  // gone now: nothing more happens
  CHECK(s.stats(policy::timestamp{}).quarantined == 1);
  CHECK(s.read_data(other.id) == "fine");

  fs::resize_file(dir.path() / "queue" / other.id, 10);  // truncated after the fact
  CHECK_FALSE(s.read_data(other.id));
  CHECK(names_in(dir.path() / "queue").empty());
}

TEST_CASE("a queued file cut short by a crash during its (never acknowledged) flush is quarantined") {
  temp_dir dir;
  io_env env;
  std::string id;
  {
    spool s(dir.path(), env.worker.get_executor());
    envelope e = make_envelope(make_id());
    id = e.id;
    store_message(env, s, e, binary_bytes(10'000));
  }
  fs::resize_file(dir.path() / "queue" / id, 4096);  // what a crash before writeback can leave
  spool s(dir.path(), env.worker.get_executor());
  CHECK(s.recover().empty());
  CHECK(names_in(dir.path() / "quarantine") == std::vector<std::string>{id});
}

}  // namespace mfrelay::relay::test
