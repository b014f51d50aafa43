// Where a setting came from (file, line, column), so every configuration error
// can be reported as `path:line:col: message`. Any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mfrelay::policy {

// A file name that many origins share: every identity of a policy file names
// it twice (the table, its MAIL FROM key), and a copy per origin took 12 MB at
// 10^5 identities. Copies share one string. (Defined out of line: GCC 12 warns
// falsely of a maybe-uninitialized shared_ptr in brace-initialized temporaries
// when it inlines them.) Any thread.
class source_file {
 public:
  source_file() noexcept;
  source_file(std::string_view name);
  explicit source_file(std::shared_ptr<const std::string> name) noexcept;  // shared as it is
  source_file(const std::string& name) : source_file(std::string_view(name)) {}
  source_file(const char* name) : source_file(std::string_view(name)) {}
  source_file(const source_file& other) noexcept;
  source_file(source_file&& other) noexcept;
  source_file& operator=(const source_file& other) noexcept;
  source_file& operator=(source_file&& other) noexcept;
  ~source_file();

  const std::string& str() const;
  operator const std::string&() const { return str(); }
  bool empty() const { return str().empty(); }
  friend bool operator==(const source_file& a, std::string_view b) { return a.str() == b; }

 private:
  std::shared_ptr<const std::string> name_;
};

struct origin {
  source_file file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// "file:line:col"; just the file when the position is unknown.
std::string to_string(const origin& where);

struct config_error {
  origin where;
  std::string message;
};

// "file:line:col: message"
std::string to_string(const config_error& error);

}  // namespace mfrelay::policy
