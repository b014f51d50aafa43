// Opening a store's own connection to state.db, and running plain SQL on it,
// for the stores of this folder (suppression_store, send_counters_store): the
// same WAL settings for each, and errors naming the store and the file.
// Blocking, on the caller's thread. The SQL is ours; no untrusted input.
#pragma once
#include <string>
#include <string_view>

struct sqlite3;

namespace mfrelay::relay {

// Opens `path` read-write (created when missing; the connection serialized, so
// any thread may use it) with WAL, synchronous=FULL and a 5 s busy timeout,
// then runs `schema`. On failure closes what it opened and throws
// std::runtime_error "<owner> <path>: ...". The caller closes the handle.
sqlite3* open_store_database(const std::string& path, std::string_view owner, const char* schema);

// sqlite3_exec; throws std::runtime_error "<owner> <path>: <SQLite's message>".
void exec_sql(sqlite3* db, const char* sql, std::string_view owner, const std::string& path);

}  // namespace mfrelay::relay
