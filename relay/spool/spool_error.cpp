#include "relay/spool/spool_error.hpp"

#include <cerrno>
#include <cstring>

namespace mfrelay::relay {

spool_error spool_error_from_errno(int error, std::string_view what) {
  enum spool_error::kind k = (error == ENOSPC || error == EDQUOT) ? spool_error::no_space : spool_error::io;
  std::string text(what);
  text += ": ";
  text += std::strerror(error);
  return spool_error(k, text);
}

std::string_view to_string(enum spool_error::kind k) {
  switch (k) {
    case spool_error::no_space:
      return "no_space";
    case spool_error::io:
      return "io";
  }
  return "io";
}

}  // namespace mfrelay::relay
