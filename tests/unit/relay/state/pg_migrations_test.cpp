// The PostgreSQL store's pieces that need no server: the migration list is
// numbered 1, 2, 3... without gaps or repeats (migrate() applies them in list
// order and records each version once), every one named and non-empty; and
// a URL's password never reaches a log or an error.
#include <doctest/doctest.h>

#include <string>

#include "relay/state/pg_connection.hpp"
#include "relay/state/pg_migrations.hpp"

namespace mfrelay::relay {
namespace {

TEST_CASE("migrations are numbered 1..n in order, each named, none empty") {
  const auto& list = pg_migrations();
  REQUIRE(!list.empty());
  int expected = 1;
  for (const auto& m : list) {
    CHECK(m.version == expected);
    CHECK(!m.name.empty());
    CHECK(m.sql.find("CREATE") != std::string_view::npos);
    ++expected;
  }
}

TEST_CASE("every table the stores use is created by some migration") {
  std::string all;
  for (const auto& m : pg_migrations()) all += m.sql;
  for (const char* table : {"mail_from_state", "mail_from_history", "suppressed_destination", "account_setting",
                            "sent_message", "send_counter"}) {
    CAPTURE(table);
    CHECK(all.find(std::string("CREATE TABLE ") + table + " (") != std::string::npos);
  }
}

TEST_CASE("the password of a URL or a connection string is hidden") {
  CHECK(pg_redacted("postgresql://mfrelay:s3cret@db:5432/mfrelay") == "postgresql://mfrelay:***@db:5432/mfrelay");
  CHECK(pg_redacted("postgresql://mfrelay@db/mfrelay") == "postgresql://mfrelay@db/mfrelay");
  CHECK(pg_redacted("host=db password=s3cret dbname=x") == "host=db password=*** dbname=x");
  CHECK(pg_redacted("host=db password='a b' dbname=x") == "host=db password=*** dbname=x");
  CHECK(pg_redacted("postgresql://db/x?password=s3cret&sslmode=require") ==
        "postgresql://db/x?password=***&sslmode=require");
}

TEST_CASE("a connection to nothing fails at once with the reason, then waits out its backoff") {
  // Port 1 on loopback: refused at once, no traffic leaves the machine.
  pg_connection db("postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2");
  CHECK_FALSE(db.ensure());
  CHECK_THROWS_WITH_AS(db.exec("SELECT 1"), doctest::Contains("not connected"), std::runtime_error);
  try {
    db.exec("SELECT 1");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find(":pw@") == std::string::npos);
  }
  CHECK_FALSE(db.connected());
}

}  // namespace
}  // namespace mfrelay::relay
