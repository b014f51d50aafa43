// Replays, in the normal ctest run, every sample message and every input the
// libFuzzer harness (tests/fuzz/fuzz_feedback_report.cpp) keeps in its corpus
// (regression-* files are the crashes it found): each must parse, with LF and
// CRLF line ends, within the limits the parser promises. CI needs no clang.
#include "relay/feedback/feedback_report.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "sample_file.hpp"

namespace mfrelay::relay {
namespace {

void check_bounded(const feedback_report& r, const feedback_limits& limits) {
  CHECK(r.bounce.recipients.size() <= limits.max_recipients);
  CHECK(r.complaint.complained_recipients.size() <= limits.max_recipients);
  for (const bounced_recipient& b : r.bounce.recipients) {
    CHECK(b.email_address.size() <= limits.max_value_bytes);
    CHECK(b.diagnostic_code.size() <= limits.max_value_bytes);
    CHECK(b.remote_mta.size() <= limits.max_value_bytes);
  }
  for (const std::string& c : r.complaint.complained_recipients) CHECK(c.size() <= limits.max_value_bytes);
  CHECK(r.original.message_id.size() <= limits.max_value_bytes);
  if (r.kind == feedback_kind::unrecognised || r.kind == feedback_kind::not_a_bounce) CHECK_FALSE(r.reason.empty());
}

// The harness's second set of limits: small enough that every sample hits them.
feedback_limits tiny_limits() {
  feedback_limits tiny;
  tiny.max_input_bytes = 512;
  tiny.max_recipients = 2;
  tiny.max_depth = 2;
  tiny.max_value_bytes = 16;
  return tiny;
}

// Found by fuzz_feedback_report in its first minute: a plain-text bounce's
// recipient address was kept whole, past max_value_bytes.
TEST_CASE("fuzz: a plain-text bounce's recipient address is cut at max_value_bytes") {
  feedback_limits tiny = tiny_limits();
  tiny.max_input_bytes = 1 << 20;
  feedback_report r = parse_feedback_report(test::sample("qmail-plain.eml"), tiny);
  REQUIRE(r.kind == feedback_kind::bounce);
  REQUIRE_FALSE(r.bounce.recipients.empty());
  CHECK(r.bounce.recipients[0].email_address == "nouser@example.c");
}

TEST_CASE("every sample and fuzz corpus file parses within limits") {
  feedback_limits limits;
  feedback_limits tiny = tiny_limits();
  std::size_t files = 0;
  for (const char* folder : {MFRELAY_FEEDBACK_SAMPLES, MFRELAY_FEEDBACK_CORPUS}) {
    if (!std::filesystem::is_directory(folder)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      CAPTURE(entry.path().string());
      std::string text = test::read_bytes(entry.path());
      check_bounded(parse_feedback_report(text, limits), limits);
      check_bounded(parse_feedback_report(test::with_crlf(text), limits), limits);
      check_bounded(parse_feedback_report(text, tiny), tiny);
      ++files;
    }
  }
  CHECK(files >= 13);
}

}  // namespace
}  // namespace mfrelay::relay
