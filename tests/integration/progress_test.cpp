// The live progress line appears only on a terminal (checked under a pseudo-terminal made by
// script(1)); logs stay plain lines otherwise, and NO_COLOR turns colour off.
#include <gtest/gtest.h>


#include "harness.hpp"

namespace strata::test {
namespace {

// Runs strata with `args` under a pseudo-terminal; the transcript of the terminal is returned.
RunResult run_on_terminal(const std::string& args, const std::string& env = "") {
  const std::string inner = env + " PGPASSWORD='" + server().password + "' '" + STRATA_BIN + "' " + args;
  return run_shell("script -q -e -c \"" + inner + "\" /dev/null < /dev/null");
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Two migrations, the second with a statement that runs for 3.5 s from line 3, column 1.
struct SlowMigrations {
  TestDatabase db;
  TempDir dir;
  SlowMigrations() {
    dir.write("V1__quick.sql", "CREATE TABLE quick (id int);\n");
    dir.write("V2__slow.sql", "CREATE TABLE slow (id int);\n-- waits\nSELECT pg_sleep(3.5);\n");
  }
  std::string args() const { return "migrate --url '" + db.url() + "' --locations '" + dir.path().string() + "'"; }
};

TEST(Progress, TerminalShowsMigrationCountNameElapsedAndStatement) {
  SlowMigrations m;
  RunResult r = run_on_terminal(m.args(), "TERM=xterm");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "\r\x1b[K")) << "the live line is redrawn in place";
  EXPECT_TRUE(has(r.out, "[1/2] V1__quick.sql") || has(r.out, "[2/2] V2__slow.sql")) << r.out;
  EXPECT_TRUE(has(r.out, "[2/2] V2__slow.sql 3.")) << "elapsed time counts up" << r.out;
  EXPECT_TRUE(has(r.out, "statement at line 3:1")) << r.out;
  EXPECT_TRUE(has(r.out, "\x1b[36m")) << "coloured on a terminal";
  EXPECT_TRUE(has(r.out, "Successfully applied 2 migrations")) << r.out;
}

TEST(Progress, NoColourWithNoColorButStillTheLine) {
  SlowMigrations m;
  RunResult r = run_on_terminal(m.args(), "TERM=xterm NO_COLOR=1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has(r.out, "[2/2] V2__slow.sql")) << r.out;
  EXPECT_FALSE(has(r.out, "\x1b[36m")) << r.out;
  EXPECT_FALSE(has(r.out, "\x1b[3")) << "no colour at all" << r.out;
}

TEST(Progress, PlainLinesWithoutATerminalOrWithJsonLogs) {
  SlowMigrations m;
  RunResult piped = run_strata({"migrate", "--url", m.db.url(), "--locations", m.dir.path().string()});
  ASSERT_EQ(piped.exit_code, 0) << piped.all();
  EXPECT_FALSE(has(piped.all(), "\x1b")) << piped.all();
  EXPECT_FALSE(has(piped.all(), "\r")) << piped.all();
  EXPECT_FALSE(has(piped.all(), "[1/2]")) << piped.all();

  SlowMigrations again;
  RunResult json = run_on_terminal(again.args() + " --log-format json", "TERM=xterm");
  ASSERT_EQ(json.exit_code, 0) << json.out;
  EXPECT_FALSE(has(json.out, "\x1b")) << json.out;
  EXPECT_FALSE(has(json.out, "[2/2]")) << json.out;
}

TEST(Progress, WarningsAndErrorsColouredOnlyOnATerminal) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__bad.sql", "SELECT * FROM no_such_table;\n");
  const std::string args = "migrate --url '" + db.url() + "' --locations '" + dir.path().string() + "'";
  RunResult tty = run_on_terminal(args, "TERM=xterm");
  EXPECT_EQ(tty.exit_code, 1) << tty.out;
  EXPECT_TRUE(has(tty.out, "\x1b[1;31mERROR:\x1b[0m ")) << tty.out;
  RunResult piped = run_strata({"migrate", "--url", db.url(), "--locations", dir.path().string()});
  EXPECT_EQ(piped.exit_code, 1);
  EXPECT_TRUE(has(piped.err, "ERROR: ")) << piped.err;
  EXPECT_FALSE(has(piped.err, "\x1b")) << piped.err;
}

}  // namespace
}  // namespace strata::test
