// Submitting users: who may log in (password hash, source networks) and which
// identities each may send as. Pure values, any thread.
#pragma once
#include <string>
#include <vector>

#include "policy/identity.hpp"
#include "policy/ip_network.hpp"
#include "policy/origin.hpp"

namespace mfrelay::policy {

struct user {
  std::string name;
  std::string password_hash;          // self-describing (see relay/password_hash.hpp); empty = no password login
  std::vector<ip_network> networks;   // for listeners with auth = "network"
  std::vector<std::string> identities;  // normalized identity names, or "*" for any
  origin where;

  // True when the user may send as `id`: "*", the identity itself, or an
  // identity under an allowed domain (an address at it, or a subdomain of it).
  bool may_send_as(const identity& id) const;
};

// The first user (in configuration order) whose networks contain `address`.
const user* user_for_address(const std::vector<user>& users, const ip_address& address);

const user* find_user(const std::vector<user>& users, std::string_view name);

}  // namespace mfrelay::policy
