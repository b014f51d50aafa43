#include "relay/common/idna.hpp"

#include <idn2.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "policy/ascii.hpp"

namespace mfrelay::relay {

policy::idna_result idna_to_ascii(std::string_view utf8_domain) {
  // libidn2 wants a NUL-terminated string: one with a NUL inside is no domain.
  if (utf8_domain.find('\0') != std::string_view::npos) return {{}, "it holds a NUL character"};
  std::string input(utf8_domain);
  char* output = nullptr;
  // NONTRANSITIONAL: UTS #46 mapping (upper case to lower, NFC) without the
  // transitional ß -> ss folding, as browsers and current MTAs do.
  int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  std::unique_ptr<char, decltype(&idn2_free)> owned(output, &idn2_free);
  if (rc != IDN2_OK || !output) return {{}, idn2_strerror(rc)};
  return {policy::ascii_lowered(output), {}};
}

}  // namespace mfrelay::relay
