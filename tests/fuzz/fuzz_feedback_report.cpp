// libFuzzer harness for the feedback parsers (relay/feedback/): any bytes as
// the message that reached the feedback address, through parse_feedback_report
// with the default limits and with tiny ones, plus the MIME pieces alone. Checks
// what the parser promises: results within the limits, a reason whenever it
// recognised nothing, bounce classes only on bounces, and that CRLF and LF
// line ends read the same report.
//
// Input: the message, as is. The seeds are the unit tests' sample messages
// (tests/unit/relay/feedback/samples/) and tests/fuzz/corpus/feedback_report/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "relay/feedback/bounce_classifier.hpp"
#include "relay/feedback/feedback_report.hpp"
#include "relay/feedback/mime_entity.hpp"

namespace {

using namespace mfrelay::relay;

void check_report(const feedback_report& r, const feedback_limits& limits, std::string_view input) {
  FUZZ_CHECK_MSG(r.bounce.recipients.size() <= limits.max_recipients, input);
  FUZZ_CHECK_MSG(r.complaint.complained_recipients.size() <= limits.max_recipients, input);
  for (const bounced_recipient& b : r.bounce.recipients) {
    FUZZ_CHECK_MSG(b.email_address.size() <= limits.max_value_bytes, input);
    FUZZ_CHECK_MSG(b.diagnostic_code.size() <= limits.max_value_bytes, input);
    FUZZ_CHECK_MSG(b.remote_mta.size() <= limits.max_value_bytes, input);
    FUZZ_CHECK_MSG(b.status.size() <= 40, input);
    if (!r.bounce.standard) FUZZ_CHECK_MSG(b.classification == bounce_class{}, input);
  }
  for (const std::string& c : r.complaint.complained_recipients) FUZZ_CHECK_MSG(c.size() <= limits.max_value_bytes, input);
  FUZZ_CHECK_MSG(r.original.message_id.size() <= limits.max_value_bytes, input);
  if (r.kind == feedback_kind::unrecognised || r.kind == feedback_kind::not_a_bounce) {
    FUZZ_CHECK_MSG(!r.reason.empty(), input);
  }
  if (r.kind != feedback_kind::bounce && r.kind != feedback_kind::delay) {
    FUZZ_CHECK_MSG(r.bounce.recipients.empty(), input);
  }
  if (r.kind == feedback_kind::bounce && r.bounce.classification.type == bounce_type::undetermined) {
    FUZZ_CHECK_MSG(r.bounce.classification.subtype == bounce_subtype::undetermined, input);
  }
}

std::string with_crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  feedback_limits limits;
  feedback_report lf = parse_feedback_report(input, limits);
  check_report(lf, limits, input);

  // Line ends: a message without a bare CR reads the same with CRLF.
  if (input.find('\r') == std::string_view::npos && size < 64 * 1024) {
    std::string crlf = with_crlf(input);
    feedback_report other = parse_feedback_report(crlf, limits);
    check_report(other, limits, crlf);
    FUZZ_CHECK_MSG(other.kind == lf.kind, input);
    FUZZ_CHECK_MSG(other.bounce.recipients.size() == lf.bounce.recipients.size(), input);
    FUZZ_CHECK_MSG(other.complaint.complained_recipients == lf.complaint.complained_recipients, input);
  }

  feedback_limits tiny;
  tiny.max_input_bytes = 512;
  tiny.max_recipients = 2;
  tiny.max_depth = 2;
  tiny.max_value_bytes = 16;
  check_report(parse_feedback_report(input, tiny), tiny, input);

  // The pieces alone, on the same bytes.
  content_type ct = parse_content_type(input.substr(0, 4096));
  FUZZ_CHECK(!ct.type.empty() && !ct.subtype.empty());
  std::string b64 = decode_transfer(input, "base64");
  FUZZ_CHECK(b64.size() <= size / 4 * 3 + 3);
  FUZZ_CHECK(decode_transfer(input, "quoted-printable").size() <= size);
  for (std::string_view part : split_multipart(input, input.substr(0, input.find('\n') < 80 ? input.find('\n') : 0))) {
    FUZZ_CHECK(part.data() >= input.data() && part.data() + part.size() <= input.data() + input.size());
  }
  std::string status = find_enhanced_status(input);
  if (!status.empty()) FUZZ_CHECK(classify_bounce(status, "").type != bounce_type::undetermined || status[0] == '2');
  return 0;
}
