// A refusal an admin API handler raises: HTTP status, the protocol's error code, the message.
// Plain value, any thread; each API renders it in its own protocol.
// The message may quote client input (the renderers escape it) and never names
// a file system path; `detail`, when set, is the full story for the log only.
#pragma once
#include <stdexcept>
#include <string>

namespace mfrelay::relay {

struct api_error : std::runtime_error {
  api_error(int status_code, std::string error_code, const std::string& message)
      : std::runtime_error(message), status(status_code), code(std::move(error_code)) {}
  int status;
  std::string code;
  std::string detail;  // for the server log, with the request id: may name files; never sent
};

}  // namespace mfrelay::relay
