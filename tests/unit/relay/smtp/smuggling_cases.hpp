// The smuggling inputs shared by the decoder test and the end-to-end session
// test: a message whose content holds a fake end of data and a second,
// smuggled transaction, then the real terminator and a trailing QUIT.
#pragma once
#include <string>
#include <vector>

namespace mfrelay::relay::smtp::test {

inline const std::string bare_reply =
    "554 5.6.0 Message rejected: bare CR or LF in the message; lines must end with CRLF\r\n";
inline const std::string nul_reply = "554 5.6.0 Message rejected: NUL octet in the message\r\n";

inline const std::string smuggled =
    "MAIL FROM:<x@evil.example>\r\nRCPT TO:<y@victim.example>\r\nDATA\r\n"
    "From: x@evil.example\r\n\r\nsmuggled\r\n";
inline const std::string trailer = "QUIT\r\n";

struct smuggling_case {
  std::string name;
  std::string fake_end;   // what a lenient server might take for the end of data
  std::string rejection;  // the reply in both modes
  std::string content() const {
    return "From: a@example.com\r\nSubject: t\r\n\r\nhello" + fake_end + smuggled + ".\r\n";
  }
};

inline std::vector<smuggling_case> smuggling_cases() {
  return {
      {"LF . LF", "\n.\n", bare_reply},
      {"LF . CRLF", "\n.\r\n", bare_reply},
      {"CR . LF", "\r.\n", bare_reply},
      {"CR . CRLF", "\r.\r\n", bare_reply},
      {"CRLF . CR CRLF", "\r\n.\r\r\n", bare_reply},
      {"CRLF NUL . CRLF", std::string("\r\n\0.\r\n", 6), nul_reply},
  };
}

}  // namespace mfrelay::relay::smtp::test
