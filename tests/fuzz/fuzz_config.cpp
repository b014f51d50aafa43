// libFuzzer harness for the configuration loader (relay/config/): policy.d
// text through load_policy_text, and the main file through load_config on a
// file in a private temporary folder (with a policy.d/ beside it), so the
// whole path a real `mfrelay check` takes is covered, validate_config included.
// Policy text also checks toml_text_supported (the guard in front of toml++)
// against toml++ itself: what toml++ writes back out of a document it read
// must never be refused.
//
// Input: [mode] text...
//   mode bit 0 clear: text is one policy.d file.
//   mode bit 0 set:   text is the main file up to the first NUL, then a
//                     policy.d/fuzz.toml (NUL is never valid TOML, so the split
//                     loses nothing).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "fuzz_check.hpp"
#include "policy/config.hpp"
#include "policy/identity.hpp"
#include "relay/config/config_loader.hpp"
#include "relay/config/toml_section.hpp"
#include "relay/config/toml_text_guard.hpp"

namespace {

namespace fs = std::filesystem;
using mfrelay::policy::config_error;

// One folder per fuzzing process, removed at exit.
struct scratch_folder {
  fs::path path;
  scratch_folder() {
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string pattern = (base / "mfrelay-fuzz-config-XXXXXX").string();
    if (!mkdtemp(pattern.data())) std::abort();
    path = pattern;
    fs::create_directory(path / "policy.d");
  }
  ~scratch_folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  FUZZ_CHECK(out.good());
}

void check_errors(const std::vector<config_error>& errors) {
  for (const config_error& e : errors) {
    FUZZ_CHECK(!e.where.file.empty());
    FUZZ_CHECK(!e.message.empty());
    (void)to_string(e);
  }
}

// Whatever was added passed parse_identity_name, and is found again under its name.
void check_identities(const mfrelay::policy::identity_table& identities) {
  for (const auto& id : identities.all()) {
    auto parsed = mfrelay::policy::parse_identity_name(id.name);
    FUZZ_CHECK_MSG(parsed.value.has_value() && parsed.value->name == id.name, id.name);
    FUZZ_CHECK(identities.find(id.name) == &id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(bytes) + 1, size - 1);

  if ((bytes[0] & 1) == 0) {
    mfrelay::policy::identity_table identities;
    std::vector<config_error> errors;
    mfrelay::relay::load_policy_text(text, "policy.d/fuzz.toml", identities, errors);
    check_errors(errors);
    check_identities(identities);
    check_errors(mfrelay::policy::validate_identities(identities));

    // toml_text_supported must never refuse valid TOML it could be given: what
    // toml++ writes back out of a document it read must pass again.
    std::vector<config_error> refusal;
    if (mfrelay::relay::toml_text_supported(text, "t.toml", refusal)) {
      toml::parse_result parsed = toml::parse(text, std::string_view("t.toml"));
      if (parsed) {
        std::ostringstream written;
        written << toml::toml_formatter(parsed.table());
        const std::string again = written.str();
        // toml++'s writer is not always right (a literal string holding three
        // quotes comes out between triple quotes), so only valid output is held
        // to this; an ASCII-only copy has the same structure and is safe to parse.
        std::string ascii = again;
        for (char& c : ascii) {
          if (static_cast<unsigned char>(c) >= 0x80) c = 'x';
        }
        std::vector<config_error> second;
        if (toml::parse(std::string_view(ascii), std::string_view("t.toml"))) {
          FUZZ_CHECK_MSG(mfrelay::relay::toml_text_supported(again, "t.toml", second), again);
        }
      }
    } else {
      FUZZ_CHECK(refusal.size() == 1);
    }
    return 0;
  }

  static scratch_folder scratch;
  const std::size_t nul = text.find('\0');
  write_file(scratch.path / "mfrelay.toml", text.substr(0, nul));
  write_file(scratch.path / "policy.d" / "fuzz.toml", nul == std::string_view::npos ? "" : text.substr(nul + 1));
  mfrelay::relay::config_load_result result = mfrelay::relay::load_config(scratch.path / "mfrelay.toml");
  check_errors(result.errors);
  check_identities(result.config.identities);
  if (result.ok()) {
    // A loaded configuration passes the cross-entry rules, and its paths are absolute.
    FUZZ_CHECK(mfrelay::policy::validate_config(result.config).empty());
    FUZZ_CHECK(fs::path(result.config.relay.policy_dir).is_absolute());
    for (const auto& l : result.config.listeners) FUZZ_CHECK(!l.name.empty());
    (void)result.config.default_mail_from_domain();
    (void)result.config.feedback_host();
  }
  return 0;
}
