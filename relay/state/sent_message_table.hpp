// Where sent_message_index keeps its rows: an interface, SQLite (state.db, one
// node; in sent_message_index.cpp) or PostgreSQL (pg_sent_message_table, shared
// by every node: a bounce at any node finds the message any node sent). The
// index calls write()/prune() from one thread at a time and find() from
// another, concurrently. All may block and throw std::runtime_error.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "policy/time.hpp"

namespace mfrelay::relay {

struct sent_message;

class sent_message_table {
 public:
  virtual ~sent_message_table() = default;
  // In one transaction; a message id already there is replaced.
  virtual void write(const std::vector<sent_message>& batch) = 0;
  // Deletes rows sent before `oldest`; returns how many.
  virtual std::size_t prune(policy::timestamp oldest) = 0;
  virtual std::optional<sent_message> find(const std::string& message_id, policy::timestamp oldest) = 0;
};

// Recipients are stored one per line (an address never holds a line break).
std::string join_lines(const std::vector<std::string>& list);
std::vector<std::string> split_lines(const std::string& text);

}  // namespace mfrelay::relay
