// libFuzzer harness for the AUTH decoder: relay/auth/base64 (strict decoding,
// passlib's ab64) and relay/smtp/auth_exchange (PLAIN, LOGIN), fed the way
// session_machine feeds them: a mechanism, an optional initial response, then
// response lines. Checks that what comes out is what the bytes say, by a
// second, plain reading of the same bytes.
//
// Input: lines separated by LF. Line 1: "MECHANISM" or "MECHANISM RESPONSE";
// the rest: one response line each. Every line is also fed to the decoders alone.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "relay/auth/base64.hpp"
#include "relay/smtp/auth_exchange.hpp"

namespace {

using mfrelay::relay::base64_decode;
using mfrelay::relay::base64_encode;
using mfrelay::relay::smtp::auth_exchange;
using mfrelay::relay::smtp::auth_step;

int digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 4648 4, bit by bit: the alphabet, '=' only as the last one or two of
// the last quartet, length a multiple of 4.
std::optional<std::string> reference_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string out;
  std::uint32_t bits = 0;
  int nbits = 0;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    int d = digit(text[i]);
    if (d < 0) return std::nullopt;
    bits = bits << 6 | static_cast<std::uint32_t>(d);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out += static_cast<char>(bits >> nbits & 0xff);
    }
  }
  return out;
}

void check_base64(std::string_view text) {
  const std::optional<std::string> decoded = base64_decode(text);
  const std::optional<std::string> expected = reference_decode(text);
  FUZZ_CHECK_MSG(decoded.has_value() == expected.has_value(), text);
  if (decoded) FUZZ_CHECK_MSG(*decoded == *expected, text);
  // Encoding is total and decoding undoes it.
  const std::string encoded = base64_encode(text);
  FUZZ_CHECK(encoded.size() == (text.size() + 2) / 3 * 4);
  const std::optional<std::string> round = base64_decode(encoded);
  FUZZ_CHECK_MSG(round && *round == text, text);
  const std::optional<std::string> ab64_round = mfrelay::relay::ab64_decode(mfrelay::relay::ab64_encode(text));
  FUZZ_CHECK_MSG(ab64_round && *ab64_round == text, text);
  (void)mfrelay::relay::ab64_decode(text);
}

// What a response means, read independently: "*" cancels, "=" is empty, the rest base64.
std::optional<std::string> meaning(std::string_view response, bool& cancelled) {
  cancelled = response == "*";
  if (cancelled) return std::nullopt;
  if (response == "=") return std::string();
  return reference_decode(response);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The expected outcome of a complete PLAIN message (RFC 4616): exactly two NULs,
// non-empty authcid and password, authzid empty or the authcid.
auth_step expected_plain(const std::string& message) {
  auth_step s;
  s.what = auth_step::kind::refused;
  std::vector<std::string> parts{""};
  for (char c : message) {
    if (c == '\0') parts.emplace_back();
    else parts.back() += c;
  }
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty() || (!parts[0].empty() && parts[0] != parts[1])) return s;
  s.what = auth_step::kind::credentials;
  s.credentials = {parts[1], parts[2]};
  return s;
}

void check_step(const auth_step& got, const auth_step& want, std::string_view input) {
  FUZZ_CHECK_MSG(got.what == want.what, input);
  if (got.what == auth_step::kind::challenge) FUZZ_CHECK_MSG(got.challenge == want.challenge, input);
  if (got.what == auth_step::kind::credentials) {
    FUZZ_CHECK_MSG(got.credentials.user == want.credentials.user, input);
    FUZZ_CHECK_MSG(got.credentials.password == want.credentials.password, input);
    FUZZ_CHECK(!got.credentials.user.empty() && !got.credentials.password.empty());
    FUZZ_CHECK(got.credentials.user.find('\0') == std::string::npos);
    FUZZ_CHECK(got.credentials.password.find('\0') == std::string::npos);
  }
}

auth_step make(auth_step::kind k, std::string challenge = {}) {
  auth_step s;
  s.what = k;
  s.challenge = std::move(challenge);
  return s;
}

// A model of the exchange, one response at a time.
struct model {
  enum class stage { idle, plain, login_user, login_password } at = stage::idle;
  std::string user;

  auth_step respond(std::string_view response) {
    const stage was = at;
    at = stage::idle;
    if (was == stage::idle) return make(auth_step::kind::refused);
    bool cancelled = false;
    std::optional<std::string> m = meaning(response, cancelled);
    if (cancelled) return make(auth_step::kind::cancelled);
    if (!m) return make(auth_step::kind::undecodable);
    switch (was) {
      case stage::plain:
        return expected_plain(*m);
      case stage::login_user:
        if (m->empty() || m->find('\0') != std::string::npos) return make(auth_step::kind::refused);
        user = *m;
        at = stage::login_password;
        return make(auth_step::kind::challenge, "UGFzc3dvcmQ6");
      case stage::login_password: {
        if (m->empty() || m->find('\0') != std::string::npos) return make(auth_step::kind::refused);
        auth_step s = make(auth_step::kind::credentials);
        s.credentials = {user, *m};
        return s;
      }
      case stage::idle:
        break;
    }
    return make(auth_step::kind::refused);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  std::vector<std::string_view> lines;
  for (std::string_view rest = input;;) {
    std::size_t lf = rest.find('\n');
    lines.push_back(rest.substr(0, lf));
    if (lf == std::string_view::npos) break;
    rest.remove_prefix(lf + 1);
  }
  for (std::string_view line : lines) check_base64(line);

  // The AUTH command as session_machine splits it.
  std::string_view first = lines[0];
  std::size_t blank = first.find_first_of(" \t");
  std::string_view mechanism = first.substr(0, blank);
  std::optional<std::string_view> initial;
  if (blank != std::string_view::npos) {
    std::size_t start = first.find_first_not_of(" \t", blank);
    initial = start == std::string_view::npos ? std::string_view{} : first.substr(start);
  }

  auth_exchange exchange;
  model m;
  std::optional<auth_step> step = exchange.start(mechanism, initial);
  const bool plain = iequals(mechanism, "PLAIN");
  const bool login = iequals(mechanism, "LOGIN");
  FUZZ_CHECK(step.has_value() == (plain || login));
  if (!step) {
    FUZZ_CHECK(!exchange.active());
    return 0;
  }
  m.at = plain ? model::stage::plain : model::stage::login_user;
  const auth_step want = initial ? m.respond(*initial)
                                 : make(auth_step::kind::challenge, plain ? "" : "VXNlcm5hbWU6");
  check_step(*step, want, input);
  FUZZ_CHECK(exchange.active() == (step->what == auth_step::kind::challenge));

  for (std::size_t i = 1; i < lines.size(); ++i) {
    // After a final step the session is back in the command phase; a later
    // respond() must refuse rather than act on stale state.
    const auth_step got = exchange.respond(lines[i]);
    check_step(got, m.respond(lines[i]), input);
    FUZZ_CHECK(exchange.active() == (got.what == auth_step::kind::challenge));
  }
  return 0;
}
