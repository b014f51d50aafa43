// A refusal an admin API handler raises: HTTP status, the protocol's error code, the message.
// Plain value, any thread; each API renders it in its own protocol.
// The message may quote client input (the renderers escape it).
#pragma once
#include <stdexcept>
#include <string>

namespace mfrelay::relay {

struct api_error : std::runtime_error {
  api_error(int status_code, std::string error_code, const std::string& message)
      : std::runtime_error(message), status(status_code), code(std::move(error_code)) {}
  int status;
  std::string code;
};

}  // namespace mfrelay::relay
