// The fixed trailer line: format, strict parse, and the file check built on it.
#include <doctest/doctest.h>

#include "relay/spool/envelope_json.hpp"
#include "relay/spool/spool_file.hpp"
#include "relay/common/unique_fd.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

namespace {

spool_trailer sample_trailer() {
  spool_trailer t;
  t.data_size = 41'943'040;
  t.envelope_size = 321;
  for (std::size_t i = 0; i < t.checksum.size(); ++i) t.checksum[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return t;
}

// data + envelope + trailer, as spool::commit writes them.
std::string build_file(std::string_view data, std::string_view envelope_text) {
  sha256 h;
  h.update(data);
  h.update(envelope_text);
  spool_trailer t;
  t.data_size = data.size();
  t.envelope_size = envelope_text.size();
  t.checksum = h.finish();
  return std::string(data) + std::string(envelope_text) + format_trailer(t);
}

spool_file_check check_bytes(const fs::path& p, std::string_view bytes, std::string_view id, std::string* data) {
  write_file(p, bytes);
  unique_fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  return check_spool_file(fd.get(), id, data);
}

}  // namespace

TEST_CASE("trailer has a fixed size and parses back") {
  spool_trailer t = sample_trailer();
  std::string line = format_trailer(t);
  CHECK(line.size() == spool_trailer_size);
  CHECK(line.starts_with("mfrelay-spool 1 00000000000041943040 0000000321 "));
  CHECK(line.back() == '\n');
  auto back = parse_trailer(line);
  REQUIRE(back);
  CHECK(back->data_size == t.data_size);
  CHECK(back->envelope_size == t.envelope_size);
  CHECK(back->checksum == t.checksum);
}

TEST_CASE("trailer parse rejects every malformation") {
  std::string good = format_trailer(sample_trailer());
  auto with = [&](std::size_t pos, char c) {
    std::string s = good;
    s[pos] = c;
    return s;
  };
  CHECK_FALSE(parse_trailer(good.substr(1)));                  // short
  CHECK_FALSE(parse_trailer(good + "\n"));                     // long
  CHECK_FALSE(parse_trailer(with(0, 'M')));                    // magic
  CHECK_FALSE(parse_trailer(with(14, '2')));                   // version
  CHECK_FALSE(parse_trailer(with(20, 'x')));                   // data length digit
  CHECK_FALSE(parse_trailer(with(20, '+')));                   // data length sign
  CHECK_FALSE(parse_trailer(with(36, '0')));                   // separator gone
  CHECK_FALSE(parse_trailer(with(40, '-')));                   // envelope length
  CHECK_FALSE(parse_trailer(with(50, 'A')));                   // uppercase hex
  CHECK_FALSE(parse_trailer(with(50, 'g')));                   // not hex
  CHECK_FALSE(parse_trailer(with(spool_trailer_size - 1, ' ')));  // no newline
  CHECK(parse_trailer(good));
}

TEST_CASE("check_spool_file accepts a whole file and names each kind of damage") {
  temp_dir dir;
  fs::path p = dir.path() / "f";
  std::string id = make_id();
  std::string data = binary_bytes(10'000);
  std::string env_text = envelope_to_json(make_envelope(id));
  std::string file = build_file(data, env_text);

  std::string out;
  auto ok = check_bytes(p, file, id, &out);
  CHECK(ok.status == spool_file_check::valid);
  CHECK(ok.env == make_envelope(id));
  CHECK(out == data);

  struct damage {
    const char* name;
    std::string bytes;
    std::string reason_part;
  };
  std::string flipped_data = file;
  flipped_data[5000] = static_cast<char>(flipped_data[5000] ^ 0x01);
  std::string flipped_env = file;
  flipped_env[data.size() + 3] = static_cast<char>(flipped_env[data.size() + 3] ^ 0x20);
  std::string flipped_sum = file;
  flipped_sum[file.size() - 2] = flipped_sum[file.size() - 2] == '0' ? '1' : '0';
  std::string longer = file.substr(0, data.size()) + "X" + file.substr(data.size());

  std::vector<damage> cases = {
      {"empty", "", "truncated"},
      {"shorter than a trailer", file.substr(0, 50), "truncated"},
      {"cut in the data", file.substr(0, 5000), "trailer"},
      {"cut in the trailer", file.substr(0, file.size() - 1), "trailer"},
      {"flipped data byte", flipped_data, "checksum"},
      {"flipped envelope byte", flipped_env, "checksum"},
      {"flipped checksum", flipped_sum, "checksum"},
      {"a byte inserted", longer, "lengths"},
      {"garbage", binary_bytes(5000, 9), "trailer"},
      {"bad JSON with a good checksum", build_file(data, "{not json}\n"), "envelope"},
      {"another message's envelope", build_file(data, envelope_to_json(make_envelope(make_id()))), "does not match"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::string unused = "untouched";
    auto r = check_bytes(p, c.bytes, id, &unused);
    CHECK(r.status == spool_file_check::damaged);
    CHECK(r.reason.find(c.reason_part) != std::string::npos);
    CHECK(unused == "untouched");
  }
}

}  // namespace mfrelay::relay::test
