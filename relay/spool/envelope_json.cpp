#include "relay/spool/envelope_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mfrelay::relay {
namespace {

constexpr std::int64_t format_version = 1;

const boost::json::string* string_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

}  // namespace

std::string envelope_to_json(const envelope& e) {
  boost::json::array recipients;
  for (const auto& r : e.recipients) recipients.emplace_back(r);
  boost::json::object o;
  o["version"] = format_version;
  o["id"] = e.id;
  o["originalSender"] = e.original_sender;
  o["returnPath"] = e.return_path;
  o["recipients"] = std::move(recipients);
  o["receivedAt"] = static_cast<std::int64_t>(e.received_at.time_since_epoch().count());
  // Kept as a string, not embedded: the text comes back exactly as it was given.
  o["metadata"] = e.metadata;
  std::string text = boost::json::serialize(o);
  text += '\n';
  return text;
}

std::optional<envelope> envelope_from_json(std::string_view text) {
  boost::json::parse_options options;
  options.allow_invalid_utf8 = true;  // addresses are stored as the client sent them
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, {}, options);
  if (ec) return std::nullopt;
  const boost::json::object* o = v.if_object();
  if (!o || o->size() != 7) return std::nullopt;

  const boost::json::value* version = o->if_contains("version");
  if (!version || !version->is_int64() || version->get_int64() != format_version) return std::nullopt;

  envelope e;
  const boost::json::string* id = string_field(*o, "id");
  const boost::json::string* sender = string_field(*o, "originalSender");
  const boost::json::string* return_path = string_field(*o, "returnPath");
  const boost::json::string* metadata = string_field(*o, "metadata");
  if (!id || !sender || !return_path || !metadata) return std::nullopt;
  e.id = std::string(*id);
  e.original_sender = std::string(*sender);
  e.return_path = std::string(*return_path);
  e.metadata = std::string(*metadata);

  const boost::json::value* received = o->if_contains("receivedAt");
  if (!received || !received->is_int64()) return std::nullopt;
  e.received_at = policy::timestamp(policy::duration(received->get_int64()));

  const boost::json::value* recipients = o->if_contains("recipients");
  if (!recipients || !recipients->is_array()) return std::nullopt;
  for (const auto& r : recipients->get_array()) {
    if (!r.is_string()) return std::nullopt;
    e.recipients.emplace_back(r.get_string());
  }
  return e;
}

}  // namespace mfrelay::relay
