// A cluster's identities ([store] kind = "postgresql", README "Running several
// nodes"): the policy.d files as texts, by name, and one revision number that
// every write bumps and NOTIFYs on pg_policy_channel in its transaction, so
// every node LISTENing reloads within a moment (relay/cluster/pg_cluster_link).
// Revision 0 means nothing was pushed yet. Whole files, not rows per identity:
// a node loads them with the same loader as policy.d (the same errors, the
// same rules), and the admin API rewrites the file that declares an identity
// as it does on disk. Blocking; one thread per connection; throws
// std::runtime_error when the database cannot answer.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relay/config/config_loader.hpp"
#include "relay/state/pg_connection.hpp"

namespace mfrelay::relay {

inline constexpr const char* pg_policy_channel = "mfrelay_policy";

struct stored_policy {
  std::int64_t revision = 0;
  std::vector<policy_text> files;  // in name order, as policy_dir's files load
  std::string origin;              // who wrote this revision
  // True when it is some policy.d as pushed (or seeded); false once the admin
  // API changed it: those changes exist nowhere but here until pulled.
  bool from_files = true;
};

// The same files, names and texts, in the same order.
bool same_policy_files(const std::vector<policy_text>& a, const std::vector<policy_text>& b);

std::int64_t pg_policy_revision(pg_connection& db);
stored_policy pg_read_policy(pg_connection& db);

// `mfrelay policy push`: the stored files become exactly `files`, when the
// stored revision is still `expected` (the one the pusher looked at). `origin`
// says who wrote. The new revision, or nullopt when another write came first.
std::optional<std::int64_t> pg_push_policy(pg_connection& db, const std::vector<policy_text>& files,
                                           const std::string& origin, std::int64_t expected);

// The first node of a cluster: pushes `files` only when nothing was pushed
// yet (two nodes starting together push once). What is stored afterwards.
stored_policy pg_seed_policy(pg_connection& db, const std::vector<policy_text>& files, const std::string& origin);

// The admin API: writes `files` (an empty text removes that file; the others
// are kept) when the stored revision is still `expected`. The new revision, or
// nullopt when another node wrote first (nothing written then).
std::optional<std::int64_t> pg_write_policy_files(pg_connection& db, const std::vector<policy_text>& files,
                                                  std::int64_t expected, const std::string& origin);

}  // namespace mfrelay::relay
