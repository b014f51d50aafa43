// The Public Suffix List algorithm: normal, wildcard and exception rules from
// both sections, and the organizational domain DMARC derives from it.
#include <doctest/doctest.h>

#include "policy/public_suffix_list.hpp"

namespace mfrelay::policy {
namespace {

idna_result psl_idna(std::string_view name) {
  if (name == "食狮.com.cn") return {"xn--85x722f.com.cn", ""};
  return {"", "refused"};
}

const char* list_text =
    "// ===BEGIN ICANN DOMAINS===\n"
    "com\nuk\nco.uk\n"
    "// ck : https://en.wikipedia.org/wiki/.ck\n"
    "*.ck\n!www.ck\n"
    "jp\n*.kawasaki.jp\n!city.kawasaki.jp\n"
    "cn\ncom.cn\n食狮.com.cn\n不可.cn\n"
    "// ===END ICANN DOMAINS===\n"
    "// ===BEGIN PRIVATE DOMAINS===\n"
    "github.io   // trailing text after whitespace is ignored\n"
    "// ===END PRIVATE DOMAINS===\n";

}  // namespace

TEST_CASE("public suffix list: organizational domains") {
  auto psl = public_suffix_list::parse(list_text, psl_idna);
  CHECK(psl.organizational_domain("mail.example.com") == "example.com");
  CHECK(psl.organizational_domain("example.com") == "example.com");
  CHECK(psl.organizational_domain("a.b.example.co.uk") == "example.co.uk");
  CHECK_FALSE(psl.organizational_domain("co.uk"));
  CHECK_FALSE(psl.organizational_domain("com"));
  // Unlisted top-level domains: the implicit "*" rule.
  CHECK(psl.organizational_domain("bounce.example.test") == "example.test");
  // Private section entries count.
  CHECK(psl.organizational_domain("x.alice.github.io") == "alice.github.io");
}

TEST_CASE("public suffix list: wildcards and exceptions") {
  auto psl = public_suffix_list::parse(list_text, psl_idna);
  CHECK(psl.public_suffix("shop.example.ck") == "example.ck");
  CHECK(psl.organizational_domain("a.shop.example.ck") == "shop.example.ck");
  CHECK_FALSE(psl.organizational_domain("example.ck"));
  CHECK(psl.public_suffix("www.ck") == "ck");
  CHECK(psl.organizational_domain("www.ck") == "www.ck");
  CHECK(psl.organizational_domain("mail.www.ck") == "www.ck");
  CHECK(psl.organizational_domain("a.b.kawasaki.jp") == "a.b.kawasaki.jp");
  CHECK(psl.organizational_domain("x.city.kawasaki.jp") == "city.kawasaki.jp");
}

TEST_CASE("public suffix list: U-label rules in A-label form") {
  auto psl = public_suffix_list::parse(list_text, psl_idna);
  CHECK(psl.organizational_domain("a.example.xn--85x722f.com.cn") == "example.xn--85x722f.com.cn");
  // A rule the converter refuses is skipped; without a converter all are.
  auto plain = public_suffix_list::parse(list_text, nullptr);
  CHECK(plain.organizational_domain("a.example.xn--85x722f.com.cn") == "xn--85x722f.com.cn");
}

}  // namespace mfrelay::policy
