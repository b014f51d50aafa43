#include "relay/state/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <stdexcept>

namespace mfrelay::relay {

std::string pg_redacted(const std::string& url) {
  std::string out = url;
  // URI form: scheme://user:password@host...
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    auto at = out.find('@', scheme + 3);
    auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at)
      out.replace(colon + 1, at - colon - 1, "***");
  }
  // key=value form, and a password given as a URI query parameter.
  for (const char* key : {"password=", "password ="}) {
    std::size_t at = 0;
    while ((at = out.find(key, at)) != std::string::npos) {
      std::size_t start = at + std::char_traits<char>::length(key);
      while (start < out.size() && out[start] == ' ') ++start;
      std::size_t end = start;
      if (end < out.size() && out[end] == '\'') {
        end = out.find('\'', end + 1);
        end = end == std::string::npos ? out.size() : end + 1;
      } else {
        while (end < out.size() && out[end] != ' ' && out[end] != '&') ++end;
      }
      out.replace(start, end - start, "***");
      at = start + 3;
    }
  }
  return out;
}

struct pg_connection::state {
  std::string url;
  std::chrono::milliseconds max_backoff;
  PGconn* conn = nullptr;
  std::chrono::milliseconds backoff{0};
  std::chrono::steady_clock::time_point next_try{};
  std::string last_error;

  void drop() {
    if (conn) PQfinish(conn);
    conn = nullptr;
  }
  void failed(std::string why) {
    drop();
    last_error = std::move(why);
    backoff = std::clamp(backoff * 2, std::chrono::milliseconds(100), max_backoff);
    next_try = std::chrono::steady_clock::now() + backoff;
  }
};

pg_connection::pg_connection(std::string url, std::chrono::milliseconds max_backoff)
    : s_(std::make_unique<state>()) {
  s_->url = std::move(url);
  s_->max_backoff = max_backoff;
}

pg_connection::~pg_connection() { s_->drop(); }

bool pg_connection::connected() const { return s_->conn && PQstatus(s_->conn) == CONNECTION_OK; }

void pg_connection::reset() { s_->drop(); }

bool pg_connection::ensure() {
  if (connected()) return true;
  s_->drop();
  if (std::chrono::steady_clock::now() < s_->next_try) return false;
  // connect_timeout bounds a dead host; the URL comes last, so its own settings win.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"3", "mfrelay", s_->url.c_str(), nullptr};
  s_->conn = PQconnectdbParams(keys, values, 1);
  if (!s_->conn || PQstatus(s_->conn) != CONNECTION_OK) {
    std::string why = s_->conn ? PQerrorMessage(s_->conn) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    s_->failed(why);
    return false;
  }
  PQsetNoticeProcessor(s_->conn, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
  s_->backoff = std::chrono::milliseconds(0);
  s_->last_error.clear();
  return true;
}

pg_result pg_connection::exec(const std::string& sql, const std::vector<pg_value>& params) {
  if (!ensure()) throw std::runtime_error("PostgreSQL store " + pg_redacted(s_->url) + ": not connected: " + s_->last_error);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  // Without parameters, PQexec: it takes several statements (a migration).
  PGresult* r = params.empty() ? PQexec(s_->conn, sql.c_str())
                               : PQexecParams(s_->conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                              values.data(), nullptr, nullptr, 0);
  ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string why = r ? PQresultErrorMessage(r) : PQerrorMessage(s_->conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQclear(r);
    if (PQstatus(s_->conn) != CONNECTION_OK) s_->failed(why);
    throw std::runtime_error("PostgreSQL store: " + why);
  }
  pg_result out;
  const int rows = PQntuples(r), columns = PQnfields(r);
  out.rows.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg_row row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r, i, c)) row.emplace_back(std::nullopt);
      else row.emplace_back(std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c))));
    }
    out.rows.push_back(std::move(row));
  }
  const char* affected = PQcmdTuples(r);
  if (affected && *affected) out.affected = std::stoull(affected);
  PQclear(r);
  return out;
}

int pg_connection::socket() const { return connected() ? PQsocket(s_->conn) : -1; }

std::vector<pg_notification> pg_connection::notifications() {
  std::vector<pg_notification> out;
  if (!connected()) return out;
  if (PQconsumeInput(s_->conn) == 0 || PQstatus(s_->conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(s_->conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    s_->failed(why);
    return out;
  }
  while (PGnotify* n = PQnotifies(s_->conn)) {
    out.push_back({n->relname ? n->relname : "", n->extra ? n->extra : ""});
    PQfreemem(n);
  }
  return out;
}

void pg_connection::transaction(const std::function<void()>& body) {
  exec("BEGIN");
  try {
    body();
    exec("COMMIT");
  } catch (...) {
    if (connected()) {
      PGresult* r = PQexec(s_->conn, "ROLLBACK");
      PQclear(r);
    }
    throw;
  }
}

}  // namespace mfrelay::relay
