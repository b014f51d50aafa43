// errno -> spool_error kind, through injected failures at each step of a message.
#include <doctest/doctest.h>

#include <cerrno>

#include "relay/spool/spool.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

TEST_CASE("errno maps to no_space or io") {
  CHECK(spool_error_from_errno(ENOSPC, "w").kind == spool_error::no_space);
  CHECK(spool_error_from_errno(EDQUOT, "w").kind == spool_error::no_space);
  for (int e : {EIO, EROFS, EACCES, EFBIG, EEXIST, EMFILE}) {
    CAPTURE(e);
    CHECK(spool_error_from_errno(e, "w").kind == spool_error::io);
  }
  std::string what = spool_error_from_errno(ENOSPC, "write /x").what();
  CHECK(what.starts_with("write /x: "));
  CHECK(to_string(spool_error::no_space) == "no_space");
  CHECK(to_string(spool_error::io) == "io");
}

TEST_CASE("an injected write failure surfaces from append with its kind, and cleans up") {
  struct failure {
    int error;
    enum spool_error::kind kind;
  };
  for (auto f : {failure{ENOSPC, spool_error::no_space}, failure{EDQUOT, spool_error::no_space},
                 failure{EIO, spool_error::io}}) {
    CAPTURE(f.error);
    temp_dir dir;
    io_env env;
    std::atomic<int> writes_before_failure{2};
    spool_hooks hooks;
    hooks.fault = [&](spool_step step) {
      return step == spool_step::write && writes_before_failure-- <= 0 ? f.error : 0;
    };
    spool s(dir.path(), env.worker.get_executor(), hooks);
    envelope e = make_envelope(make_id());
    message_writer w = s.begin(e.id);
    w.append("one");
    w.append("two");
    try {
      w.append("three");
      FAIL("append succeeded");
    } catch (const spool_error& err) {
      CHECK(err.kind == f.kind);
    }
    // The file now has a hole: it stays failed, and commit says so too.
    writes_before_failure = 100;
    CHECK_THROWS_AS(w.append("four"), spool_error);
    try {
      commit_now(env, s, std::move(w), e);
      FAIL("commit succeeded");
    } catch (const spool_error& err) {
      CHECK(err.kind == f.kind);
    }
    CHECK(names_in(dir.path() / "incoming").empty());
    CHECK(names_in(dir.path() / "queue").empty());
  }
}

TEST_CASE("a failure writing the envelope or trailer fails the commit, nothing queued") {
  for (int ok_writes : {1, 2}) {  // writes that succeed: the data, then the envelope; the next one fails
    CAPTURE(ok_writes);
    temp_dir dir;
    io_env env;
    std::atomic<int> left{ok_writes};
    spool_hooks hooks;
    hooks.fault = [&](spool_step step) { return step == spool_step::write && left-- <= 0 ? ENOSPC : 0; };
    spool s(dir.path(), env.worker.get_executor(), hooks);
    envelope e = make_envelope(make_id());
    message_writer w = s.begin(e.id);
    w.append("data");
    try {
      commit_now(env, s, std::move(w), e);
      FAIL("commit succeeded");
    } catch (const spool_error& err) {
      CHECK(err.kind == spool_error::no_space);
    }
    CHECK(names_in(dir.path() / "incoming").empty());
    CHECK(names_in(dir.path() / "queue").empty());
  }
}

TEST_CASE("open and rename failures") {
  temp_dir dir;
  io_env env;
  std::atomic<int> fail_open{0}, fail_rename{0};
  spool_hooks hooks;
  hooks.fault = [&](spool_step step) {
    if (step == spool_step::open) return fail_open.load();
    if (step == spool_step::rename) return fail_rename.load();
    return 0;
  };
  spool s(dir.path(), env.worker.get_executor(), hooks);

  fail_open = ENOSPC;
  try {
    (void)s.begin(make_id());
    FAIL("begin succeeded");
  } catch (const spool_error& err) {
    CHECK(err.kind == spool_error::no_space);
  }
  fail_open = 0;

  fail_rename = EIO;
  envelope e = make_envelope(make_id());
  message_writer w = s.begin(e.id);
  w.append("x");
  try {
    commit_now(env, s, std::move(w), e);
    FAIL("commit succeeded");
  } catch (const spool_error& err) {
    CHECK(err.kind == spool_error::io);
  }
  CHECK(names_in(dir.path() / "incoming").empty());
  CHECK(names_in(dir.path() / "queue").empty());
}

}  // namespace mfrelay::relay::test
