// Test helper for unit_relay_feedback: reads a sample message of samples/ (or
// any file) byte for byte, and gives its CRLF form, as the spool stores it.
#pragma once
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace mfrelay::relay::test {

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string sample(const std::string& name) {
  return read_bytes(std::filesystem::path(MFRELAY_FEEDBACK_SAMPLES) / name);
}

// Every bare LF becomes CRLF.
inline std::string with_crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

}  // namespace mfrelay::relay::test
