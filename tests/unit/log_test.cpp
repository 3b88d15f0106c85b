// Logging: where each level goes, the JSON line shape, and that secrets never get written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "strata/log.hpp"

#include "capture.hpp"

namespace strata::log {
namespace {

// Redirects a file descriptor into a temporary file. `peek` reads what has reached the file
// without flushing anything, which is what a pipe reader would see.
using test::Capture;

struct Output {
  std::string out, err;
};

template <typename F>
Output capture(F&& f) {
  Capture out(STDOUT_FILENO), err(STDERR_FILENO);
  f();
  Output o;
  o.err = err.finish();
  o.out = out.finish();
  return o;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    result.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return result;
}

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { configure(Format::Text, Verbosity::Normal); }
};

TEST_F(LogTest, TextRoutesLevels) {
  configure(Format::Text, Verbosity::Normal);
  auto o = capture([] {
    debug("dbg");
    info("hello");
    warn("careful");
    error("broken");
  });
  EXPECT_EQ(o.out, "hello\n");
  EXPECT_EQ(o.err, "WARNING: careful\nERROR: broken\n");
}

TEST_F(LogTest, TextVerboseShowsDebugAndFields) {
  configure(Format::Text, Verbosity::Verbose);
  auto o = capture([] {
    debug("dbg", {{"n", 2}});
    info("hello");
  });
  EXPECT_EQ(o.out, "dbg (n=2)\nhello\n");
}

TEST_F(LogTest, TextNormalOmitsFields) {
  configure(Format::Text, Verbosity::Normal);
  auto o = capture([] { info("Applied", {{"version", "2"}}); });
  EXPECT_EQ(o.out, "Applied\n");
}

TEST_F(LogTest, QuietDropsInfoKeepsWarningsAndErrors) {
  configure(Format::Text, Verbosity::Quiet);
  auto o = capture([] {
    info("chatter");
    debug("more chatter");
    warn("w");
    error("e");
  });
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "WARNING: w\nERROR: e\n");
}

TEST_F(LogTest, JsonLineShape) {
  configure(Format::Json, Verbosity::Normal);
  auto o = capture([] {
    info("Migrating \"public\"", {{"version", "2"}, {"count", 3}, {"ms", 1.5}, {"ok", true}});
  });
  EXPECT_EQ(o.err, "");
  auto ls = lines(o.out);
  ASSERT_EQ(ls.size(), 1u) << o.out;
  const std::regex shape(
      R"(^\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"info","msg":"Migrating \\"public\\"",)"
      R"("version":"2","count":3,"ms":1.5,"ok":true\}$)");
  EXPECT_TRUE(std::regex_match(ls[0], shape)) << ls[0];
  auto j = nlohmann::json::parse(ls[0]);
  EXPECT_EQ(j["msg"], "Migrating \"public\"");
  EXPECT_EQ(j["count"], 3);
  EXPECT_EQ(j["ok"], true);
}

TEST_F(LogTest, JsonEveryLevelToStdoutWithItsName) {
  configure(Format::Json, Verbosity::Verbose);
  auto o = capture([] {
    debug("a");
    info("b");
    warn("c");
    error("d");
  });
  EXPECT_EQ(o.err, "");
  auto ls = lines(o.out);
  ASSERT_EQ(ls.size(), 4u) << o.out;
  const char* levels[] = {"debug", "info", "warn", "error"};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(nlohmann::json::parse(ls[i])["level"], levels[i]);
}

TEST_F(LogTest, JsonStaysValidForAwkwardText) {
  configure(Format::Json, Verbosity::Normal);
  auto o = capture([] { info("tab\there\nnew \x01 bad\xff byte \\ é", {{"k\"ey", "v\r\n"}}); });
  auto ls = lines(o.out);
  ASSERT_EQ(ls.size(), 1u) << o.out;
  auto j = nlohmann::json::parse(ls[0]);  // throws on invalid JSON or UTF-8
  EXPECT_EQ(j["msg"], "tab\there\nnew \x01 bad\xEF\xBF\xBD byte \\ é");
  EXPECT_EQ(j["k\"ey"], "v\r\n");
}

TEST_F(LogTest, SecretsRedactedInMessageAndFields) {
  add_secret("Tr0ub4dor&3");
  add_secret("q\"uote\\d");  // a secret that JSON escaping would change
  configure(Format::Json, Verbosity::Normal);
  auto o = capture([] {
    error("login failed with Tr0ub4dor&3", {{"password", "Tr0ub4dor&3"}, {"dsn", "x q\"uote\\d y"}});
  });
  EXPECT_EQ(o.out.find("Tr0ub4dor"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("uote"), std::string::npos) << o.out;
  auto j = nlohmann::json::parse(lines(o.out).at(0));
  EXPECT_EQ(j["msg"], "login failed with ***");
  EXPECT_EQ(j["password"], "***");
  EXPECT_EQ(j["dsn"], "x *** y");

  configure(Format::Text, Verbosity::Verbose);
  o = capture([] { warn("pw Tr0ub4dor&3", {{"pw", "Tr0ub4dor&3"}}); });
  EXPECT_EQ(o.err, "WARNING: pw *** (pw=***)\n");
}

TEST_F(LogTest, RedactReplacesEveryRegisteredSecret) {
  add_secret("");  // ignored: would otherwise match everywhere
  add_secret("abc");
  add_secret("abcdef");  // the longer one must win where they overlap
  EXPECT_EQ(redact("x abcdef y abc z"), "x *** y *** z");
  EXPECT_EQ(redact("nothing here"), "nothing here");
}

TEST_F(LogTest, EachLineIsFlushedAtOnce) {
  configure(Format::Json, Verbosity::Normal);
  Capture out(STDOUT_FILENO);
  info("first");
  std::string seen = out.peek();  // no fflush: a pipe reader sees this now or never
  out.finish();
  EXPECT_NE(seen.find("\"msg\":\"first\""), std::string::npos) << seen;
  EXPECT_EQ(seen.back(), '\n');
}

}  // namespace
}  // namespace strata::log

namespace strata::log {
namespace {

// The live line (progress) stays below every log line written while it shows, and goes when
// cleared; lines are never coloured when the stream is no terminal.
TEST(LogStatusLine, RedrawnBelowEachLineAndCleared) {
  configure(Format::Text, Verbosity::Normal);
  reserve_stdout(true);  // info to stderr too, so one capture sees the order
  test::Capture err(STDERR_FILENO);
  set_status("[1/2] V1__a.sql 0.2s");
  warn("slow disk");
  info("Migrating schema \"public\" to version \"2\"");
  set_status("");
  const std::string text = err.finish();
  reserve_stdout(false);
  EXPECT_EQ(text,
            "\r\x1b[K[1/2] V1__a.sql 0.2s"
            "\r\x1b[KWARNING: slow disk\n[1/2] V1__a.sql 0.2s"
            "\r\x1b[KMigrating schema \"public\" to version \"2\"\n[1/2] V1__a.sql 0.2s"
            "\r\x1b[K");
}

TEST(LogStatusLine, NothingExtraWithoutOne) {
  configure(Format::Text, Verbosity::Normal);
  test::Capture err(STDERR_FILENO);
  warn("plain");
  EXPECT_EQ(err.finish(), "WARNING: plain\n");
  EXPECT_FALSE(colour_on(STDERR_FILENO)) << "a file is no terminal";
}

}  // namespace
}  // namespace strata::log
