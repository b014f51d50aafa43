#include "relay/admin/policy_writer.hpp"

#include <filesystem>
#include <set>

#include "relay/common/durable_file.hpp"
#include "relay/admin/identity_change_rules.hpp"
#include "relay/admin/policy_toml.hpp"
#include "relay/config/config_loader.hpp"

namespace mfrelay::relay {
namespace {

namespace fs = std::filesystem;

std::string admin_file(const policy::config& cfg) {
  return (fs::path(cfg.relay.policy_dir) / admin_policy_file).lexically_normal().string();
}

// The file an identity belongs to, in one spelling so paths compare equal.
std::string file_of(const policy::identity& id, const std::string& fallback) {
  if (id.where.file.empty()) return fallback;
  return fs::path(id.where.file.str()).lexically_normal().string();
}

std::vector<policy::identity> declared_in(const policy::identity_table& table, const std::string& file,
                                          const std::string& fallback) {
  std::vector<policy::identity> out;
  for (const auto& id : table.all()) {
    if (file_of(id, fallback) == file) out.push_back(id);
  }
  return out;
}

// What a reload would see of an identity: the parts the file spells out.
bool same_declarations(const std::vector<policy::identity>& a, const std::vector<policy::identity>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].kind != b[i].kind || a[i].mail_from_as_given() != b[i].mail_from_as_given() ||
        a[i].behavior != b[i].behavior || a[i].forward_feedback != b[i].forward_feedback || a[i].tags != b[i].tags ||
        a[i].dkim != b[i].dkim || a[i].dkim_key_type != b[i].dkim_key_type ||
        a[i].dkim_selector != b[i].dkim_selector || a[i].dkim_private_key_file != b[i].dkim_private_key_file)
      return false;
  }
  return true;
}

}  // namespace

policy_write_plan plan_policy_write(const policy::config& current, const identity_change& change) {
  policy_write_plan plan;
  const std::string fallback = admin_file(current);
  const policy::identity* existing = current.identities.find(change.identity);

  std::string file;
  switch (change.what) {
    case identity_change::kind::create:
      if (existing) return plan;
      file = fallback;
      break;
    case identity_change::kind::set_mail_from:
    case identity_change::kind::remove:
    case identity_change::kind::tag:
    case identity_change::kind::set_feedback_forwarding:
    case identity_change::kind::set_dkim:
    case identity_change::kind::set_dkim_signing:
      if (!existing) {
        plan.errors.push_back({{}, "identity '" + change.identity + "' is not declared in " + current.relay.policy_dir});
        return plan;
      }
      file = file_of(*existing, fallback);
      break;
  }
  policy::identity_table next = apply_change(current.identities, change, {fallback, 0, 0});
  plan.writes.push_back({file, render_policy_file(declared_in(next, file, fallback))});
  return plan;
}

policy::config planned_config(const policy::config& current, const std::vector<policy_file_write>& writes,
                              std::vector<policy::config_error>& errors) {
  const std::string fallback = admin_file(current);
  std::set<std::string> rewritten;
  for (const auto& w : writes) rewritten.insert(fs::path(w.path).lexically_normal().string());

  policy::config next = current;
  next.identities = policy::identity_table();
  for (const auto& id : current.identities.all()) {
    if (!rewritten.contains(file_of(id, fallback))) next.identities.add(id);
  }
  for (const auto& w : writes) load_policy_text(w.text, w.path, next.identities, errors);
  return next;
}

std::vector<policy::config_error> check_files_unchanged(const policy::config& current,
                                                        const std::vector<policy_file_write>& writes) {
  const std::string fallback = admin_file(current);
  std::vector<policy::config_error> errors;
  for (const auto& w : writes) {
    const std::string file = fs::path(w.path).lexically_normal().string();
    std::vector<policy::identity> loaded = declared_in(current.identities, file, fallback);
    std::vector<policy::identity> on_disk;
    std::error_code ec;
    if (fs::exists(file, ec)) {
      std::string text;
      std::vector<policy::config_error> read_errors;
      policy::identity_table table;
      if (read_text_file(file, text, read_errors)) load_policy_text(text, file, table, read_errors);
      if (!read_errors.empty()) {
        errors.push_back({{file, 0, 0}, "does not load as the running policy was loaded (" +
                                            read_errors.front().message +
                                            "): fix it and reload (SIGHUP) before changing it through the admin API"});
        continue;
      }
      on_disk = table.all();
    }
    if (!same_declarations(loaded, on_disk)) {
      errors.push_back({{file, 0, 0}, "was changed since the policy was loaded: reload (SIGHUP) before changing "
                                      "it through the admin API, so that edit is not overwritten"});
    }
  }
  return errors;
}

void write_policy_files(const std::vector<policy_file_write>& writes) {
  for (const auto& w : writes) write_file_durably(w.path, w.text);
}

}  // namespace mfrelay::relay
