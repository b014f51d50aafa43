// spool: streaming, commit durability ordering, group flushes, writer lifetime.
#include <doctest/doctest.h>

#include "relay/spool/ram_spool.hpp"
#include "relay/spool/spool.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

TEST_CASE("a streamed binary message and its envelope round trip, also across a restart") {
  temp_dir dir;
  io_env env;
  std::string id = make_id();
  envelope e = make_envelope(id);
  e.recipients.push_back("\xff\x00odd@example.com");
  std::string data = binary_bytes(300'001);
  data[0] = '\0';
  data[1] = '\xff';
  {
    spool s(dir.path() / "spool", env.worker.get_executor());
    store_message(env, s, e, data, {1, 7, 4093, 65537, 3, 100'000});
    CHECK(names_in(dir.path() / "spool" / "queue") == std::vector<std::string>{id});
    CHECK(names_in(dir.path() / "spool" / "incoming").empty());
    auto back = s.read_data(id);
    REQUIRE(back);
    CHECK(*back == data);
    CHECK(s.stats(e.received_at).depth == 1);
  }
  spool again(dir.path() / "spool", env.worker.get_executor());
  auto recovered = again.recover();
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0] == e);
  CHECK(again.read_data(id) == data);
}

TEST_CASE("an empty message commits") {
  temp_dir dir;
  io_env env;
  spool s(dir.path(), env.worker.get_executor());
  envelope e = make_envelope(make_id());
  store_message(env, s, e, "");
  CHECK(s.read_data(e.id) == std::string());
}

TEST_CASE("commit completes only after the group flush has returned") {
  temp_dir dir;
  io_env env;
  gate flush_gate;
  std::atomic<bool> flushing{false};
  spool_hooks hooks;
  hooks.before_flush = [&](std::size_t) {
    flushing = true;
    flush_gate.wait();
  };
  spool s(dir.path(), env.worker.get_executor(), hooks);
  envelope e = make_envelope(make_id());
  message_writer w = s.begin(e.id);
  w.append("Subject: hi\r\n\r\nbody\r\n");
  auto state = start_commit(env, s, std::move(w), e);

  CHECK(env.run_until([&] { return flushing.load(); }, 5s));
  env.run_for(200ms);
  CHECK_FALSE(state->done);                   // the flush is held: no 250 yet
  CHECK(s.stats(e.received_at).depth == 0);   // nor counted as queued
  flush_gate.open();
  REQUIRE(env.run_until([&] { return state->done; }));
  CHECK_FALSE(state->error);
  CHECK(s.stats(e.received_at).depth == 1);
  CHECK(s.stats(e.received_at).flushes == 1);
}

TEST_CASE("a failed flush fails the commit and leaves nothing in queue/") {
  struct failure {
    spool_step step;
    int error;
    enum spool_error::kind kind;
  };
  for (auto f : {failure{spool_step::flush_file, EIO, spool_error::io},
                 failure{spool_step::flush_file, ENOSPC, spool_error::no_space},
                 failure{spool_step::flush_directory, EIO, spool_error::io},
                 failure{spool_step::flush_directory, EDQUOT, spool_error::no_space}}) {
    CAPTURE(static_cast<int>(f.step));
    CAPTURE(f.error);
    temp_dir dir;
    io_env env;
    std::atomic<bool> armed{true};
    spool_hooks hooks;
    hooks.fault = [&](spool_step step) { return armed && step == f.step ? f.error : 0; };
    spool s(dir.path(), env.worker.get_executor(), hooks);
    envelope e = make_envelope(make_id());
    try {
      store_message(env, s, e, "data");
      FAIL("commit succeeded");
    } catch (const spool_error& err) {
      CHECK(err.kind == f.kind);
    }
    CHECK(names_in(dir.path() / "queue").empty());
    CHECK(names_in(dir.path() / "incoming").empty());
    CHECK(s.stats(e.received_at).depth == 0);
    armed = false;  // the disk is back: the retry succeeds
    store_message(env, s, e, "data");
    CHECK(s.read_data(e.id) == "data");
  }
}

TEST_CASE("200 concurrent commits are served by far fewer flushes") {
  // The first flush is held (a slow disk) until every session has submitted;
  // all 199 others must then share the next flush, not queue one each.
  temp_dir dir;
  io_env env;
  gate first_flush;
  std::atomic<int> flushes{0};
  std::vector<std::size_t> batches;  // written by the worker only
  spool_hooks hooks;
  hooks.before_flush = [&](std::size_t files) {
    batches.push_back(files);
    if (flushes++ == 0) first_flush.wait();
  };
  spool s(dir.path(), env.worker.get_executor(), hooks);
  constexpr std::size_t sessions = 200;
  std::string body = binary_bytes(4096);
  std::vector<std::shared_ptr<commit_state>> states;
  auto start_session = [&](std::size_t i) {
    envelope e = make_envelope(make_id(), 1'700'000'000'000 + static_cast<std::int64_t>(i));
    message_writer w = s.begin(e.id);
    w.append(body);
    states.push_back(start_commit(env, s, std::move(w), e));
  };
  start_session(0);
  CHECK(env.run_until([&] { return first_flush.someone_waiting(); }));
  for (std::size_t i = 1; i < sessions; ++i) start_session(i);
  auto all_done = [&] { return std::all_of(states.begin(), states.end(), [](const auto& st) { return st->done; }); };
  // A session renames its file and submits it in one step, so once queue/
  // holds every file, every commit is waiting on the group.
  CHECK(env.run_until([&] { return names_in(dir.path() / "queue").size() == sessions; }));
  CHECK_FALSE(std::any_of(states.begin(), states.end(), [](const auto& st) { return st->done; }));
  first_flush.open();
  REQUIRE(env.run_until(all_done));
  for (const auto& st : states) CHECK_FALSE(st->error);
  CHECK(batches == std::vector<std::size_t>{1, sessions - 1});
  CHECK(s.stats(policy::timestamp{}).flushes == 2);
  CHECK(s.stats(policy::timestamp{}).depth == sessions);
}

TEST_CASE("concurrent commits without a held flush all complete, in fewer flushes than commits") {
  temp_dir dir;
  io_env env;
  spool_hooks hooks;
  hooks.before_flush = [](std::size_t) { std::this_thread::sleep_for(1ms); };
  spool s(dir.path(), env.worker.get_executor(), hooks);
  constexpr std::size_t sessions = 200;
  std::vector<std::shared_ptr<commit_state>> states;
  for (std::size_t i = 0; i < sessions; ++i) {
    envelope e = make_envelope(make_id());
    message_writer w = s.begin(e.id);
    w.append(binary_bytes(1000, static_cast<std::uint32_t>(i)));
    states.push_back(start_commit(env, s, std::move(w), e));
  }
  REQUIRE(env.run_until([&] {
    return std::all_of(states.begin(), states.end(), [](const auto& st) { return st->done; });
  }));
  for (const auto& st : states) CHECK_FALSE(st->error);
  auto stats = s.stats(policy::timestamp{});
  MESSAGE(sessions << " commits took " << stats.flushes << " flushes");
  CHECK(stats.flushes < sessions);
  CHECK(stats.depth == sessions);
}

TEST_CASE("abort, destruction and moves of a writer") {
  temp_dir dir;
  io_env env;
  spool s(dir.path(), env.worker.get_executor());
  fs::path incoming = dir.path() / "incoming";

  SUBCASE("abort unlinks the incoming file") {
    message_writer w = s.begin(make_id());
    w.append("partial");
    CHECK(names_in(incoming).size() == 1);
    w.abort();
    CHECK_FALSE(w.active());
    CHECK(names_in(incoming).empty());
    CHECK_THROWS_AS(w.append("more"), std::logic_error);
  }
  SUBCASE("destruction without commit unlinks it") {
    {
      message_writer w = s.begin(make_id());
      w.append("partial");
    }
    CHECK(names_in(incoming).empty());
  }
  SUBCASE("a moved writer keeps the file; the moved-from one is inactive") {
    message_writer a = s.begin(make_id());
    a.append("12345");
    message_writer b = std::move(a);
    CHECK_FALSE(a.active());
    CHECK(b.active());
    CHECK(b.size() == 5);
    CHECK(names_in(incoming).size() == 1);
    b = message_writer();
    CHECK(names_in(incoming).empty());
  }
  CHECK(names_in(dir.path() / "queue").empty());
}

TEST_CASE("misuse is a logic error, not a spool_error") {
  temp_dir dir;
  io_env env;
  spool s(dir.path(), env.worker.get_executor());
  CHECK_THROWS_AS(s.begin("../../etc/passwd"), std::invalid_argument);
  CHECK_THROWS_AS(s.begin(""), std::invalid_argument);
  CHECK_THROWS_AS(s.read_data("queue"), std::invalid_argument);
  CHECK_THROWS_AS(s.remove("../x"), std::invalid_argument);

  std::string id = make_id();
  message_writer w = s.begin(id);
  CHECK_THROWS_AS(commit_now(env, s, std::move(w), make_envelope(make_id())), std::invalid_argument);

  ram_spool other;
  envelope e = make_envelope(make_id());
  CHECK_THROWS_AS(commit_now(env, s, other.begin(e.id), e), std::invalid_argument);
  CHECK_THROWS_AS(commit_now(env, s, message_writer(), e), std::invalid_argument);
  CHECK(names_in(dir.path() / "queue").empty());
}

TEST_CASE("the same id cannot be begun twice nor overwrite a queued message") {
  temp_dir dir;
  io_env env;
  spool s(dir.path(), env.worker.get_executor());
  envelope e = make_envelope(make_id());
  message_writer first = s.begin(e.id);
  CHECK_THROWS_AS(s.begin(e.id), spool_error);
  first.append("one");
  commit_now(env, s, std::move(first), e);

  message_writer second = s.begin(e.id);  // incoming/ is free again
  second.append("two");
  CHECK_THROWS_AS(commit_now(env, s, std::move(second), e), spool_error);
  CHECK(s.read_data(e.id) == "one");
  CHECK(names_in(dir.path() / "incoming").empty());
}

TEST_CASE("stats: depth and the age of the oldest, remove") {
  temp_dir dir;
  io_env env;
  spool s(dir.path(), env.worker.get_executor());
  auto t0 = policy::timestamp(policy::duration(1'700'000'000'000));
  CHECK(s.stats(t0).depth == 0);
  CHECK(s.stats(t0).oldest_age == policy::duration::zero());
  envelope late = make_envelope(make_id(), 1'700'000'050'000);
  envelope early = make_envelope(make_id(), 1'700'000'010'000);
  store_message(env, s, late, "late");
  store_message(env, s, early, "early");
  auto now = t0 + std::chrono::seconds(60);
  CHECK(s.stats(now).depth == 2);
  CHECK(s.stats(now).oldest_age == std::chrono::seconds(50));
  s.remove(early.id);
  CHECK(s.stats(now).depth == 1);
  CHECK(s.stats(now).oldest_age == std::chrono::seconds(10));
  CHECK_FALSE(s.read_data(early.id));
  s.remove(early.id);  // twice: ignored
  s.remove(late.id);
  CHECK(s.stats(now).depth == 0);
  CHECK(names_in(dir.path() / "queue").empty());
}

TEST_CASE("remove_soon leaves the accounting at once and the file soon after") {
  temp_dir dir;
  io_env env;
  envelope e = make_envelope(make_id(), 1'700'000'010'000);
  {
    spool s(dir.path(), env.worker.get_executor());
    store_message(env, s, e, "bytes");
    auto now = policy::timestamp(policy::duration(1'700'000'060'000));
    s.remove_soon(e.id);
    CHECK(s.stats(now).depth == 0);  // the delivery side sees it gone at once
    CHECK_THROWS_AS(s.remove_soon("../x"), std::invalid_argument);
  }  // destroying the spool finishes the pending unlinks
  CHECK(names_in(dir.path() / "queue").empty());
}

TEST_CASE("the spool directory is created with its subdirectories, nested too") {
  temp_dir dir;
  io_env env;
  fs::path nested = dir.path() / "var" / "spool";
  {
    spool s(nested, env.worker.get_executor());
    CHECK(names_in(nested) == std::vector<std::string>{"incoming", "quarantine", "queue"});
    // One spool per directory: a second one (another mfrelay on the same
    // state_dir) would delete the first one's incoming files in recover().
    CHECK_THROWS_AS(spool(nested, env.worker.get_executor()), spool_error);
  }
  spool again(nested, env.worker.get_executor());  // existing, unlocked again: fine

  write_file(dir.path() / "file", "x");
  CHECK_THROWS_AS(spool(dir.path() / "file", env.worker.get_executor()), spool_error);
}

}  // namespace mfrelay::relay::test
