#include "relay/state/sent_message_index.hpp"

#include "relay/state/sqlite_statement.hpp"

#include <sqlite3.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

// Its own table beside the verification store's (state.db); times are
// milliseconds since the Unix epoch, recipients one per line (an address never
// holds a line break).
constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS sent_message (
  message_id       TEXT PRIMARY KEY,
  identity         TEXT NOT NULL,
  mail_from_domain TEXT NOT NULL,
  source           TEXT NOT NULL,
  from_address     TEXT NOT NULL,
  recipients       TEXT NOT NULL,
  sent_ms          INTEGER NOT NULL,
  metadata         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sent_message_time ON sent_message (sent_ms);
)sql";

std::int64_t ms(policy::timestamp t) { return t.time_since_epoch().count(); }

}  // namespace

std::string join_lines(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += '\n';
    out += item;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

namespace {

void exec(sqlite3* db, const std::string& path, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "";
    sqlite3_free(message);
    throw std::runtime_error("sent-message index " + path + ": " + text);
  }
}

sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    throw std::runtime_error("sent-message index " + path + ": cannot open: " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

// The SQLite table: a writer connection and a reader connection to state.db.
class sqlite_sent_message_table final : public sent_message_table {
 public:
  explicit sqlite_sent_message_table(const std::string& path) : path_(path) {
    try {
      writer_db_ = open_db(path);
      exec(writer_db_, path, "PRAGMA journal_mode=WAL");
      // The index is a convenience for matching feedback, not a promise made to a
      // client: losing the last batch to a power cut only makes a late bounce for
      // those messages unmatched (550). Still durable across a process crash (WAL).
      exec(writer_db_, path, "PRAGMA synchronous=NORMAL");
      exec(writer_db_, path, schema);
      reader_db_ = open_db(path);
    } catch (...) {
      sqlite3_close_v2(writer_db_);
      sqlite3_close_v2(reader_db_);
      throw;
    }
  }
  ~sqlite_sent_message_table() override {
    sqlite3_close_v2(writer_db_);
    sqlite3_close_v2(reader_db_);
  }

  void write(const std::vector<sent_message>& batch) override {
    exec(writer_db_, path_, "BEGIN IMMEDIATE");
    try {
      sqlite_statement insert(writer_db_,
                              "INSERT OR REPLACE INTO sent_message (message_id, identity, mail_from_domain, source, "
                              "from_address, recipients, sent_ms, metadata) VALUES (?,?,?,?,?,?,?,?)");
      for (const auto& m : batch) {
        insert.bind(1, m.message_id)
            .bind(2, m.identity)
            .bind(3, m.mail_from_domain)
            .bind(4, m.source)
            .bind(5, m.from)
            .bind(6, join_lines(m.recipients))
            .bind(7, ms(m.sent_at))
            .bind(8, m.metadata)
            .run();
      }
      exec(writer_db_, path_, "COMMIT");
    } catch (...) {
      sqlite3_exec(writer_db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::size_t prune(policy::timestamp oldest) override {
    sqlite_statement(writer_db_, "DELETE FROM sent_message WHERE sent_ms < ?").bind(1, ms(oldest)).run();
    return static_cast<std::size_t>(sqlite3_changes(writer_db_));
  }

  std::optional<sent_message> find(const std::string& message_id, policy::timestamp oldest) override {
    sqlite_statement select(reader_db_,
                            "SELECT identity, mail_from_domain, source, from_address, recipients, sent_ms, metadata "
                            "FROM sent_message WHERE message_id = ? AND sent_ms >= ?");
    if (!select.bind(1, message_id).bind(2, ms(oldest)).step()) return std::nullopt;
    sent_message m;
    m.message_id = message_id;
    m.identity = select.text(0);
    m.mail_from_domain = select.text(1);
    m.source = select.text(2);
    m.from = select.text(3);
    m.recipients = split_lines(select.text(4));
    m.sent_at = policy::timestamp{policy::duration{select.integer(5)}};
    m.metadata = select.text(6);
    return m;
  }

 private:
  std::string path_;
  sqlite3* writer_db_ = nullptr;
  sqlite3* reader_db_ = nullptr;
};

}  // namespace

sent_message_index::sent_message_index(const std::string& path, sent_message_index_settings settings)
    : sent_message_index(std::make_unique<sqlite_sent_message_table>(path), std::move(settings)) {}

sent_message_index::sent_message_index(std::unique_ptr<sent_message_table> table,
                                       sent_message_index_settings settings)
    : settings_(std::move(settings)), table_(std::move(table)) {
  thread_ = std::thread([this] { run(); });
}

sent_message_index::~sent_message_index() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  try {
    flush();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
}

policy::timestamp sent_message_index::clock_now() const { return settings_.clock ? settings_.clock() : now(); }

void sent_message_index::remember(sent_message message) noexcept {
  bool full = false;
  try {
    std::lock_guard lock(queue_mutex_);
    if (queued_.size() >= std::max<std::size_t>(settings_.max_queued, 1)) {
      // The table has been unwritable for a long while: the oldest tenth's
      // feedback goes unmatched rather than memory growing without end (a
      // tenth at once, so the SMTP path does not shift the queue per message).
      const std::size_t gone = std::max<std::size_t>(queued_.size() / 10, 1);
      spdlog::error("sent-message index: {} messages waiting to be written; forgetting the oldest {}",
                    queued_.size(), gone);
      queued_.erase(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(gone));
      forgotten_ += gone;
    }
    queued_.push_back(std::move(message));
    full = queued_.size() >= settings_.max_batch;
  } catch (...) {
    return;  // out of memory: this message's feedback will be unmatched
  }
  if (full) wake_.notify_one();
}

void sent_message_index::run() {
  auto next_prune = std::chrono::steady_clock::now();
  std::string last_error;
  std::unique_lock lock(queue_mutex_);
  bool failed = false;
  while (!stopping_) {
    // After a failed write, a full flush_interval before the next try: a
    // queue past max_batch must not make the thread spin on a database that is away.
    wake_.wait_for(lock, settings_.flush_interval,
                   [this, failed] { return stopping_ || (!failed && queued_.size() >= settings_.max_batch); });
    if (stopping_) break;
    lock.unlock();
    try {
      flush();
      if (std::chrono::steady_clock::now() >= next_prune) {
        next_prune = std::chrono::steady_clock::now() + settings_.prune_interval;
        if (std::size_t gone = prune(); gone > 0) spdlog::info("sent-message index: {} expired messages forgotten", gone);
      }
      last_error.clear();
      failed = false;
    } catch (const std::exception& e) {
      failed = true;
      // The batch stays queued (write_batch puts it back) and is tried again;
      // the same error, every flush_interval while a database is away, once.
      if (last_error != e.what()) spdlog::error("{}", e.what());
      last_error = e.what();
    }
    lock.lock();
  }
}

void sent_message_index::flush() {
  std::lock_guard write_lock(write_mutex_);
  {
    std::lock_guard lock(queue_mutex_);
    if (queued_.empty()) return;
    writing_.swap(queued_);
  }
  write_batch(writing_);
}

void sent_message_index::write_batch(std::vector<sent_message>& batch) {
  auto put_back = [&] {
    std::lock_guard lock(queue_mutex_);
    queued_.insert(queued_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
    batch.clear();
  };
  try {
    table_->write(batch);
  } catch (...) {
    put_back();
    throw;
  }
  std::lock_guard lock(queue_mutex_);
  written_ += batch.size();
  batch.clear();
}

std::size_t sent_message_index::prune() {
  std::lock_guard write_lock(write_mutex_);
  return table_->prune(clock_now() - settings_.retention);
}

std::optional<sent_message> sent_message_index::find(const std::string& message_id, bool* unavailable) {
  const auto oldest = clock_now() - settings_.retention;
  {
    std::lock_guard lock(queue_mutex_);
    for (const auto* list : {&queued_, &writing_}) {
      for (const auto& m : *list) {
        if (m.message_id == message_id) return m.sent_at >= oldest ? std::optional(m) : std::nullopt;
      }
    }
  }
  try {
    std::lock_guard lock(read_mutex_);
    return table_->find(message_id, oldest);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    if (unavailable) *unavailable = true;
    return std::nullopt;
  }
}

std::uint64_t sent_message_index::forgotten() const {
  std::lock_guard lock(queue_mutex_);
  return forgotten_;
}

std::uint64_t sent_message_index::written() const {
  std::lock_guard lock(queue_mutex_);
  return written_;
}

}  // namespace mfrelay::relay
