#include "relay/dkim/dkim_signer.hpp"

#include <map>

#include "policy/ascii.hpp"
#include "relay/auth/base64.hpp"
#include "relay/dkim/dkim_canonical.hpp"
#include "relay/dkim/message_tap.hpp"

namespace mfrelay::relay::dkim {
namespace {

// The field's name, lowercased, without the spaces a sloppy client put before the colon.
std::string field_name(std::string_view field) {
  std::string_view name = field.substr(0, field.find(':'));
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  return policy::ascii_lowered(name);
}

}  // namespace

const std::vector<std::string_view>& signed_header_names() {
  static const std::vector<std::string_view> names{
      "from",       "to",          "cc",           "subject",      "date",
      "message-id", "reply-to",    "mime-version", "content-type", "content-transfer-encoding",
      "in-reply-to", "references"};
  return names;
}

std::vector<std::string_view> header_fields(std::string_view block) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start < block.size()) {
    std::size_t end = start;
    // A field runs until a line that does not start with a space or tab.
    for (;;) {
      std::size_t lf = block.find('\n', end);
      end = lf == std::string_view::npos ? block.size() : lf + 1;
      if (end >= block.size() || (block[end] != ' ' && block[end] != '\t')) break;
    }
    fields.push_back(block.substr(start, end - start));
    start = end;
  }
  return fields;
}

std::string dkim_signature(std::string_view header_block, const sha256::digest& body_hash, const sign_params& params) {
  auto fields = header_fields(header_block);
  std::map<std::string, std::vector<std::string_view>> by_name;
  for (auto f : fields) by_name[field_name(f)].push_back(f);

  // Every instance of each name is signed; a verifier takes them from the bottom up
  // (RFC 6376 5.4.2), and so does the hash input here.
  std::string h;
  std::string signed_data;
  auto sign_name = [&](std::string_view name) {
    if (!h.empty()) h += ':';
    h += name;
    auto it = by_name.find(std::string(name));
    if (it != by_name.end() && !it->second.empty()) {
      signed_data += relaxed_header(it->second.back());
      it->second.pop_back();
    }  // an absent instance contributes nothing: that is what oversigning relies on
  };
  for (auto name : signed_header_names()) {
    auto it = by_name.find(std::string(name));
    std::size_t count = it == by_name.end() ? 0 : it->second.size();
    for (std::size_t i = 0; i < count; ++i) sign_name(name);
  }
  sign_name("from");

  std::string bh = base64_encode(std::string_view(reinterpret_cast<const char*>(body_hash.data()), body_hash.size()));
  std::string field = "DKIM-Signature: v=1; a=" + std::string(params.key->algorithm()) +
                      "; c=relaxed/relaxed; d=" + params.domain + "; s=" + params.selector + ";\r\n\tt=" +
                      std::to_string(params.timestamp) + "; h=" + h + ";\r\n\tbh=" + bh + ";\r\n\tb=";
  // The signature's own field goes last, with b= empty and without its CRLF (RFC 6376 3.7).
  std::string canonical = relaxed_header(field);
  canonical.resize(canonical.size() - 2);
  signed_data += canonical;
  std::string signature = params.key->sign(signed_data);
  return field + base64_encode(signature) + "\r\n";
}

std::string sign_message(std::string_view message, const sign_params& params) {
  message_tap tap(message.size() + 1);
  tap.feed(message);
  auto body_hash = tap.finish();
  return dkim_signature(tap.header_block(), body_hash, params);
}

}  // namespace mfrelay::relay::dkim
