// Connection strings: every accepted form, overrides, display, and that no password escapes.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "strata/connection.hpp"
#include "strata/error.hpp"
#include "strata/log.hpp"

#include "capture.hpp"

namespace strata {
namespace {

// What libpq itself reads out of a conninfo string: the real test that the quoting is right.
std::map<std::string, std::string> libpq_view(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (!opts) {
    std::string msg = err ? err : "?";
    PQfreemem(err);
    ADD_FAILURE() << "libpq rejects " << conninfo << ": " << msg;
    return {};
  }
  std::map<std::string, std::string> out;
  for (auto* o = opts; o->keyword; ++o)
    if (o->val) out[o->keyword] = o->val;
  PQconninfoFree(opts);
  return out;
}

using test::Capture;

ConnectionSettings make(std::string_view url, std::optional<std::string> user = std::nullopt,
                        std::optional<std::string> password = std::nullopt) {
  return make_connection_settings(url, user, password);
}

std::string config_error(std::string_view url) {
  try {
    make(url);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << url;
  return {};
}

class UrlTest : public ::testing::Test {
 protected:
  void SetUp() override { log::configure(log::Format::Text, log::Verbosity::Normal); }
};

TEST_F(UrlTest, PostgresqlUri) {
  auto s = make("postgresql://alice:s3cret@db.example:5432/app?sslmode=require");
  auto kv = libpq_view(s.conninfo);
  EXPECT_EQ(kv["host"], "db.example");
  EXPECT_EQ(kv["port"], "5432");
  EXPECT_EQ(kv["dbname"], "app");
  EXPECT_EQ(kv["user"], "alice");
  EXPECT_EQ(kv["password"], "s3cret");
  EXPECT_EQ(kv["sslmode"], "require");
  EXPECT_EQ(kv["fallback_application_name"], "strata");
  EXPECT_EQ(kv.count("application_name"), 0u);
  EXPECT_EQ(s.display, "postgresql://alice@db.example:5432/app");
  // The result is keyword=value, not the URI handed back.
  EXPECT_EQ(s.conninfo.find("postgresql://"), std::string::npos);
}

TEST_F(UrlTest, PostgresSchemeAlias) {
  auto kv = libpq_view(make("postgres://bob@db.example:6000/shop").conninfo);
  EXPECT_EQ(kv["host"], "db.example");
  EXPECT_EQ(kv["port"], "6000");
  EXPECT_EQ(kv["dbname"], "shop");
  EXPECT_EQ(kv["user"], "bob");
  EXPECT_EQ(kv.count("password"), 0u);
}

TEST_F(UrlTest, PercentEncodedPasswordInUriIsDecodedAndQuoted) {
  auto s = make("postgresql://alice:p%40ss%20w%2Frd%27%5C@db.example/app");
  EXPECT_EQ(libpq_view(s.conninfo)["password"], "p@ss w/rd'\\");
  EXPECT_EQ(s.display.find("p@ss"), std::string::npos);
  EXPECT_EQ(log::redact("pw is p@ss w/rd'\\"), "pw is ***");
}

TEST_F(UrlTest, JdbcWithParameters) {
  auto s = make(
      "jdbc:postgresql://db.example:6543/app?user=alice&password=p%40ss%20w%2Frd&sslmode=verify-ca"
      "&sslrootcert=/etc/ca.pem&currentSchema=app&ApplicationName=migrator&connectTimeout=7");
  auto kv = libpq_view(s.conninfo);
  EXPECT_EQ(kv["host"], "db.example");
  EXPECT_EQ(kv["port"], "6543");
  EXPECT_EQ(kv["dbname"], "app");
  EXPECT_EQ(kv["user"], "alice");
  EXPECT_EQ(kv["password"], "p@ss w/rd");
  EXPECT_EQ(kv["sslmode"], "verify-ca");
  EXPECT_EQ(kv["sslrootcert"], "/etc/ca.pem");
  EXPECT_EQ(kv["options"], "-c search_path=app");
  EXPECT_EQ(kv["application_name"], "migrator");
  EXPECT_EQ(kv["connect_timeout"], "7");
  EXPECT_EQ(s.display, "postgresql://alice@db.example:6543/app");
}

TEST_F(UrlTest, JdbcCurrentSchemaListAndSpacesAreEscapedForOptions) {
  auto kv = libpq_view(make("jdbc:postgresql://h/db?currentSchema=my%20schema,public").conninfo);
  EXPECT_EQ(kv["options"], "-c search_path=my\\ schema,public");
}

TEST_F(UrlTest, JdbcDecodesPlusAsSpaceLikePgjdbc) {
  // pgjdbc decodes values with java.net.URLDecoder (form encoding).
  auto kv = libpq_view(make("jdbc:postgresql://h/db?password=a+b%2Bc").conninfo);
  EXPECT_EQ(kv["password"], "a b+c");
}

TEST_F(UrlTest, JdbcDefaultsAreLocalhost5432) {
  auto kv = libpq_view(make("jdbc:postgresql://db.example/app").conninfo);
  EXPECT_EQ(kv["port"], "5432");
  kv = libpq_view(make("jdbc:postgresql:app").conninfo);
  EXPECT_EQ(kv["host"], "localhost");
  EXPECT_EQ(kv["port"], "5432");
  EXPECT_EQ(kv["dbname"], "app");
}

TEST_F(UrlTest, JdbcMultipleHostsAndIpv6) {
  auto kv = libpq_view(make("jdbc:postgresql://a.example:5433,b.example/app").conninfo);
  EXPECT_EQ(kv["host"], "a.example,b.example");
  EXPECT_EQ(kv["port"], "5433,5432");
  kv = libpq_view(make("jdbc:postgresql://[::1]:5999/app").conninfo);
  EXPECT_EQ(kv["host"], "::1");
  EXPECT_EQ(kv["port"], "5999");
}

TEST_F(UrlTest, JdbcSslFlag) {
  // pgjdbc: ssl=true without sslmode verifies the certificate and host name.
  EXPECT_EQ(libpq_view(make("jdbc:postgresql://h/db?ssl=true").conninfo)["sslmode"], "verify-full");
  EXPECT_EQ(libpq_view(make("jdbc:postgresql://h/db?ssl=true&sslmode=require").conninfo)["sslmode"], "require");
  EXPECT_EQ(libpq_view(make("jdbc:postgresql://h/db?sslmode=disable&ssl=true").conninfo)["sslmode"], "disable");
  EXPECT_EQ(libpq_view(make("jdbc:postgresql://h/db?ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory")
                           .conninfo)["sslmode"],
            "require");
  EXPECT_EQ(libpq_view(make("jdbc:postgresql://h/db?ssl=false").conninfo).count("sslmode"), 0u);
}

TEST_F(UrlTest, JdbcUnknownParameterWarnsByNameOnly) {
  Capture err(STDERR_FILENO);
  auto kv = libpq_view(make("jdbc:postgresql://h/db?prepareThreshold=hush-value&user=u").conninfo);
  std::string out = err.finish();
  EXPECT_NE(out.find("WARNING: "), std::string::npos) << out;
  EXPECT_NE(out.find("prepareThreshold"), std::string::npos) << out;
  EXPECT_EQ(out.find("hush-value"), std::string::npos) << out;
  EXPECT_EQ(kv.count("prepareThreshold"), 0u);
  EXPECT_EQ(kv["user"], "u");
}

TEST_F(UrlTest, JdbcUnsupportedDriverIsAnError) {
  EXPECT_THROW(make("jdbc:mysql://h/db"), ConfigError);
}

TEST_F(UrlTest, KeyValueIsNormalisedWithQuoting) {
  auto s = make(R"(host=db.example port=5433 dbname=app user=bob password='a b\'c\\d' application_name='my app')");
  auto kv = libpq_view(s.conninfo);
  EXPECT_EQ(kv["password"], "a b'c\\d");
  EXPECT_EQ(kv["application_name"], "my app");
  EXPECT_EQ(kv["port"], "5433");
  EXPECT_EQ(s.display, "postgresql://bob@db.example:5433/app");
}

TEST_F(UrlTest, EmptyLeavesLibpqDefaultsAlone) {
  auto s = make("");
  auto kv = libpq_view(s.conninfo);
  EXPECT_EQ(kv.size(), 1u) << s.conninfo;
  EXPECT_EQ(kv["fallback_application_name"], "strata");
  EXPECT_EQ(s.display.rfind("postgresql://", 0), 0u) << s.display;
  // An empty password override must not become password='' (which would defeat .pgpass).
  s = make("", std::nullopt, std::string());
  EXPECT_EQ(libpq_view(s.conninfo).count("password"), 0u);
}

TEST_F(UrlTest, UserAndPasswordArgumentsOverrideTheUrls) {
  auto s = make("postgresql://alice:old@db.example/app", std::string("carol"), std::string("n3w-pw"));
  auto kv = libpq_view(s.conninfo);
  EXPECT_EQ(kv["user"], "carol");
  EXPECT_EQ(kv["password"], "n3w-pw");
  EXPECT_EQ(s.display, "postgresql://carol@db.example:5432/app");
  kv = libpq_view(make("jdbc:postgresql://h/db?user=alice&password=old", std::string("carol"), std::string("pw2")).conninfo);
  EXPECT_EQ(kv["user"], "carol");
  EXPECT_EQ(kv["password"], "pw2");
  kv = libpq_view(make("", std::string("dave"), std::string("pw3")).conninfo);
  EXPECT_EQ(kv["user"], "dave");
  EXPECT_EQ(kv["password"], "pw3");
}

TEST_F(UrlTest, ApplicationNameKeptWhenGiven) {
  EXPECT_EQ(libpq_view(make("postgresql://h/db?application_name=ci").conninfo)["application_name"], "ci");
}

TEST_F(UrlTest, ConnectTimeoutOnlyWhereTheStringSetsNone) {
  auto timeout_of = [](std::string_view url) {
    return libpq_view(make_connection_settings(url, std::nullopt, std::nullopt, "9").conninfo)["connect_timeout"];
  };
  EXPECT_EQ(timeout_of("postgresql://h/db"), "9");
  EXPECT_EQ(timeout_of("postgresql://h/db?connect_timeout=4"), "4");
  EXPECT_EQ(timeout_of("host=h connect_timeout=4"), "4");
}

TEST_F(UrlTest, PasswordIsRegisteredAsSecret) {
  make("postgresql://alice:Reg1stered-PW@h/db");
  EXPECT_EQ(log::redact("x Reg1stered-PW y"), "x *** y");
}

TEST_F(UrlTest, MalformedUrlsAreConfigErrorsWithoutThePassword) {
  for (std::string url : {
           "postgresql://alice:Hidden-1@db.example/app?bogus=1",
           "postgresql://alice:Hidden-1@[::1/app",
           "postgresql://alice:Hidden-1%zz@db/app",
           "postgresql://alice:Hidden-1@db:54x2/app",
           "host=db password=Hidden-1 oops",
           "host=db password='Hidden-1",
           "mysql://alice:Hidden-1@db/app",
           "jdbc:postgresql://alice:Hidden-1@db:port/app",
           "jdbc:postgresql://db/app?password=Hidden-1%zz",
       }) {
    std::string msg = config_error(url);
    EXPECT_EQ(msg.find("Hidden-1"), std::string::npos) << url << " -> " << msg;
    EXPECT_NE(msg.find("***"), std::string::npos) << url << " -> " << msg;
  }
  EXPECT_NE(config_error("postgresql://u:Hidden-1@db/app?bogus=1").find("postgresql://u:***@db/app?bogus=1"),
            std::string::npos);
}

TEST_F(UrlTest, DisplayNeverHoldsThePassword) {
  for (std::string url : {
           "postgresql://alice:Shown-Never@db/app",
           "postgres://alice:Shown-Never@db/app",
           "jdbc:postgresql://db/app?user=alice&password=Shown-Never",
           "host=db user=alice password=Shown-Never",
           "host=db user=alice password='Shown-Never'",
       }) {
    auto s = make(url);
    EXPECT_EQ(s.display.find("Shown-Never"), std::string::npos) << s.display;
    EXPECT_NE(s.display.find("alice@db"), std::string::npos) << s.display;
  }
  auto s = make("", std::string("alice"), std::string("Shown-Never"));
  EXPECT_EQ(s.display.find("Shown-Never"), std::string::npos) << s.display;
}

TEST(RedactUrl, EveryForm) {
  EXPECT_EQ(redact_url("postgresql://alice:s3cret@db:5432/app"), "postgresql://alice:***@db:5432/app");
  EXPECT_EQ(redact_url("postgres://alice:p%40ss@db/app"), "postgres://alice:***@db/app");
  EXPECT_EQ(redact_url("postgresql://alice:p@ss/w#rd@db/app"), "postgresql://alice:***@db/app");
  EXPECT_EQ(redact_url("postgresql://alice@db/app"), "postgresql://alice@db/app");
  EXPECT_EQ(redact_url("postgresql://db/app?password=s3cret&sslmode=require"),
            "postgresql://db/app?password=***&sslmode=require");
  EXPECT_EQ(redact_url("jdbc:postgresql://db/app?user=a&password=s3cret"), "jdbc:postgresql://db/app?user=a&password=***");
  EXPECT_EQ(redact_url("jdbc:postgresql://db/app?Password=s3cret&x=1"), "jdbc:postgresql://db/app?Password=***&x=1");
  EXPECT_EQ(redact_url("host=db password=s3cret user=a"), "host=db password=*** user=a");
  EXPECT_EQ(redact_url("password = s3cret host=db"), "password = *** host=db");
  EXPECT_EQ(redact_url(R"(host=db password='it\'s a secret' user=a)"), "host=db password='***' user=a");
  EXPECT_EQ(redact_url("host=db sslpassword=keypw"), "host=db sslpassword=***");
  EXPECT_EQ(redact_url("host=db user=password"), "host=db user=password");
  EXPECT_EQ(redact_url(""), "");
}

}  // namespace
}  // namespace strata
