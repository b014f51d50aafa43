// One prepared SQLite statement, finalised with its owner: binds, steps, reads
// columns, and throws std::runtime_error with SQLite's message on failure. Used by
// the stores of this folder on their own connection's thread. Values bound are
// the caller's; text read back comes from our own database.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace mfrelay::relay {

class sqlite_statement {
 public:
  // How bound text lives: `copied` (SQLite keeps its own copy, the safe default)
  // or `borrowed` (not copied: the text must stay alive until the statement has
  // stepped, run() or the last step(); for statements kept on a hot path).
  enum class text_binding { copied, borrowed };

  sqlite_statement(sqlite3* db, const char* sql, text_binding binding = text_binding::copied);
  ~sqlite_statement();
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;

  sqlite_statement& bind(int index, std::string_view text);
  sqlite_statement& bind(int index, std::int64_t value);
  sqlite_statement& bind_null(int index);
  // True while there is a row. On failure the statement is reset (ready for its
  // next use) before the exception.
  bool step();
  // Steps once, then resets and clears the bindings: for a kept statement.
  void run();
  std::string text(int column) const;
  bool is_null(int column) const;
  std::int64_t integer(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  text_binding binding_;
};

}  // namespace mfrelay::relay
