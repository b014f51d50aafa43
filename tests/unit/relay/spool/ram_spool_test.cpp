// ram_spool: the in-memory message_store other modules test against.
#include <doctest/doctest.h>

#include "relay/spool/ram_spool.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

TEST_CASE("ram_spool keeps what was committed, in received order") {
  io_env env;
  ram_spool store;
  message_store& s = store;
  envelope late = make_envelope(make_id(), 2000);
  envelope early = make_envelope(make_id(), 1000);
  store_message(env, s, late, std::string("la\0te", 5), {2});
  store_message(env, s, early, "early");
  CHECK(s.read_data(late.id) == std::string("la\0te", 5));
  CHECK(store.find(early.id) == early);
  CHECK(s.recover() == std::vector<envelope>{early, late});
  auto stats = s.stats(policy::timestamp(policy::duration(5000)));
  CHECK(stats.depth == 2);
  CHECK(stats.oldest_age == policy::duration(4000));
  s.remove(early.id);
  CHECK_FALSE(s.read_data(early.id));
  CHECK(s.stats(policy::timestamp{}).depth == 1);
}

TEST_CASE("ram_spool: uncommitted messages vanish; injected failures have their kind") {
  io_env env;
  ram_spool s;
  {
    message_writer w = s.begin(make_id());
    w.append("dropped");
  }
  CHECK(s.recover().empty());

  s.fail_with(spool_error::no_space);
  envelope e = make_envelope(make_id());
  message_writer w = s.begin(e.id);
  try {
    w.append("x");
    FAIL("append succeeded");
  } catch (const spool_error& err) {
    CHECK(err.kind == spool_error::no_space);
  }
  s.fail_with(spool_error::io);
  try {
    commit_now(env, s, std::move(w), e);
    FAIL("commit succeeded");
  } catch (const spool_error& err) {
    CHECK(err.kind == spool_error::io);
  }
  CHECK(s.recover().empty());
  s.fail_with(std::nullopt);
  store_message(env, s, e, "ok");
  CHECK(s.read_data(e.id) == "ok");
  CHECK_THROWS_AS(s.begin("nope"), std::invalid_argument);
}

}  // namespace mfrelay::relay::test
