// Easy DKIM's keys on disk: per domain identity, a private key and three
// selector tokens, generated once and then kept (the DNS records published
// for them must stay valid across restarts). The daemon ensures them at start
// and on policy reload (blocking file I/O, off the event loop or before it
// runs); SMTP sessions look them up (find, any thread, no I/O). The files are
// ours, but may have been damaged or edited: a key that does not parse is an error.
//
// Layout: <state_dir>/dkim/                   0700
//         <state_dir>/dkim/<domain>/          0700
//         <state_dir>/dkim/<domain>/private.pem  0600, PKCS#8 PEM (a secret)
//         <state_dir>/dkim/<domain>/tokens       0644, the three tokens, one a line
//         <state_dir>/dkim/<domain>/external.pem 0600, BYODKIM: the operator's key
//                                                (PutEmailIdentityDkimSigningAttributes EXTERNAL)
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/dns_records.hpp"
#include "relay/dkim/dkim_key.hpp"

namespace mfrelay::relay::dkim {

struct identity_keys {
  std::string domain;
  std::vector<std::string> tokens;  // Easy DKIM: three; the first is the selector in use
  dkim_key key;
  // BYODKIM (SigningAttributesOrigin EXTERNAL): the operator's selector; no tokens then.
  std::string external_selector = {};
  std::int64_t generated = 0;  // seconds since the epoch: the key file's time (LastKeyGenerationTimestamp)

  bool external() const { return !external_selector.empty(); }
  // s= of the signatures.
  const std::string& selector() const { return external() ? external_selector : tokens.front(); }
};

class dkim_key_store {
 public:
  explicit dkim_key_store(std::filesystem::path state_dir) : dir_(std::move(state_dir) / "dkim") {}

  // The domain's keys, generated (type `type`) and written durably when there
  // are none yet; an existing key is kept whatever its type. Thread-safe;
  // blocking. Throws std::runtime_error (or std::system_error) naming the file.
  std::shared_ptr<const identity_keys> ensure(const std::string& domain, key_type type);

  // BYODKIM: writes the operator's key to <domain>/external.pem (0600,
  // durably) for use_external() to read. Blocking; throws std::system_error.
  void put_external(const std::string& domain, const dkim_key& key);
  // The external key text there now (to put back), nullopt when there is none. Blocking.
  std::optional<std::string> external_pem(const std::string& domain) const;
  // Removes <domain>/external.pem (putting back "none"). Blocking.
  void remove_external(const std::string& domain);

  // BYODKIM: the domain's keys become the operator's key with `selector`,
  // read from `key_file` (empty: <domain>/external.pem). Blocking; throws
  // std::runtime_error naming the file when it is missing or not a key.
  std::shared_ptr<const identity_keys> use_external(const std::string& domain, const std::string& selector,
                                                    const std::filesystem::path& key_file = {});

  // Reads the domain's files without creating anything (the CLI); nullptr when
  // they do not exist yet. Throws std::runtime_error when they are damaged.
  std::shared_ptr<const identity_keys> load(const std::string& domain) const;

  // Drops the domain's keys from memory (a BYODKIM key that failed to load:
  // its mail then goes unsigned, never signed with the keys of before). No I/O.
  void forget(const std::string& domain);

  // What ensure() or load() gave last for the domain, or nullptr. No I/O.
  std::shared_ptr<const identity_keys> find(const std::string& domain) const;

  std::filesystem::path directory_of(const std::string& domain) const { return dir_ / domain; }

 private:
  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const identity_keys>> cache_;
};

// The TXT records to publish: "<token>._domainkey.<domain>" (BYODKIM:
// "<selector>._domainkey.<domain>", one) with
// "v=DKIM1; k=rsa|ed25519; p=<key>", the value split into quoted strings of at
// most 255 octets (RFC 1035 3.3.14), as record_format prints TXT values.
// With a `cname_target` ([dkim] cname_target), SES's shape instead: three
// CNAMEs "<token>._domainkey.<domain>" -> "<token>.<cname_target>", then the
// three TXT records at "<token>.<cname_target>" for the operator's zone.
std::vector<policy::dns_record> dkim_records(const identity_keys& keys, const std::string& cname_target = {});

}  // namespace mfrelay::relay::dkim
