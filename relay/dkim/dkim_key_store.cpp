#include "relay/dkim/dkim_key_store.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "relay/common/durable_file.hpp"
#include "relay/common/random_bytes.hpp"

namespace mfrelay::relay::dkim {
namespace {

constexpr std::size_t token_count = 3;

// 32 characters of [a-z0-9], as SES's tokens look: a DNS label that says nothing.
std::string new_token() {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string token;
  while (token.size() < 32) {
    for (std::uint8_t b : random_bytes<32>()) {
      if (b < 252 && token.size() < 32) token += alphabet[b % 36];  // 252 = 7 * 36: no bias
    }
  }
  return token;
}

bool is_token(const std::string& t) {
  if (t.size() != 32) return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

// Nullopt when the file does not exist; throws on any other failure to read.
std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw std::system_error(errno, std::generic_category(), "read " + path.string());
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

std::vector<std::string> parse_tokens(const std::string& text, const std::filesystem::path& path) {
  std::vector<std::string> tokens;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (!is_token(line)) throw std::runtime_error(path.string() + ": not a DKIM token: '" + line + "'");
    tokens.push_back(line);
  }
  if (tokens.size() != token_count) throw std::runtime_error(path.string() + ": expected three DKIM tokens");
  return tokens;
}

std::int64_t file_time(const std::filesystem::path& path) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(path, ec);
  if (ec) return 0;
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

void make_private_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::system_error(ec, "create " + dir.string());
  // Whatever the umask: nobody else lists the keys' folder.
  if (::chmod(dir.c_str(), 0700) != 0) throw std::system_error(errno, std::generic_category(), "chmod " + dir.string());
}

}  // namespace

std::shared_ptr<const identity_keys> dkim_key_store::load(const std::string& domain) const {
  auto folder = directory_of(domain);
  auto pem = read_file(folder / "private.pem");
  auto tokens = read_file(folder / "tokens");
  if (!pem || !tokens) return nullptr;
  auto key = dkim_key::from_pem(*pem);
  if (!key) throw std::runtime_error((folder / "private.pem").string() + ": not an RSA or Ed25519 private key");
  auto keys = std::make_shared<identity_keys>(identity_keys{domain, parse_tokens(*tokens, folder / "tokens"), *key});
  keys->generated = file_time(folder / "private.pem");
  std::lock_guard lock(mutex_);
  cache_[domain] = keys;
  return keys;
}

std::shared_ptr<const identity_keys> dkim_key_store::ensure(const std::string& domain, key_type type) {
  if (auto keys = find(domain); keys && !keys->external()) return keys;
  // One generation at a time: two reloads racing must not write two keys.
  static std::mutex generating;
  std::lock_guard one(generating);
  if (auto keys = load(domain)) return keys;
  auto folder = directory_of(domain);
  make_private_directory(dir_);
  make_private_directory(folder);
  std::optional<dkim_key> key;
  if (auto pem = read_file(folder / "private.pem")) {
    key = dkim_key::from_pem(*pem);  // tokens lost (a crash between the two writes): keep the key
    if (!key) throw std::runtime_error((folder / "private.pem").string() + ": not an RSA or Ed25519 private key");
  } else {
    key = dkim_key::generate(type);
    write_file_durably(folder / "private.pem", key->private_pem(), 0600);
  }
  std::vector<std::string> tokens;
  std::string text;
  for (std::size_t i = 0; i < token_count; ++i) {
    tokens.push_back(new_token());
    text += tokens.back() + '\n';
  }
  write_file_durably(folder / "tokens", text, 0644);
  auto keys = std::make_shared<identity_keys>(identity_keys{domain, std::move(tokens), std::move(*key)});
  keys->generated = file_time(folder / "private.pem");
  std::lock_guard lock(mutex_);
  cache_[domain] = keys;
  return keys;
}

void dkim_key_store::put_external(const std::string& domain, const dkim_key& key) {
  make_private_directory(dir_);
  make_private_directory(directory_of(domain));
  write_file_durably(directory_of(domain) / "external.pem", key.private_pem(), 0600);
}

std::optional<std::string> dkim_key_store::external_pem(const std::string& domain) const {
  return read_file(directory_of(domain) / "external.pem");
}

void dkim_key_store::remove_external(const std::string& domain) {
  std::error_code ec;
  std::filesystem::remove(directory_of(domain) / "external.pem", ec);
  if (ec) throw std::system_error(ec, "remove " + (directory_of(domain) / "external.pem").string());
}

std::shared_ptr<const identity_keys> dkim_key_store::use_external(const std::string& domain,
                                                                  const std::string& selector,
                                                                  const std::filesystem::path& key_file) {
  auto path = key_file.empty() ? directory_of(domain) / "external.pem" : key_file;
  auto pem = read_file(path);
  if (!pem) throw std::runtime_error(path.string() + ": no such file (the BYODKIM private key)");
  std::string error;
  auto key = dkim_key::from_operator(*pem, error);
  if (!key) throw std::runtime_error(path.string() + ": " + error);
  auto keys = std::make_shared<identity_keys>(identity_keys{domain, {}, std::move(*key), selector, file_time(path)});
  std::lock_guard lock(mutex_);
  cache_[domain] = keys;
  return keys;
}

void dkim_key_store::forget(const std::string& domain) {
  std::lock_guard lock(mutex_);
  cache_.erase(domain);
}

std::shared_ptr<const identity_keys> dkim_key_store::find(const std::string& domain) const {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(domain);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<policy::dns_record> dkim_records(const identity_keys& keys, const std::string& cname_target) {
  std::string value = "v=DKIM1; k=" + std::string(to_string(keys.key.type())) + "; p=" + keys.key.public_key_base64();
  std::string quoted;
  for (std::size_t at = 0; at < value.size(); at += 255)
    quoted += (quoted.empty() ? "\"" : " \"") + value.substr(at, 255) + '"';
  std::vector<policy::dns_record> out;
  if (keys.external()) {
    out.push_back({keys.external_selector + "._domainkey." + keys.domain, "TXT", quoted});
    return out;
  }
  if (cname_target.empty()) {
    for (const auto& token : keys.tokens) out.push_back({token + "._domainkey." + keys.domain, "TXT", quoted});
    return out;
  }
  // SES's shape: the identity's zone delegates each selector by CNAME to the
  // operator's zone, which holds the keys (so a new key is one zone's edit).
  for (const auto& token : keys.tokens)
    out.push_back({token + "._domainkey." + keys.domain, "CNAME", token + "." + cname_target});
  for (const auto& token : keys.tokens) out.push_back({token + "." + cname_target, "TXT", quoted});
  return out;
}

}  // namespace mfrelay::relay::dkim
