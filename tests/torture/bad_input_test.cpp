// Bad input, table-driven: one ERROR line naming the cause (file:line where there is one), the
// exit code README documents, and the schema exactly as it was.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "torture.hpp"

namespace strata::test {
namespace {

// What one case may change before the bad run: files, arguments, environment, the database.
struct CaseSetup {
  TestDatabase& db;
  const TempDir& dir;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string m() const { return (dir.path() / "m").string(); }
  void write(const std::string& rel, const std::string& content) const { dir.write(rel, content); }
  void set(const std::string& flag, const std::string& value) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == flag) {
        args[i + 1] = value;
        return;
      }
    }
    args.push_back(flag);
    args.push_back(value);
  }
};

struct BadInput {
  std::string name;
  std::function<void(CaseSetup&)> prepare;
  int exit_code;
  std::string expect;  // in the one ERROR line
};

// Roles belong to the cluster: the role the privilege case makes goes with its grants.
const std::string kDropNoPrivRole =
    "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'torture_nopriv') THEN "
    "DROP OWNED BY torture_nopriv; DROP ROLE torture_nopriv; END IF; END $$";

const std::string kHistoryInsert =
    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
    "installed_by, execution_time, success) VALUES ";

std::vector<BadInput> cases() {
  const auto file = [](std::string rel, std::string content) {
    return [=](CaseSetup& s) { s.write("m/" + rel, content); };
  };
  const auto arg = [](std::string flag, std::string value) { return [=](CaseSetup& s) { s.set(flag, value); }; };
  return {
      {"unparsable version", file("V1.x__bad.sql", "SELECT 1;"), 2, "V1.x__bad.sql"},
      {"version with letters", file("Vabc__bad.sql", "SELECT 1;"), 2, "Vabc__bad.sql"},
      {"no version", file("V__none.sql", "SELECT 1;"), 2, "V__none.sql"},
      {"duplicate version", [](CaseSetup& s) { s.write("m/V1__a.sql", "SELECT 1;"); s.write("m/V1.0__b.sql", "SELECT 1;"); },
       2, "more than one migration with version 1"},
      {"duplicate version across folders",
       [](CaseSetup& s) { s.write("m/a/V3__x.sql", "SELECT 1;"); s.write("m/b/V3__y.sql", "SELECT 1;"); }, 2,
       "more than one migration with version 3"},
      {"duplicate repeatable", [](CaseSetup& s) { s.write("m/a/R__v.sql", "SELECT 1;"); s.write("m/b/R__v.sql", "SELECT 2;"); },
       2, "more than one repeatable migration"},
      {"latin-1 byte", file("V1__latin.sql", "SELECT 1;\nSELECT 'caf\xe9';\n"), 2, "V1__latin.sql at byte offset 21 (line 2)"},
      {"non-UTF-8 file name", file("V1__caf\xe9.sql", "SELECT 1;"), 2, "V1__caf"},
      {"non-UTF-8 folder", file("dir\xff/V1__a.sql", "SELECT 1;"), 2, "not valid UTF-8"},
      {"BOM then a failing statement", file("V1__bom.sql", "\xEF\xBB\xBFSELECT 1;\nSELECT * FROM nowhere;\n"), 1,
       "V1__bom.sql:2"},
      {"binary file", file("V1__bin.sql", std::string("SELECT 1;\n\0\x01\x02", 13)), 2, "NUL byte"},
      {"binary file with invalid UTF-8", file("V1__bin.sql", "\x89PNG\r\n\x1a\n\xff\xfe"), 2, "invalid UTF-8"},
      {"failing statement at line 3", file("V1__fail.sql", "CREATE TABLE ok1 (id int);\n\nSELECT * FROM nowhere;\n"), 1,
       "V1__fail.sql:3"},
      {"failure after earlier statements", file("V1__half.sql", "CREATE TABLE half (id int);\nINSERT INTO half VALUES ('x');\n"),
       1, "V1__half.sql:2"},
      {"unterminated quote", file("V1__quote.sql", "SELECT 1;\nSELECT 'never closed;\n"), 2, "V1__quote.sql:2"},
      {"unterminated block comment", file("V1__comment.sql", "SELECT 1;\n/* never closed\nSELECT 2;\n"), 2,
       "V1__comment.sql:2"},
      {"unterminated dollar quote", file("V1__dollar.sql", "DO $$ BEGIN\nPERFORM 1;\n"), 2, "V1__dollar.sql:1"},
      {"undefined placeholder", file("V1__ph.sql", "SELECT 1;\nSELECT ${nope};\n"), 2, "V1__ph.sql:2:8"},
      {"missing location", arg("--locations", "/nonexistent/strata/torture"), 2, "does not exist"},
      {"location is a file", [](CaseSetup& s) { s.write("plain.txt", "x"); s.set("--locations", (s.dir.path() / "plain.txt").string()); },
       2, "is not a directory"},
      {"unsupported location scheme", arg("--locations", "s3:bucket/migrations"), 2, "only filesystem locations"},
      {"symlink loop", [](CaseSetup& s) {
         s.write("m/sub/V1__a.sql", "SELECT 1;");
         std::filesystem::create_directory_symlink(s.m(), s.dir.path() / "m/sub/loop");
       }, 2, "symbolic link loop"},
      {"dangling migration symlink", [](CaseSetup& s) {
         std::filesystem::create_directories(s.m());
         std::filesystem::create_symlink(s.dir.path() / "gone.sql", s.dir.path() / "m/V1__gone.sql");
       }, 2, "V1__gone.sql"},
      {"FIFO named like a migration", [](CaseSetup& s) {
         std::filesystem::create_directories(s.m());
         ::mkfifo((s.dir.path() / "m/V1__fifo.sql").c_str(), 0600);
       }, 2, "not a regular file"},
      {"URL with unknown scheme", arg("--url", "mysql://root@127.0.0.1/x"), 2, "unsupported scheme 'mysql'"},
      {"URL with bad port", arg("--url", "postgresql://postgres@127.0.0.1:notaport/x"), 2, "invalid port"},
      {"invalid lock timeout", arg("--lock-wait-timeout", "soon"), 2, "lockWaitTimeout"},
      {"invalid target", arg("--target", "abc"), 2, "invalid target 'abc'"},
      {"unknown command", [](CaseSetup& s) { s.args[0] = "frobnicate"; }, 2, "unknown command 'frobnicate'"},
      {"unknown option", [](CaseSetup& s) { s.args.push_back("--frobnicate"); }, 2, "--frobnicate"},
      {"bad YAML", [](CaseSetup& s) { s.write("bad.yaml", "flyway:\n  url: [1\n"); s.set("-c", (s.dir.path() / "bad.yaml").string()); },
       2, "bad.yaml:"},
      {"bad TOML", [](CaseSetup& s) { s.write("bad.toml", "[flyway]\nurl = = 1\n"); s.set("-c", (s.dir.path() / "bad.toml").string()); },
       2, "bad.toml:2"},
      {"bad flyway.conf", [](CaseSetup& s) {
         s.write("bad.conf", "flyway.lockRetryCount=abc\n");
         s.args.push_back("-configFiles=" + (s.dir.path() / "bad.conf").string());
       }, 2, "bad.conf:1"},
      {"unknown environment", [](CaseSetup& s) {
         s.write("strata.yaml", "environments:\n  dev:\n    url: " + s.db.url() + "\n");
         s.set("-c", (s.dir.path() / "strata.yaml").string());
         s.set("-e", "nope");
       }, 2, "unknown environment 'nope'"},
      {"wrong password", [](CaseSetup& s) { s.env["PGPASSWORD"] = "not-the-password"; }, 3, "password authentication failed"},
      {"unreachable host (closed port)", arg("--url", "postgresql://postgres@127.0.0.1:1/postgres"), 3, "Connection refused"},
      {"missing database", arg("--url", "postgresql://postgres@127.0.0.1:" + server().port + "/no_such_db_torture"), 3,
       "database \"no_such_db_torture\" does not exist"},
      {"no privilege to create the history table", [](CaseSetup& s) {
         s.db.session().exec(kDropNoPrivRole);
         s.db.session().exec("CREATE ROLE torture_nopriv LOGIN PASSWORD 'np-torture'");
         s.db.session().exec("CREATE SCHEMA locked; GRANT USAGE ON SCHEMA locked TO torture_nopriv");
         s.set("--url", "postgresql://torture_nopriv@127.0.0.1:" + server().port + "/" + s.db.name());
         s.set("--schemas", "locked");
         s.env["PGPASSWORD"] = "np-torture";
       }, 1, "permission denied for schema locked"},
      {"history table with wrong columns", [](CaseSetup& s) {
         s.db.session().exec("CREATE TABLE wrong_history (id int, note text)");
         s.set("--table", "wrong_history");
         s.write("m/V1__a.sql", "CREATE TABLE a (id int);");
       }, 1, "wrong_history"},
      {"unknown history row type", [](CaseSetup& s) {
         s.write("m/V1__a.sql", "SELECT 1;");
         s.db.session().exec(kHistoryInsert + "(2, '1', 'a', 'SQL_FROM_THE_FUTURE', 'V1__a.sql', 0, 'x', 0, true)");
       }, 1, "SQL_FROM_THE_FUTURE"},
      {"row from the future below a pending file", [](CaseSetup& s) {
         s.write("m/V1__a.sql", "SELECT 1;");
         s.db.session().exec(kHistoryInsert + "(2, '99', 'later', 'SQL', 'V99__later.sql', 0, 'x', 0, true)");
       }, 1, "version 1"},
      {"failed row in history", [](CaseSetup& s) {
         s.write("m/V1__a.sql", "SELECT 1;");
         s.db.session().exec(kHistoryInsert + "(2, '1', 'a', 'SQL', 'V1__a.sql', 0, 'x', 0, false)");
       }, 1, "failed"},
      {"checksum mismatch", [](CaseSetup& s) {
         s.write("m/V1__a.sql", "SELECT 1;");
         s.db.session().exec(kHistoryInsert + "(2, '1', 'a', 'SQL', 'V1__a.sql', 12345, 'x', 0, true)");
       }, 1, "checksum mismatch"},
      {"applied migration whose file is gone", [](CaseSetup& s) {
         s.write("m/V2__b.sql", "SELECT 1;");
         s.db.session().exec(kHistoryInsert + "(2, '1', 'a', 'SQL', 'V1__a.sql', 0, 'x', 0, true)");
       }, 1, "V1__a.sql"},
  };
}

// The first line of `err` that starts with "ERROR:": the cause, complete on that one line (a
// validation failure adds one such line per problem, then its summary).
std::string the_error_line(const std::string& err) {
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("ERROR:")) return line;
  }
  return "<no ERROR line>";
}

TEST(TortureBadInput, EachCaseIsOneErrorLineTheDocumentedExitCodeAndNoSchemaChange) {
  const std::vector<BadInput> all = cases();
  ASSERT_GE(all.size(), 40u);
  int passed = 0;
  for (const BadInput& c : all) {
    SCOPED_TRACE(c.name);
    TestDatabase db;
    TempDir dir;
    // A managed database to start from: one applied migration in a location of its own.
    dir.write("base/V0_1__base.sql", "CREATE TABLE base (id int);\n");
    dir.write("m/.keep", "");
    const std::string locations = (dir.path() / "base").string() + "," + (dir.path() / "m").string();
    ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", locations}).exit_code, 0);
    CaseSetup setup{db, dir, {"migrate", "--url", db.url(), "--locations", locations}, {}};
    c.prepare(setup);
    const std::string before = schema_dump(db.name());
    const RunResult r = run_strata(setup.args, setup.env);
    const std::string line = the_error_line(r.err);
    const bool unchanged = schema_dump(db.name()) == before;
    const bool ok = r.exit_code == c.exit_code && line.find(c.expect) != std::string::npos && unchanged;
    EXPECT_EQ(r.exit_code, c.exit_code) << r.all();
    EXPECT_NE(line.find(c.expect), std::string::npos) << "expected \"" << c.expect << "\" in: " << line << "\n" << r.all();
    EXPECT_TRUE(unchanged) << "the schema changed: " << r.all();
    db.session().exec(kDropNoPrivRole);
    passed += ok ? 1 : 0;
  }
  figures("bad input: " + std::to_string(passed) + "/" + std::to_string(all.size()) +
          " cases gave one ERROR line with the cause, the documented exit code and an unchanged schema dump");
}

TEST(TortureBadInput, AHundredMegabyteFileFailsAtItsLastLineAndChangesNothing) {
  TestDatabase db;
  TempDir dir;
  dir.write("base/V0_1__base.sql", "CREATE TABLE base (id int);\n");
  const std::string base = (dir.path() / "base").string();
  ASSERT_EQ(run_strata({"migrate", "--url", db.url(), "--locations", base}).exit_code, 0);
  const std::string line = "-- padding so that this migration is one hundred megabytes long ......................\n";
  const std::size_t lines = (100u << 20) / line.size();
  {
    std::string text = "CREATE TABLE big_ok (id int);\n";
    text.reserve(lines * line.size() + 64);
    for (std::size_t i = 0; i < lines; ++i) text += line;
    text += "SELECT * FROM nowhere;\n";
    dir.write("m/V1__big.sql", text);
  }
  const std::string before = schema_dump(db.name());
  const auto started = std::chrono::steady_clock::now();
  const RunResult r = run_strata({"migrate", "--url", db.url(), "--locations", base + "," + (dir.path() / "m").string()});
  const auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  const std::string where = "V1__big.sql:" + std::to_string(lines + 2) + ":15";
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(the_error_line(r.err).find(where), std::string::npos) << the_error_line(r.err);
  EXPECT_EQ(db.scalar("SELECT to_regclass('public.big_ok') IS NULL"), "t");
  std::filesystem::remove(dir.path() / "m/V1__big.sql");
  EXPECT_EQ(schema_dump(db.name()), before);
  figures("bad input: a 100 MB migration (" + std::to_string(lines + 2) + " lines) failed at " + where + " in " +
          std::to_string(took.count()) + " s, rolled back, schema unchanged, file deleted");
}

}  // namespace
}  // namespace strata::test
