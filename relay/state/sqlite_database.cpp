#include "relay/state/sqlite_database.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace mfrelay::relay {

sqlite3* open_store_database(const std::string& path, std::string_view owner, const char* schema) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);  // even a failed open hands back a handle to close
    throw std::runtime_error(std::string(owner) + " " + path + ": cannot open: " + why);
  }
  try {
    sqlite3_busy_timeout(db, 5000);
    exec_sql(db, "PRAGMA journal_mode=WAL", owner, path);
    exec_sql(db, "PRAGMA synchronous=FULL", owner, path);
    exec_sql(db, schema, owner, path);
  } catch (...) {
    sqlite3_close_v2(db);
    throw;
  }
  return db;
}

void exec_sql(sqlite3* db, const char* sql, std::string_view owner, const std::string& path) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error(std::string(owner) + " " + path + ": " + text);
  }
}

}  // namespace mfrelay::relay
