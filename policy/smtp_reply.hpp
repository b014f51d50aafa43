// An SMTP reply as policy decides it: code, RFC 3463 enhanced status, text.
// The relay renders it (with or without the enhanced code). Any thread.
#pragma once
#include <string>

namespace mfrelay::policy {

struct smtp_reply {
  int code = 0;          // 250, 554, ...
  std::string enhanced;  // "5.7.1"; empty when none applies
  std::string text;

  friend bool operator==(const smtp_reply&, const smtp_reply&) = default;
};

}  // namespace mfrelay::policy
