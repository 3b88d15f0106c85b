// Schema and table names that need quoting work in every command, and none reaches SQL unquoted.
#include <gtest/gtest.h>

#include "torture.hpp"

namespace strata::test {
namespace {

struct Names {
  std::string schema, table;
};

const std::vector<Names> kNames = {
    {"MixedCase", "HistoryTable"},
    {"with space", "history table"},
    {"quote\"d", "hist\"ory"},
    {"semi;colon", "t; DROP TABLE public.sentinel; --"},
    {"dash -- comment", "-- history"},
    {"x'); DROP TABLE public.sentinel; --", "'quoted'"},
};

std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

TEST(TortureIdentifiers, NamesNeedingQuotesWorkInEveryCommand) {
  int checked = 0;
  for (const Names& n : kNames) {
    SCOPED_TRACE(n.schema + " / " + n.table);
    TestDatabase db;
    db.session().exec("CREATE TABLE public.sentinel (id int)");
    TempDir dir;
    dir.write("V1__thing.sql", "CREATE TABLE thing (id int);\n");
    dir.write("R__view.sql", "CREATE OR REPLACE VIEW thing_view AS SELECT id FROM thing;\n");
    const std::vector<std::string> common = {"--url", db.url(), "--locations", dir.path().string(),
                                             "--schemas", n.schema, "--table", n.table};
    const auto run = [&](std::vector<std::string> args) {
      args.insert(args.end(), common.begin(), common.end());
      return run_strata(args);
    };
    RunResult r = run({"migrate"});
    ASSERT_EQ(r.exit_code, 0) << r.all();
    const std::string history_rows = "SELECT count(*) FROM pg_tables WHERE schemaname = " + literal(n.schema) +
                                     " AND tablename = " + literal(n.table);
    EXPECT_EQ(db.scalar(history_rows), "1");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = " + literal(n.schema) +
                        " AND tablename = 'thing'"),
              "1");
    for (const char* command : {"info", "validate", "repair"}) {
      r = run({command});
      EXPECT_EQ(r.exit_code, 0) << command << ": " << r.all();
    }
    r = run({"info", "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    r = run({"clean", "--clean-disabled=false"});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    EXPECT_EQ(db.scalar(history_rows), "0");
    // baseline (below V1) on the now empty schema, then migrate on top of it.
    r = run({"baseline", "--baseline-version", "0"});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    r = run({"migrate"});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    EXPECT_EQ(db.scalar("SELECT to_regclass('public.sentinel') IS NOT NULL"), "t");
    ++checked;
  }
  figures("identifiers: " + std::to_string(checked) + " schema/table name pairs (mixed case, spaces, quotes, "
          "semicolons, --) through migrate, info (text and JSON), validate, repair, clean, baseline, migrate; "
          "sentinel table intact");
}

}  // namespace
}  // namespace strata::test
