// The SQL corpus on a real server: each file as the only migration of a fresh database, run by the
// strata binary with its row's settings; it applies, fails at its file:line:col, or is refused at
// pre-flight leaving the database untouched (not even a history table).
#include <gtest/gtest.h>

#include "../corpus/corpus.hpp"
#include "harness.hpp"

namespace strata::test {
namespace {

TEST(CorpusOnServer, EveryFileAppliesOrFailsWhereItsExpectationsSay) {
  for (const CorpusCase& c : corpus_cases()) {
    SCOPED_TRACE(c.name());
    TestDatabase db;
    TempDir dir;
    const std::string script = "V1__" + c.file;
    const std::string path = dir.write(script, read_corpus_file(c.file)).string();
    if (c.has("executeInTransaction=false")) dir.write(script + ".conf", "executeInTransaction=false\n");
    std::vector<std::string> args{"migrate", "--url", db.url(), "--locations", dir.path().string()};
    if (c.has("mixed=true")) args.push_back("-mixed=true");
    const RunResult r = run_strata(args);
    const std::string history = db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'flyway_schema_history'");
    if (c.outcome == "applies") {
      EXPECT_EQ(r.exit_code, 0) << r.all();
      EXPECT_EQ(db.scalar("SELECT string_agg(script || ':' || success, ',') FROM flyway_schema_history"), script + ":true");
    } else if (c.mode == "refused") {
      EXPECT_EQ(r.exit_code, 2) << r.all();
      EXPECT_NE(r.err.find(path + ":" + std::to_string(c.line) + ":"), std::string::npos) << r.all();
      EXPECT_EQ(history, "0") << "pre-flight must leave the database untouched";
    } else {
      EXPECT_EQ(r.exit_code, 1) << r.all();
      const std::string at = path + ":" + std::to_string(c.line) + (c.column ? ":" + std::to_string(c.column) : "") + ": ";
      EXPECT_NE(r.err.find(at), std::string::npos) << at << "\n" << r.all();
    }
  }
}

}  // namespace
}  // namespace strata::test
