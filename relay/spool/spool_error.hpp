// The one error type the spool throws for environment trouble, reduced to what
// the SMTP reply needs: no space (452 4.3.1) or any other I/O failure (451 4.3.0).
// Any thread. No untrusted input.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace mfrelay::relay {

struct spool_error : std::runtime_error {
  enum kind { no_space, io } kind;

  spool_error(enum kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

// ENOSPC and EDQUOT are no_space; every other errno is io. `what` names the
// operation and the file; the strerror text is appended.
spool_error spool_error_from_errno(int error, std::string_view what);

std::string_view to_string(enum spool_error::kind k);

}  // namespace mfrelay::relay
