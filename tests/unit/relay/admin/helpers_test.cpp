// The small pieces under the APIs: path segments, the XML writer, paging.
#include <doctest/doctest.h>

#include "fake_backend.hpp"
#include "relay/admin/identity_pages.hpp"
#include "relay/admin/path_segments.hpp"
#include "relay/admin/xml_writer.hpp"

namespace mfrelay::relay {
namespace {

using strings = std::vector<std::string>;

TEST_CASE("path_segments splits before decoding and ignores the query") {
  CHECK(path_segments("/v2/email/identities/a%2Fb%40x.com?x=1") == strings{"v2", "email", "identities", "a/b@x.com"});
  CHECK(path_segments("/v1/status") == strings{"v1", "status"});
  CHECK(path_segments("/") == strings{});
  CHECK(path_segments("") == strings{});
  CHECK(path_segments("/a//b/") == strings{"a", "", "b", ""});
  CHECK(path_segments("/a+b") == strings{"a+b"});  // '+' is a space only in forms
}

TEST_CASE("xml_writer nests, escapes, and replaces what XML cannot carry") {
  xml_writer w("R", "urn:x");
  w.open("A").element("B", "x<y & 'z' \"q\">").empty("C").close();
  w.element("D", std::string("a\x01" "b\tc\x7f", 6));
  w.open("E");
  CHECK(w.finish() ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R xmlns=\"urn:x\"><A><B>x&lt;y &amp; &apos;z&apos; "
        "&quot;q&quot;&gt;</B><C/></A><D>a\xEF\xBF\xBD" "b\tc\xEF\xBF\xBD</D><E></E></R>\n");
  CHECK(xml_escape(std::string("a\x02z\n<", 5)) == "a\xEF\xBF\xBDz\n&lt;");
}

TEST_CASE("page_identities: name order, kinds, page boundaries, tokens") {
  auto cfg = test::make_config();
  auto all = page_identities(cfg->identities, std::nullopt, 1000, "");
  REQUIRE(all);
  REQUIRE(all->items.size() == 4);
  CHECK(all->items[0]->name == "billing@example.com");
  CHECK(all->next_token.empty());
  auto exact = page_identities(cfg->identities, std::nullopt, 4, "");
  CHECK(exact->next_token.empty());
  std::vector<std::string> seen;
  std::string token;
  do {
    auto page = page_identities(cfg->identities, policy::identity_kind::domain, 1, token);
    REQUIRE(page);
    for (const auto* id : page->items) seen.push_back(id->name);
    token = page->next_token;
  } while (!token.empty());
  CHECK(seen == strings{"example.com", "news.example.com", "other.org"});
  CHECK_FALSE(page_identities(cfg->identities, std::nullopt, 1, "not base64"));
  CHECK_FALSE(page_identities(cfg->identities, std::nullopt, 1, "===="));
  // Past the end: an empty last page.
  auto past = page_identities(cfg->identities, std::nullopt, 1, "enp6");  // "zzz"
  REQUIRE(past);
  CHECK(past->items.empty());
}

}  // namespace
}  // namespace mfrelay::relay
