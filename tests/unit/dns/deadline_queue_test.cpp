// dns/deadline_queue: the verifier's single schedule, driven with simulated
// time points (no clock, no sleeps): order, ties, cancel and reschedule.
#include "dns/deadline_queue.hpp"

#include <doctest/doctest.h>

#include <random>
#include <map>
#include <vector>

namespace mfrelay::dns {
namespace {

using namespace std::chrono_literals;
using time_point = deadline_queue::time_point;
const time_point q0{std::chrono::hours(1000)};

std::vector<deadline_queue::key> drain(deadline_queue& q, time_point clock) {
  std::vector<deadline_queue::key> out;
  while (auto k = q.pop_due(clock)) out.push_back(*k);
  return out;
}

TEST_CASE("deadline_queue: keys come out in deadline order, only once due") {
  deadline_queue q;
  q.schedule(0, q0 + 30s);
  q.schedule(1, q0 + 10s);
  q.schedule(2, q0 + 20s);
  CHECK(q.next_due() == q0 + 10s);
  CHECK_FALSE(q.pop_due(q0 + 9s));
  CHECK(drain(q, q0 + 20s) == std::vector<deadline_queue::key>{1, 2});
  CHECK(q.size() == 1);
  CHECK(q.next_due() == q0 + 30s);
  CHECK(drain(q, q0 + 1h) == std::vector<deadline_queue::key>{0});
  CHECK(q.empty());
  CHECK_FALSE(q.next_due());
}

TEST_CASE("deadline_queue: keys due at the same instant come out in scheduling order") {
  deadline_queue q;
  for (deadline_queue::key k : {5u, 3u, 9u, 0u}) q.schedule(k, q0);
  CHECK(drain(q, q0) == std::vector<deadline_queue::key>{5, 3, 9, 0});
}

TEST_CASE("deadline_queue: cancel removes a key wherever it sits") {
  deadline_queue q;
  for (deadline_queue::key k = 0; k < 8; ++k) q.schedule(k, q0 + std::chrono::seconds(k));
  CHECK(q.cancel(0));  // the head
  CHECK(q.cancel(5));  // the middle
  CHECK(q.cancel(7));  // the last
  CHECK_FALSE(q.cancel(7));
  CHECK_FALSE(q.cancel(42));  // never scheduled
  CHECK_FALSE(q.contains(5));
  CHECK(q.contains(6));
  CHECK(drain(q, q0 + 1h) == std::vector<deadline_queue::key>{1, 2, 3, 4, 6});
}

TEST_CASE("deadline_queue: rescheduling moves a key, earlier or later, and keeps one entry") {
  deadline_queue q;
  q.schedule(0, q0 + 10s);
  q.schedule(1, q0 + 20s);
  q.schedule(2, q0 + 30s);
  q.schedule(2, q0 + 5s);   // earlier: now first
  q.schedule(0, q0 + 40s);  // later: now last
  CHECK(q.size() == 3);
  CHECK(q.next_due() == q0 + 5s);
  CHECK(drain(q, q0 + 20s) == std::vector<deadline_queue::key>{2, 1});
  CHECK_FALSE(q.pop_due(q0 + 39s));
  CHECK(drain(q, q0 + 40s) == std::vector<deadline_queue::key>{0});
}

TEST_CASE("deadline_queue: a popped or cancelled key can be scheduled again") {
  deadline_queue q;
  q.schedule(3, q0);
  CHECK(q.pop_due(q0) == 3u);
  q.schedule(3, q0 + 1s);
  CHECK(q.cancel(3));
  q.schedule(3, q0 + 2s);
  CHECK(drain(q, q0 + 2s) == std::vector<deadline_queue::key>{3});
}

TEST_CASE("deadline_queue: agrees with a sorted model under random schedule, cancel and pop") {
  // A simulated clock walks forward; every step schedules, reschedules,
  // cancels or pops at random, and the queue must match a std::map model.
  std::mt19937 rng(12345);
  deadline_queue q;
  std::map<std::pair<time_point, std::uint64_t>, deadline_queue::key> model;  // (due, order) -> key
  std::map<deadline_queue::key, std::pair<time_point, std::uint64_t>> of_key;
  std::uint64_t order = 0;
  time_point clock = q0;
  for (int step = 0; step < 20000; ++step) {
    const auto k = static_cast<deadline_queue::key>(rng() % 200);
    switch (rng() % 4) {
      case 0:
      case 1: {
        const time_point due = clock + std::chrono::milliseconds(rng() % 1000);
        if (auto old = of_key.find(k); old != of_key.end()) model.erase(old->second);
        of_key[k] = {due, order};
        model[{due, order++}] = k;
        q.schedule(k, due);
        break;
      }
      case 2: {
        auto old = of_key.find(k);
        CHECK(q.cancel(k) == (old != of_key.end()));
        if (old != of_key.end()) {
          model.erase(old->second);
          of_key.erase(old);
        }
        break;
      }
      default: {
        clock += std::chrono::milliseconds(rng() % 50);
        while (!model.empty() && model.begin()->first.first <= clock) {
          auto popped = q.pop_due(clock);
          REQUIRE(popped);
          CHECK(*popped == model.begin()->second);
          of_key.erase(model.begin()->second);
          model.erase(model.begin());
        }
        CHECK_FALSE(q.pop_due(clock));
      }
    }
    REQUIRE(q.size() == model.size());
  }
}

}  // namespace
}  // namespace mfrelay::dns
