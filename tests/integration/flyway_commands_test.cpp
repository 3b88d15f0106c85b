// Flyway's command set (validate, repair, baseline, clean), callbacks, placeholders, targets and
// out-of-order, run with the real strata binary against a real PostgreSQL 15. Every expectation is
// Flyway 10's behaviour; the Flyway source file that decides it is named next to the test.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

#include "harness.hpp"
#include "strata/checksum.hpp"

namespace strata::test {
namespace {

// `verb --url <db> --locations <dir>` followed by `extra`.
std::vector<std::string> cmd(const std::string& verb, const TestDatabase& db, const TempDir& dir,
                             const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{verb, "--url", db.url(), "--locations", dir.path().string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// The lines of `text` that contain `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (has(line, needle)) out.push_back(line);
  }
  return out;
}

// The one line of `text` containing `needle`, or "" (and a test failure) when there is none or
// more than one.
std::string line_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> found = lines_with(text, needle);
  EXPECT_EQ(found.size(), 1u) << "lines with '" << needle << "' in:\n" << text;
  return found.empty() ? std::string() : found.front();
}

std::string checksum_of(const TempDir& dir, const std::string& file) {
  return std::to_string(flyway_checksum(read_file(dir.path() / file)));
}

// version:type:success per history row, in installed_rank order; R for a repeatable.
std::string history(TestDatabase& db) {
  return db.scalar("SELECT string_agg(coalesce(version, 'R') || ':' || type || ':' || success::text, ',' "
                   "ORDER BY installed_rank) FROM flyway_schema_history");
}

bool exists(TestDatabase& db, const std::string& relation) {
  return db.scalar("SELECT to_regclass($1) IS NOT NULL", {relation}) == "t";
}

// A row as Flyway leaves a failed non-transactional migration: success = false.
void insert_failed_row(TestDatabase& db, const std::string& version, const std::string& description,
                       const std::string& script, const std::string& checksum) {
  db.query(
      "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
      "installed_by, execution_time, success) "
      "SELECT coalesce(max(installed_rank), 0) + 1, $1, $2, 'SQL', $3, $4::int, 'deployer', 12, false "
      "FROM flyway_schema_history",
      {version, description, script, checksum});
}

// Flyway's info states by "version|description" (repeatables: "|description"), every row's state
// in rank order joined by ','.
std::map<std::string, std::string> info_states(const TestDatabase& db, const TempDir& dir,
                                               const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = cmd("info", db, dir, extra);
  args.insert(args.end(), {"--output", "json"});
  RunResult r = run_strata(args);
  EXPECT_EQ(r.exit_code, 0) << r.all();
  std::map<std::string, std::string> out;
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("migrations")) {
    ADD_FAILURE() << "no info JSON in: " << r.out;
    return out;
  }
  for (const auto& m : doc["migrations"]) {
    std::string& s = out[m["version"].get<std::string>() + "|" + m["description"].get<std::string>()];
    s += (s.empty() ? "" : ",") + m["state"].get<std::string>();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// validate (Flyway: command/DbValidate.java, info/MigrationInfoImpl.java#validate)
// ---------------------------------------------------------------------------------------------

void write_three(const TempDir& dir) {
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n");
}

TEST(FlywayCommandsValidate, PassesOnACleanHistoryAndCountsEveryMigration) {
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  RunResult r = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(has(r.out, "Successfully validated 3 migrations")) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(FlywayCommandsValidate, ChangedChecksumFailsNamingFileBothChecksumsAndRepair) {
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  const std::string applied = checksum_of(dir, "V2__b.sql");
  dir.write("V2__b.sql", "CREATE TABLE b (id bigint);\n");
  const std::string local = checksum_of(dir, "V2__b.sql");
  ASSERT_NE(applied, local);

  RunResult r = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  const std::string line = line_with(r.err, "checksum mismatch");
  EXPECT_TRUE(has(line, "V2__b.sql")) << line;
  EXPECT_TRUE(has(line, "version 2")) << line;
  EXPECT_TRUE(has(line, applied)) << line;
  EXPECT_TRUE(has(line, local)) << line;
  EXPECT_TRUE(has(line, "strata repair")) << line;
  EXPECT_TRUE(has(r.err, "Validate failed: 1 problem")) << r.err;
  EXPECT_FALSE(has(r.out, "Successfully validated")) << r.out;
}

// The words of the first `strata VERB ...` command quoted in backticks in `text`, without "strata".
std::vector<std::string> suggested_command(const std::string& text, const std::string& verb) {
  const std::size_t start = text.find("`strata " + verb);
  if (start == std::string::npos) return {};
  const std::size_t end = text.find('`', start + 1);
  std::istringstream words(text.substr(start + 8, end - start - 8));
  std::vector<std::string> out;
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

TEST(FlywayCommandsValidate, TheSuggestedFixRunsAsPrintedAndFixesTheHistory) {
  // The fix repeats the settings that chose the database and the files, so that pasting it acts
  // where validate looked rather than on ./migrations and the default config files.
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir, {"--table", "app_history"})).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id bigint);\n");
  RunResult v = run_strata(cmd("validate", db, dir, {"--table", "app_history", "-placeholders.token=s3cr3t-value"}));
  EXPECT_EQ(v.exit_code, 1) << v.all();
  std::vector<std::string> fix = suggested_command(line_with(v.err, "checksum mismatch"), "repair");
  ASSERT_FALSE(fix.empty()) << v.err;
  EXPECT_EQ(fix, (std::vector<std::string>{"repair", "--locations", dir.path().string(), "--table", "app_history",
                                           "--url", db.url()}))
      << v.err;
  EXPECT_FALSE(has(v.all(), "s3cr3t-value")) << v.all();  // placeholder values may be secrets

  RunResult repair = run_strata(fix);
  ASSERT_EQ(repair.exit_code, 0) << repair.all();
  EXPECT_TRUE(has(repair.out, "realigned version 2")) << repair.out;
  RunResult clean = run_strata(cmd("validate", db, dir, {"--table", "app_history"}));
  EXPECT_EQ(clean.exit_code, 0) << clean.all();
}

TEST(FlywayCommandsValidate, TheSuggestedFixNeverCarriesThePassword) {
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id bigint);\n");
  RunResult v = run_strata({"validate", "-url=" + db.url_with_password(), "-password=" + server().password,
                            "-locations=filesystem:" + dir.path().string()},
                           {{"PGPASSWORD", ""}});
  EXPECT_EQ(v.exit_code, 1) << v.all();
  EXPECT_FALSE(has(v.all(), server().password)) << v.all();
  // The URL keeps its shape, so the user sees where the password goes.
  EXPECT_TRUE(has(line_with(v.err, "checksum mismatch"), "-url=postgresql://" + server().user + ":***@")) << v.err;
}

TEST(FlywayCommandsValidate, ChangedDescriptionFailsNamingBothDescriptions) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__add_users.sql", "CREATE TABLE users (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  std::filesystem::rename(dir.path() / "V2__add_users.sql", dir.path() / "V2__create_users.sql");

  RunResult r = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  const std::string line = line_with(r.err, "description mismatch");
  EXPECT_TRUE(has(line, "V2__create_users.sql")) << line;
  EXPECT_TRUE(has(line, "version 2")) << line;
  EXPECT_TRUE(has(line, "\"add users\"")) << line;
  EXPECT_TRUE(has(line, "\"create users\"")) << line;
  EXPECT_TRUE(has(line, "strata repair")) << line;
}

TEST(FlywayCommandsValidate, AppliedMigrationWhoseFileIsGoneFails) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  std::filesystem::remove(dir.path() / "V2__b.sql");

  RunResult r = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  const std::string line = line_with(r.err, "V2__b.sql");
  EXPECT_TRUE(has(line, "version 2")) << line;
  EXPECT_TRUE(has(line, "no such file")) << line;
  EXPECT_TRUE(has(line, "strata repair")) << line;
  // migrate validates first and refuses too.
  RunResult m = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(m.exit_code, 1) << m.all();
}

TEST(FlywayCommandsValidate, ARemovedNewestFileIsAFutureMigrationAndToleratedByDefault) {
  // Default ignoreMigrationPatterns is *:future (ValidatePatternUtils / ClassicConfiguration).
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  std::filesystem::remove(dir.path() / "V2__b.sql");
  RunResult r = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  RunResult strict = run_strata(cmd("validate", db, dir, {"--ignore-migration-patterns=*:pending"}));
  EXPECT_EQ(strict.exit_code, 1) << strict.all();
  EXPECT_TRUE(has(line_with(strict.err, "V2__b.sql"), "version 2")) << strict.err;
}

TEST(FlywayCommandsValidate, FailedRowFailsAndNamesRepair) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE INDEX CONCURRENTLY a_id ON a (id);\n");
  insert_failed_row(db, "2", "b", "V2__b.sql", checksum_of(dir, "V2__b.sql"));

  RunResult r = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  const std::string line = line_with(r.err, "failed in the schema history");
  EXPECT_TRUE(has(line, "version 2")) << line;
  EXPECT_TRUE(has(line, "V2__b.sql")) << line;
  EXPECT_TRUE(has(line, "strata repair")) << line;
  EXPECT_TRUE(has(r.err, "Validate failed: 1 problem")) << r.err;

  // migrate refuses a history with a failed row (DbMigrate: "contains a failed migration").
  RunResult m = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(m.exit_code, 1) << m.all();
  EXPECT_TRUE(has(m.err, "strata repair")) << m.err;
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:false");
}

TEST(FlywayCommandsValidate, PendingMigrationFailsStandaloneValidateUnlessIgnored) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");

  RunResult r = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  const std::string line = line_with(r.err, "V2__b.sql");
  EXPECT_TRUE(has(line, "not applied")) << line;
  EXPECT_TRUE(has(line, "strata migrate")) << line;

  RunResult ignored = run_strata(cmd("validate", db, dir, {"--ignore-migration-patterns=*:pending"}));
  EXPECT_EQ(ignored.exit_code, 0) << ignored.all();
  EXPECT_TRUE(has(ignored.out, "Successfully validated 2 migrations")) << ignored.out;
}

TEST(FlywayCommandsValidate, UnappliedVersionBelowCurrentFailsValidateAndMigrateUntilOutOfOrder) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");

  RunResult v = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(v.exit_code, 1) << v.all();
  const std::string line = line_with(v.err, "V2__b.sql");
  EXPECT_TRUE(has(line, "version 2")) << line;
  EXPECT_TRUE(has(line, "--out-of-order")) << line;

  // validateOnMigrate (default true) fails the same way: MigrationInfoImpl#validate reports IGNORED
  // even with migrate's extra *:pending pattern (Flyway.migrate).
  RunResult m = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(m.exit_code, 1) << m.all();
  EXPECT_TRUE(has(m.err, "V2__b.sql")) << m.err;
  EXPECT_FALSE(exists(db, "b"));
  EXPECT_EQ(history(db), "1:SQL:true,3:SQL:true");

  RunResult ooo = run_strata(cmd("migrate", db, dir, {"--out-of-order"}));
  EXPECT_EQ(ooo.exit_code, 0) << ooo.all();
  EXPECT_TRUE(exists(db, "b"));
  EXPECT_EQ(history(db), "1:SQL:true,3:SQL:true,2:SQL:true");
  EXPECT_EQ(info_states(db, dir)["2|b"], "Out of Order");
}

TEST(FlywayCommandsValidate, MigrateRefusesAChangedChecksumByDefault) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V1__a.sql", "CREATE TABLE a (id bigint);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  RunResult r = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(has(line_with(r.err, "checksum mismatch"), "V1__a.sql")) << r.err;
  EXPECT_FALSE(exists(db, "b"));
  EXPECT_EQ(history(db), "1:SQL:true");
}

TEST(FlywayCommandsValidate, ValidateOnMigrateFalseLetsMigrateGoOnWithAChangedChecksum) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  const std::string original = checksum_of(dir, "V1__a.sql");
  dir.write("V1__a.sql", "CREATE TABLE a (id bigint);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  RunResult r = run_strata(cmd("migrate", db, dir, {"--validate-on-migrate=false"}));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(exists(db, "b"));
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
  // The applied row keeps what was applied; only repair rewrites it.
  EXPECT_EQ(db.scalar("SELECT checksum FROM flyway_schema_history WHERE version = '1'"), original);
}

TEST(FlywayCommandsValidate, JsonOutputDescribesEachInvalidMigrationAsFlywaysValidateOutput) {
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id bigint);\n");
  RunResult r = run_strata(cmd("validate", db, dir, {"-outputType=json"}));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc["validationSuccessful"], false);
  ASSERT_EQ(doc["invalidMigrations"].size(), 1u) << r.out;
  const nlohmann::json& m = doc["invalidMigrations"][0];
  // CommandResultFactory#createValidateOutput: the migration's version, description and
  // physical location; what is wrong goes in errorDetails.
  EXPECT_EQ(m["version"], "2");
  EXPECT_EQ(m["description"], "b");
  EXPECT_EQ(m["filepath"], std::filesystem::absolute(dir.path() / "V2__b.sql").lexically_normal().generic_string());
  EXPECT_EQ(m["errorDetails"]["errorCode"], "CHECKSUM_MISMATCH");
  EXPECT_TRUE(has(m["errorDetails"]["errorMessage"].get<std::string>(), "checksum mismatch for version 2")) << r.out;
}

TEST(FlywayCommandsValidate, JsonOutputReportsAnErrorAsFlywaysErrorDocument) {
  // With -outputType=json Flyway answers a failed command with {"error": {...}} on stdout.
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  RunResult unreachable = run_strata({"validate", "--url", "postgresql://nobody@127.0.0.1:1/none", "--locations",
                                      dir.path().string(), "-outputType=json"});
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.all();
  nlohmann::json doc = nlohmann::json::parse(unreachable.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << unreachable.out;
  EXPECT_EQ(doc["error"]["errorCode"], "DB_CONNECTION") << unreachable.out;

  RunResult bad_file = run_strata({"validate", "--url", db.url(), "--locations", "no/such/dir", "--output", "json"});
  EXPECT_EQ(bad_file.exit_code, 2) << bad_file.all();
  nlohmann::json err = nlohmann::json::parse(bad_file.out, nullptr, false);
  ASSERT_FALSE(err.is_discarded()) << bad_file.out;
  EXPECT_TRUE(has(err["error"]["message"].get<std::string>(), "no/such/dir")) << bad_file.out;
}

TEST(FlywayCommandsValidate, InvalidIgnorePatternIsAUsageError) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  RunResult r = run_strata(cmd("validate", db, dir, {"--ignore-migration-patterns=foo"}));
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_TRUE(has(r.err, "'foo'")) << r.err;
}

// ---------------------------------------------------------------------------------------------
// repair (Flyway: command/DbRepair.java, schemahistory/JdbcTableSchemaHistory.java)
// ---------------------------------------------------------------------------------------------

TEST(FlywayCommandsRepair, RemovesFailedRowsThenMigrateCarriesOn) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  insert_failed_row(db, "2", "b", "V2__b.sql", checksum_of(dir, "V2__b.sql"));

  RunResult r = run_strata(cmd("repair", db, dir));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(has(line_with(r.out, "removed failed"), "version 2")) << r.out;
  EXPECT_TRUE(has(r.out, "Successfully repaired schema history table")) << r.out;
  EXPECT_EQ(history(db), "1:SQL:true");

  RunResult m = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(m.exit_code, 0) << m.all();
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
  EXPECT_TRUE(exists(db, "b"));
}

TEST(FlywayCommandsRepair, RealignsChecksumAndDescriptionOfAppliedRowsToTheFiles) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__add_users.sql", "CREATE TABLE users (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  const std::string old_v1 = checksum_of(dir, "V1__a.sql");
  dir.write("V1__a.sql", "CREATE TABLE a (id bigint);\n");
  std::filesystem::rename(dir.path() / "V2__add_users.sql", dir.path() / "V2__create_users.sql");
  const std::string new_v1 = checksum_of(dir, "V1__a.sql");

  RunResult r = run_strata(cmd("repair", db, dir));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  const std::string v1_line = line_with(r.out, "realigned version 1 ");
  EXPECT_TRUE(has(v1_line, old_v1) && has(v1_line, new_v1)) << v1_line;
  EXPECT_TRUE(has(line_with(r.out, "realigned version 2 "), "create users")) << r.out;

  // Flyway's UPDATE sets description, type and checksum by installed_rank; script and the rest stay.
  Rows rows = db.query(
      "SELECT installed_rank, version, description, type, script, checksum::text, success "
      "FROM flyway_schema_history ORDER BY installed_rank");
  const std::vector<Row> expected{
      {"1", "1", "a", "SQL", "V1__a.sql", new_v1, "t"},
      {"2", "2", "create users", "SQL", "V2__add_users.sql", checksum_of(dir, "V2__create_users.sql"), "t"},
  };
  EXPECT_EQ(rows, expected);

  RunResult v = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(v.exit_code, 0) << v.all();
}

TEST(FlywayCommandsRepair, MarksAnAppliedMigrationWhoseFileIsGoneAsDeletedAsFlywayDoes) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir, {"--installed-by", "deployer"})).exit_code, 0);
  const std::string v2_sum = checksum_of(dir, "V2__b.sql");
  std::filesystem::remove(dir.path() / "V2__b.sql");

  RunResult r = run_strata(cmd("repair", db, dir));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(has(line_with(r.out, "as deleted"), "V2__b.sql")) << r.out;

  // JdbcTableSchemaHistory#delete: a new row with the original version, description, script,
  // checksum and success, type DELETE, installed_by of this run, execution_time 0.
  Rows rows = db.query(
      "SELECT installed_rank, version, description, type, script, checksum::text, installed_by, execution_time, "
      "success FROM flyway_schema_history ORDER BY installed_rank");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], (Row{"2", "2", "b", "SQL", "V2__b.sql", v2_sum, "deployer", rows[1][7], "t"}));
  EXPECT_EQ(rows[3], (Row{"4", "2", "b", "DELETE", "V2__b.sql", v2_sum, server().user, "0", "t"}));

  RunResult v = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(v.exit_code, 0) << v.all();
  const std::string states = info_states(db, dir)["2|b"];
  EXPECT_TRUE(has(states, "Deleted")) << states;
  EXPECT_FALSE(has(states, "Missing")) << states;
  // A second repair has nothing left to do.
  RunResult again = run_strata(cmd("repair", db, dir));
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "4");
}

TEST(FlywayCommandsRepair, LeavesAFutureMigrationAloneUnderTheDefaultPatterns) {
  // DbRepair#deleteMissingMigrations skips states matched by ignoreMigrationPatterns (*:future).
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  std::filesystem::remove(dir.path() / "V2__b.sql");
  RunResult r = run_strata(cmd("repair", db, dir));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
}

TEST(FlywayCommandsRepair, IsANoOpWithAClearMessageOnACleanHistory) {
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  const std::string before = db.scalar(
      "SELECT string_agg(installed_rank || version || description || type || script || checksum || success, ',' "
      "ORDER BY installed_rank) FROM flyway_schema_history");
  RunResult r = run_strata(cmd("repair", db, dir));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(has(r.out, "not necessary")) << r.out;
  EXPECT_FALSE(has(r.out, "Repair: ")) << r.out;
  EXPECT_EQ(db.scalar("SELECT string_agg(installed_rank || version || description || type || script || checksum "
                      "|| success, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            before);
}

TEST(FlywayCommandsRepair, WaitsForTheMigrationLockAndTimesOutWithExitFour) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  insert_failed_row(db, "2", "b", "V2__b.sql", checksum_of(dir, "V2__b.sql"));
  auto holder = db.hold_migration_lock();
  RunResult r = run_strata(cmd("repair", db, dir, {"--lock-wait-timeout", "1s"}));
  EXPECT_EQ(r.exit_code, 4) << r.all();
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:false");
}

// ---------------------------------------------------------------------------------------------
// baseline (Flyway: command/DbBaseline.java, Flyway.java#migrate, database/base/Database.java)
// ---------------------------------------------------------------------------------------------

void write_legacy(TestDatabase& db, const TempDir& dir) {
  db.session().exec("CREATE TABLE legacy (id int)");
  dir.write("V1__legacy.sql", "CREATE TABLE legacy (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  dir.write("V4__d.sql", "CREATE TABLE d (id int);\n");
}

TEST(FlywayCommandsBaseline, WritesFlywaysBaselineRowThenMigrateAppliesOnlyLaterVersions) {
  TestDatabase db;
  TempDir dir;
  write_legacy(db, dir);
  RunResult r = run_strata(cmd("baseline", db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  Rows rows = db.query(
      "SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success "
      "FROM flyway_schema_history ORDER BY installed_rank");
  const std::vector<Row> expected{{"1", "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>",
                                   std::nullopt, server().user, "0", "t"}};
  EXPECT_EQ(rows, expected);

  RunResult m = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(m.exit_code, 0) << m.all();
  EXPECT_TRUE(has(m.out, "Successfully applied 3 migrations")) << m.out;
  EXPECT_EQ(history(db), "1:BASELINE:true,2:SQL:true,3:SQL:true,4:SQL:true");
}

TEST(FlywayCommandsBaseline, VersionAndDescriptionAreConfigurable) {
  TestDatabase db;
  TempDir dir;
  write_legacy(db, dir);
  RunResult r = run_strata(cmd("baseline", db, dir, {"--baseline-version=3", "--baseline-description=legacy"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  Rows rows = db.query("SELECT installed_rank, version, description, type, script, checksum FROM flyway_schema_history");
  EXPECT_EQ(rows, (std::vector<Row>{{"1", "3", "legacy", "BASELINE", "legacy", std::nullopt}}));

  RunResult m = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(m.exit_code, 0) << m.all();
  EXPECT_EQ(history(db), "3:BASELINE:true,4:SQL:true");
  EXPECT_FALSE(exists(db, "b"));
  EXPECT_FALSE(exists(db, "c"));
  EXPECT_TRUE(exists(db, "d"));
}

TEST(FlywayCommandsBaseline, RefusesAHistoryThatAlreadyHasMigrations) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  RunResult r = run_strata(cmd("baseline", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(has(r.err, "migrations")) << r.err;
  EXPECT_EQ(history(db), "1:SQL:true");
}

TEST(FlywayCommandsBaseline, RefusesAnExistingEmptyHistoryTable) {
  // DbBaseline: "Unable to baseline schema history table ... as it already exists, and is empty."
  TestDatabase db;
  TempDir empty;
  ASSERT_EQ(run_strata(cmd("migrate", db, empty)).exit_code, 0);
  ASSERT_TRUE(exists(db, "flyway_schema_history"));
  RunResult r = run_strata(cmd("baseline", db, empty));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "0");
}

TEST(FlywayCommandsBaseline, RunningItTwiceWithTheSameValuesIsANoOp) {
  TestDatabase db;
  TempDir dir;
  write_legacy(db, dir);
  ASSERT_EQ(run_strata(cmd("baseline", db, dir)).exit_code, 0);
  RunResult again = run_strata(cmd("baseline", db, dir));
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_TRUE(has(again.out, "already initialized")) << again.out;
  EXPECT_EQ(history(db), "1:BASELINE:true");

  RunResult other = run_strata(cmd("baseline", db, dir, {"--baseline-version=2"}));
  EXPECT_EQ(other.exit_code, 1) << other.all();
  EXPECT_EQ(history(db), "1:BASELINE:true");
}

TEST(FlywayCommandsBaseline, BaselineOnMigrateBaselinesANonEmptySchemaThenMigrates) {
  TestDatabase db;
  TempDir dir;
  write_legacy(db, dir);
  RunResult r = run_strata(cmd("migrate", db, dir, {"--baseline-on-migrate"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(history(db), "1:BASELINE:true,2:SQL:true,3:SQL:true,4:SQL:true");
  EXPECT_EQ(db.scalar("SELECT description || '|' || script || '|' || coalesce(checksum::text, 'null') "
                      "FROM flyway_schema_history WHERE installed_rank = 1"),
            "<< Flyway Baseline >>|<< Flyway Baseline >>|null");
  EXPECT_TRUE(exists(db, "d"));
}

TEST(FlywayCommandsBaseline, PlainMigrateOnANonEmptySchemaRefusesAndPointsAtBaseline) {
  TestDatabase db;
  TempDir dir;
  write_legacy(db, dir);
  RunResult r = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(has(r.err, "strata baseline")) << r.err;
  EXPECT_TRUE(has(r.err, "--baseline-on-migrate")) << r.err;
  EXPECT_FALSE(exists(db, "flyway_schema_history"));
  EXPECT_FALSE(exists(db, "b"));
}

// ---------------------------------------------------------------------------------------------
// clean (Flyway: command/clean, configuration cleanDisabled default true)
// ---------------------------------------------------------------------------------------------

void write_objects(const TempDir& dir) {
  dir.write("V1__objects.sql",
            "CREATE TYPE mood AS ENUM ('ok', 'sad');\n"
            "CREATE TABLE person (id serial PRIMARY KEY, m mood);\n"
            "CREATE VIEW person_v AS SELECT id, m FROM person;\n"
            "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';\n");
  dir.write("V2__data.sql", "INSERT INTO person (m) VALUES ('ok');\n");
}

std::string public_objects(TestDatabase& db) {
  return db.scalar(
      "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')"
      " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public')"
      " + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'"
      "    AND t.typtype IN ('e', 'd', 'r', 'm'))");
}

TEST(FlywayCommandsClean, IsRefusedByDefaultAndChangesNothing) {
  TestDatabase db;
  TempDir dir;
  write_objects(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  const std::string before = public_objects(db);
  RunResult r = run_strata(cmd("clean", db, dir));
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_TRUE(has(r.err, "--clean-disabled=false")) << r.err;
  EXPECT_EQ(public_objects(db), before);
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM person"), "1");
}

TEST(FlywayCommandsClean, EmptiesTheSchemaSoMigrateReappliesEverything) {
  TestDatabase db;
  TempDir dir;
  write_objects(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  RunResult r = run_strata(cmd("clean", db, dir, {"--clean-disabled=false"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(has(r.out, "Successfully cleaned schema \"public\"")) << r.out;
  EXPECT_EQ(public_objects(db), "0");
  EXPECT_FALSE(exists(db, "flyway_schema_history"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'"), "1");

  RunResult m = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(m.exit_code, 0) << m.all();
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
  EXPECT_EQ(db.scalar("SELECT add_one(count(*)::int) FROM person_v"), "2");
}

TEST(FlywayCommandsClean, IsRefusedForAProtectedEnvironmentEvenWhenEnabled) {
  TestDatabase db;
  TempDir dir;
  write_objects(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  const std::string before = public_objects(db);
  TempDir conf;
  const auto yaml = conf.write("strata.yaml",
                               "environments:\n"
                               "  prod:\n"
                               "    url: " + db.url() + "\n"
                               "    protected: true\n");
  RunResult r = run_strata({"clean", "-c", yaml.string(), "-e", "prod", "--locations", dir.path().string(),
                            "--clean-disabled=false"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_TRUE(has(r.err, "protected")) << r.err;
  EXPECT_EQ(public_objects(db), before);
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
}

// ---------------------------------------------------------------------------------------------
// --log-format json: every line on stdout is one JSON object, whatever the command; the last one
// is the command's result document (tests/integration/result_documents_test.cpp)
// ---------------------------------------------------------------------------------------------

// Each line of `out` parsed; a failure for any line that is not one JSON object.
std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> docs;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(!doc.is_discarded() && doc.is_object()) << "not a JSON object: " << line;
    docs.push_back(std::move(doc));
  }
  return docs;
}

TEST(FlywayCommandsJsonLog, EveryCommandWritesOnlyJsonLinesWithProblemsAsFields) {
  TestDatabase db;
  TempDir dir;
  write_three(dir);
  const std::vector<std::string> json{"--log-format", "json"};
  ASSERT_EQ(run_strata(cmd("migrate", db, dir, json)).exit_code, 0);

  // info: the table would break the contract; the info document comes on one line instead.
  RunResult info = run_strata(cmd("info", db, dir, json));
  ASSERT_EQ(info.exit_code, 0) << info.all();
  std::vector<nlohmann::json> docs = json_lines(info.out);
  ASSERT_EQ(docs.size(), 1u) << info.out;  // the document alone
  EXPECT_EQ(docs[0]["migrations"].size(), 3u) << info.out;

  dir.write("V2__b.sql", "CREATE TABLE b (id bigint);\n");
  RunResult validate = run_strata(cmd("validate", db, dir, json));
  EXPECT_EQ(validate.exit_code, 1) << validate.all();
  docs = json_lines(validate.out);
  ASSERT_EQ(docs.size(), 3u) << validate.out;
  EXPECT_EQ(docs[0]["error_code"], "CHECKSUM_MISMATCH") << validate.out;
  EXPECT_EQ(docs[0]["version"], "2") << validate.out;
  EXPECT_TRUE(has(docs[0]["fix"].get<std::string>(), "strata repair")) << validate.out;
  EXPECT_EQ(docs[1]["exit_code"], 1) << validate.out;
  EXPECT_EQ(docs[2]["error"]["errorCode"], "VALIDATE_ERROR") << validate.out;

  RunResult repair = run_strata(cmd("repair", db, dir, json));
  ASSERT_EQ(repair.exit_code, 0) << repair.all();
  docs = json_lines(repair.out);
  ASSERT_FALSE(docs.empty());
  EXPECT_TRUE(has(docs[0]["change"].get<std::string>(), "realigned version 2")) << repair.out;
  EXPECT_EQ(docs.back()["operation"], "repair") << repair.out;

  RunResult baseline = run_strata(cmd("baseline", db, dir, json));
  EXPECT_EQ(baseline.exit_code, 1) << baseline.all();
  docs = json_lines(baseline.out);
  ASSERT_EQ(docs.size(), 2u) << baseline.out;  // the error line, then the error document
  EXPECT_EQ(docs[1]["error"]["errorCode"], "VALIDATE_ERROR") << baseline.out;

  RunResult clean = run_strata(cmd("clean", db, dir, {"--log-format", "json", "--clean-disabled=false"}));
  ASSERT_EQ(clean.exit_code, 0) << clean.all();
  docs = json_lines(clean.out);
  ASSERT_FALSE(docs.empty());
  EXPECT_EQ(docs[0]["schema"], "public") << clean.out;
  EXPECT_EQ(docs.back()["schemasCleaned"], nlohmann::json::array({"public"})) << clean.out;
  EXPECT_EQ(clean.err, "");
}

// ---------------------------------------------------------------------------------------------
// callbacks (Flyway: callback/SqlScriptCallbackFactory.java, command/DbMigrate.java, DbValidate,
// DbInfo, api/callback/Event.java)
// ---------------------------------------------------------------------------------------------

// Callbacks write to cblog.log, in a schema of its own so that it neither makes "public" non-empty
// nor is touched by what is under test.
void create_callback_log(TestDatabase& db) {
  db.session().exec("CREATE SCHEMA cblog; CREATE TABLE cblog.log (id serial PRIMARY KEY, name text NOT NULL)");
}

void write_callback(const TempDir& dir, const std::string& stem) {
  dir.write(stem + ".sql", "INSERT INTO cblog.log (name) VALUES ('" + stem + "');\n");
}

std::string callback_log(TestDatabase& db) {
  return db.scalar("SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM cblog.log");
}

void write_all_callbacks(const TempDir& dir) {
  for (const char* stem : {"beforeMigrate", "beforeMigrate__second", "beforeEachMigrate", "afterEachMigrate",
                           "afterVersioned", "beforeRepeatables", "afterMigrateApplied", "afterMigrate",
                           "afterMigrateError", "beforeValidate", "afterValidate", "beforeInfo", "afterInfo"}) {
    write_callback(dir, stem);
  }
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n");
}

TEST(FlywayCommandsCallbacks, MigrateFiresEachCallbackInFlywaysOrder) {
  TestDatabase db;
  create_callback_log(db);
  TempDir empty;
  ASSERT_EQ(run_strata(cmd("migrate", db, empty)).exit_code, 0);  // the history table, no rows
  TempDir dir;
  write_all_callbacks(dir);
  RunResult r = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(callback_log(db),
            "beforeValidate,afterValidate,"
            "beforeMigrate,beforeMigrate__second,"
            "beforeEachMigrate,afterEachMigrate,"  // V1
            "beforeEachMigrate,afterEachMigrate,"  // V2
            "afterVersioned,beforeRepeatables,"
            "beforeEachMigrate,afterEachMigrate,"  // R__v
            "afterMigrateApplied,afterMigrate");
}

TEST(FlywayCommandsCallbacks, MigrateOnAFreshDatabaseFiresTheValidateCallbacksToo) {
  // Flyway.migrate runs DbValidate#validate first (validateOnMigrate), which fires beforeValidate
  // and afterValidate whenever the default schema exists, history table or not.
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  write_all_callbacks(dir);
  RunResult r = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(callback_log(db).starts_with("beforeValidate,afterValidate,beforeMigrate,")) << callback_log(db);
}

TEST(FlywayCommandsCallbacks, StandaloneValidateOnAFreshDatabaseFiresItsCallbacks) {
  // DbValidate#validate fires beforeValidate/afterValidate whenever the default schema exists; it
  // does not look at the history table for that.
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  write_all_callbacks(dir);
  RunResult r = run_strata(cmd("validate", db, dir, {"--ignore-migration-patterns=*:pending"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(callback_log(db), "beforeValidate,afterValidate");
  EXPECT_FALSE(exists(db, "flyway_schema_history"));
}

TEST(FlywayCommandsCallbacks, NoOpMigrateStillFiresBeforeAndAfterMigrate) {
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  write_all_callbacks(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  db.session().exec("TRUNCATE cblog.log");
  RunResult r = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  // Nothing applied: no each-migrate callbacks and no afterMigrateApplied (count == 0), but
  // DbMigrate#migrateAll fires afterVersioned at its end whenever no repeatable ran
  // (isPreviousVersioned starts true), so a no-op migrate fires it too.
  EXPECT_EQ(callback_log(db),
            "beforeValidate,afterValidate,beforeMigrate,beforeMigrate__second,afterVersioned,afterMigrate");
}

TEST(FlywayCommandsCallbacks, OnlyARepeatablePendingStillFiresAfterVersionedBeforeBeforeRepeatables) {
  // DbMigrate#doMigrateGroup: the first repeatable fires afterVersioned then beforeRepeatables,
  // whether or not a versioned migration ran before it in this run.
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  write_all_callbacks(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 2 AS x;\n");
  db.session().exec("TRUNCATE cblog.log");
  RunResult r = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(callback_log(db),
            "beforeValidate,afterValidate,beforeMigrate,beforeMigrate__second,"
            "afterVersioned,beforeRepeatables,beforeEachMigrate,afterEachMigrate,"
            "afterMigrateApplied,afterMigrate");
  EXPECT_EQ(db.scalar("SELECT x FROM v"), "2");
}

TEST(FlywayCommandsCallbacks, InfoAndValidateFireTheirOwnCallbacks) {
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  write_all_callbacks(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  db.session().exec("TRUNCATE cblog.log");
  RunResult info = run_strata(cmd("info", db, dir));
  ASSERT_EQ(info.exit_code, 0) << info.all();
  EXPECT_EQ(callback_log(db), "beforeInfo,afterInfo");
  db.session().exec("TRUNCATE cblog.log");
  RunResult validate = run_strata(cmd("validate", db, dir));
  ASSERT_EQ(validate.exit_code, 0) << validate.all();
  EXPECT_EQ(callback_log(db), "beforeValidate,afterValidate");
}

TEST(FlywayCommandsCallbacks, InfoThatFailsFiresAfterInfoError) {
  TestDatabase db;
  create_callback_log(db);
  // A table with the history's name that is not a Flyway history: reading it fails after beforeInfo.
  db.session().exec("CREATE TABLE flyway_schema_history (x int)");
  TempDir dir;
  for (const char* stem : {"beforeInfo", "afterInfo", "afterInfoError"}) write_callback(dir, stem);
  RunResult r = run_strata(cmd("info", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(has(r.err, "cannot read the schema history")) << r.err;
  EXPECT_EQ(callback_log(db), "beforeInfo,afterInfoError");
}

TEST(FlywayCommandsCallbacks, JsonOutputStaysOneDocumentWhateverIsLogged) {
  // Flyway's command line creates no logger at all when -outputType=json (LoggingUtils), so its
  // stdout is the document alone. strata's log lines (callbacks, -X) go to stderr instead.
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  write_all_callbacks(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  for (const char* verb : {"info", "validate"}) {
    RunResult r = run_strata(cmd(verb, db, dir, {"-outputType=json", "-X"}));
    ASSERT_EQ(r.exit_code, 0) << verb << ": " << r.all();
    nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << verb << ": " << r.out;
    EXPECT_TRUE(has(r.err, "Executing SQL callback: before")) << verb << ": " << r.err;
  }
}

TEST(FlywayCommandsCallbacks, CallbacksAreNotMigrations) {
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  write_all_callbacks(dir);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  EXPECT_EQ(db.scalar("SELECT string_agg(script, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
            "V1__a.sql,V2__b.sql,R__v.sql");
  RunResult info = run_strata(cmd("info", db, dir));
  ASSERT_EQ(info.exit_code, 0) << info.all();
  EXPECT_FALSE(has(info.out, "beforeMigrate")) << info.out;
  EXPECT_FALSE(has(info.out, "second")) << info.out;
  RunResult v = run_strata(cmd("validate", db, dir));
  EXPECT_TRUE(has(v.out, "Successfully validated 3 migrations")) << v.all();
}

TEST(FlywayCommandsCallbacks, APlaceholderOnlyAnotherCommandsCallbackUsesStopsNothingElse) {
  // Flyway reads a callback only when its event fires (ParserSqlScript parses lazily), so an
  // afterMigrate grant to ${app_role}, set only where migrate runs, does not stop info, validate
  // or repair. migrate itself checks it before anything runs.
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("afterMigrate.sql", "INSERT INTO cblog.log (name) VALUES ('afterMigrate');\nGRANT SELECT ON a TO ${app_role};\n");
  for (const char* verb : {"info", "validate", "repair"}) {
    RunResult r = run_strata(cmd(verb, db, dir, {"--ignore-migration-patterns=*:pending"}));
    EXPECT_EQ(r.exit_code, 0) << verb << ": " << r.all();
  }
  RunResult m = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(m.exit_code, 2) << m.all();
  EXPECT_TRUE(has(m.err, "afterMigrate.sql:2:22: ")) << m.err;
  EXPECT_TRUE(has(m.err, "app_role")) << m.err;
  EXPECT_FALSE(exists(db, "a"));
  EXPECT_FALSE(exists(db, "flyway_schema_history"));

  db.session().exec("CREATE ROLE \"" + db.name() + "_reader\"");
  RunResult ok = run_strata(cmd("migrate", db, dir), {{"FLYWAY_PLACEHOLDERS_APP_ROLE", db.name() + "_reader"}});
  EXPECT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_EQ(callback_log(db), "afterMigrate");
  db.session().exec("DROP OWNED BY \"" + db.name() + "_reader\"; DROP ROLE \"" + db.name() + "_reader\"");
}

TEST(FlywayCommandsPlaceholders, BaselineAndCleanNeedNoValueForARepeatablesPlaceholder) {
  // Neither command looks at a migration (Flyway's DbBaseline and DbClean resolve none), so the
  // placeholder a repeatable's checksum needs is no reason to refuse them.
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("R__grants.sql", "GRANT SELECT ON a TO ${reader};\n");
  RunResult baseline = run_strata(cmd("baseline", db, dir));
  ASSERT_EQ(baseline.exit_code, 0) << baseline.all();
  EXPECT_EQ(history(db), "1:BASELINE:true");
  RunResult clean = run_strata(cmd("clean", db, dir, {"--clean-disabled=false"}));
  ASSERT_EQ(clean.exit_code, 0) << clean.all();
  EXPECT_FALSE(exists(db, "flyway_schema_history"));
  // Commands that read the migrations still name it.
  RunResult info = run_strata(cmd("info", db, dir));
  EXPECT_EQ(info.exit_code, 2) << info.all();
  EXPECT_TRUE(has(info.err, "R__grants.sql:1:")) << info.err;
}

TEST(FlywayCommandsCallbacks, BaselineOnMigrateFiresTheBaselineCallbacks) {
  // Flyway.migrate baselines through DbBaseline#baseline, which fires beforeBaseline and
  // afterBaseline around writing the baseline row.
  TestDatabase db;
  create_callback_log(db);
  db.session().exec("CREATE TABLE existing (id int)");
  TempDir dir;
  for (const char* stem : {"beforeBaseline", "afterBaseline", "beforeMigrate"}) write_callback(dir, stem);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  RunResult r = run_strata(cmd("migrate", db, dir, {"--baseline-on-migrate"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(callback_log(db), "beforeBaseline,afterBaseline,beforeMigrate");
  EXPECT_EQ(history(db), "1:BASELINE:true,2:SQL:true");
}

TEST(FlywayCommandsCallbacks, EachMigrateCallbacksShareTheMigrationsTransaction) {
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  for (const char* stem : {"beforeEachMigrate", "afterEachMigrate", "afterMigrateError", "afterMigrate"}) {
    write_callback(dir, stem);
  }
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\nSELECT * FROM no_such_table;\n");
  RunResult r = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(has(r.err, "V2__b.sql:2:")) << r.err;
  // V2's beforeEachMigrate insert went with V2's rollback; afterMigrateError ran, afterMigrate not.
  EXPECT_EQ(callback_log(db), "beforeEachMigrate,afterEachMigrate,afterMigrateError");
  EXPECT_EQ(history(db), "1:SQL:true");
  EXPECT_FALSE(exists(db, "b"));
}

TEST(FlywayCommandsCallbacks, AFailingCallbackNamesItsFileAndLineAndStopsTheRun) {
  TestDatabase db;
  create_callback_log(db);
  TempDir dir;
  dir.write("beforeMigrate.sql",
            "INSERT INTO cblog.log (name) VALUES ('beforeMigrate');\n"
            "SELECT * FROM no_such_callback_table;\n");
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  RunResult r = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(has(r.err, "beforeMigrate.sql:2:")) << r.err;
  EXPECT_TRUE(has(r.err, "no_such_callback_table")) << r.err;
  EXPECT_FALSE(exists(db, "a"));
  EXPECT_EQ(callback_log(db), "");  // the callback's own transaction was rolled back
}

// ---------------------------------------------------------------------------------------------
// placeholders (Flyway: internal/parser/PlaceholderReplacingReader.java, ParsingContext.java,
// resolver/sql/SqlMigrationResolver.java)
// ---------------------------------------------------------------------------------------------

TEST(FlywayCommandsPlaceholders, ValueFromTheEnvironmentLandsAndTheChecksumIsOfTheRawFile) {
  TestDatabase db;
  TempDir dir;
  const std::string raw = "CREATE TABLE tenant_info (name text);\nINSERT INTO tenant_info VALUES ('${tenant}');\n";
  dir.write("V1__tenant.sql", raw);
  RunResult r = run_strata(cmd("migrate", db, dir), {{"FLYWAY_PLACEHOLDERS_TENANT", "acme"}});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT name FROM tenant_info"), "acme");
  EXPECT_EQ(db.scalar("SELECT checksum FROM flyway_schema_history WHERE version = '1'"),
            std::to_string(flyway_checksum(raw)));
  // Another value later changes nothing for an applied versioned migration.
  RunResult v = run_strata(cmd("validate", db, dir), {{"FLYWAY_PLACEHOLDERS_TENANT", "globex"}});
  EXPECT_EQ(v.exit_code, 0) << v.all();
}

TEST(FlywayCommandsPlaceholders, ValueFromTheConfigFile) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__tenant.sql", "CREATE TABLE tenant_info (name text);\nINSERT INTO tenant_info VALUES ('${tenant}');\n");
  TempDir conf;
  const auto yaml = conf.write("strata.yaml", "placeholders:\n  tenant: initech\n");
  RunResult r = run_strata({"migrate", "-c", yaml.string(), "--url", db.url(), "--locations", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT name FROM tenant_info"), "initech");
}

TEST(FlywayCommandsPlaceholders, RepeatableIsReappliedWhenItsPlaceholderValueChanges) {
  TestDatabase db;
  TempDir dir;
  dir.write("R__tenant_view.sql", "CREATE OR REPLACE VIEW tenant_view AS SELECT '${tenant}'::text AS name;\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir), {{"FLYWAY_PLACEHOLDERS_TENANT", "acme"}}).exit_code, 0);
  ASSERT_EQ(run_strata(cmd("migrate", db, dir), {{"FLYWAY_PLACEHOLDERS_TENANT", "acme"}}).exit_code, 0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history"), "1");

  RunResult same = run_strata(cmd("info", db, dir, {"--output", "json"}), {{"FLYWAY_PLACEHOLDERS_TENANT", "acme"}});
  ASSERT_EQ(same.exit_code, 0) << same.all();
  EXPECT_FALSE(has(same.out, "\"Outdated\"")) << same.out;
  RunResult info = run_strata(cmd("info", db, dir, {"--output", "json"}), {{"FLYWAY_PLACEHOLDERS_TENANT", "globex"}});
  ASSERT_EQ(info.exit_code, 0) << info.all();
  EXPECT_TRUE(has(info.out, "\"Outdated\"")) << info.out;
  EXPECT_TRUE(has(info.out, "\"Pending\"")) << info.out;

  RunResult r = run_strata(cmd("migrate", db, dir), {{"FLYWAY_PLACEHOLDERS_TENANT", "globex"}});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT name FROM tenant_view"), "globex");
  EXPECT_EQ(history(db), "R:SQL:true,R:SQL:true");
}

TEST(FlywayCommandsPlaceholders, UndefinedPlaceholderIsAnInputErrorAtFileLineAndNothingRuns) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n\nINSERT INTO b VALUES (${how_many});\n");
  RunResult r = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_TRUE(has(r.err, "V2__b.sql:3:")) << r.err;
  EXPECT_TRUE(has(r.err, "how_many")) << r.err;
  EXPECT_FALSE(exists(db, "a"));
  EXPECT_FALSE(exists(db, "b"));
  // Found before migrate creates anything: no history table, and no schema either.
  EXPECT_FALSE(exists(db, "flyway_schema_history"));
  RunResult in_app = run_strata(cmd("migrate", db, dir, {"--schemas", "app"}));
  EXPECT_EQ(in_app.exit_code, 2) << in_app.all();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'"), "0");
}

TEST(FlywayCommandsPlaceholders, WhatBaselineOnMigrateCoversNeedsNoPlaceholderValue) {
  // Versions at or below the baseline never run, so their placeholders are never replaced; the
  // ones above it are, before the baseline row is written.
  TestDatabase db;
  db.session().exec("CREATE TABLE legacy (id int)");
  TempDir dir;
  dir.write("V1__legacy.sql", "CREATE TABLE legacy (id int, owner text DEFAULT '${legacy_owner}');\n");
  dir.write("V2__b.sql", "CREATE TABLE b (note text DEFAULT '${note}');\n");
  RunResult missing = run_strata(cmd("migrate", db, dir, {"--baseline-on-migrate"}));
  EXPECT_EQ(missing.exit_code, 2) << missing.all();
  EXPECT_TRUE(has(missing.err, "V2__b.sql:1:")) << missing.err;
  EXPECT_FALSE(exists(db, "flyway_schema_history"));
  RunResult r = run_strata(cmd("migrate", db, dir, {"--baseline-on-migrate"}), {{"FLYWAY_PLACEHOLDERS_NOTE", "hi"}});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(history(db), "1:BASELINE:true,2:SQL:true");
}

TEST(FlywayCommandsPlaceholders, ARuntimeErrorIsLocatedInTheFileNotInTheReplacedText) {
  // A value spanning lines in line 1, and a longer value twice before the failing name on line 3:
  // the position must be where the user sees "nosuch" in the file, 3:35.
  TestDatabase db;
  TempDir dir;
  db.session().exec("CREATE SCHEMA other; CREATE TABLE other.a_rather_long_table_name (id int)");
  dir.write("V1__x.sql",
            "/* written by ${author} */\n"
            "INSERT INTO ${tbl} (id) VALUES (1);\n"
            "SELECT ${tbl}.id FROM ${tbl} JOIN nosuch ON true;\n");
  RunResult r = run_strata(cmd("migrate", db, dir),
                           {{"FLYWAY_PLACEHOLDERS_AUTHOR", "Ada\nand\nGrace"},
                            {"FLYWAY_PLACEHOLDERS_TBL", "other.a_rather_long_table_name"}});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_TRUE(has(line_with(r.err, "nosuch"), "V1__x.sql:3:35: ")) << r.err;

  // An error inside a value is reported at the placeholder that brought it in.
  dir.write("V1__x.sql", "SELECT 1;\nSELECT ${expr};\n");
  RunResult inside = run_strata(cmd("migrate", db, dir),
                                {{"FLYWAY_PLACEHOLDERS_EXPR", "1 +\n\n no_such_column"}});
  EXPECT_EQ(inside.exit_code, 1) << inside.all();
  EXPECT_TRUE(has(line_with(inside.err, "no_such_column"), "V1__x.sql:2:8: ")) << inside.err;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM flyway_schema_history WHERE type = 'SQL'"), "0");
}

TEST(FlywayCommandsPlaceholders, ReplacementOffLeavesPlaceholdersAsWritten) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__c.sql",
            "-- ${x} stays as written\n"
            "CREATE TABLE c (id int);\n"
            "COMMENT ON TABLE c IS 'literal ${x}';\n");
  RunResult r = run_strata(cmd("migrate", db, dir, {"--placeholder-replacement=false"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT obj_description('c'::regclass, 'pg_class')"), "literal ${x}");
}

TEST(FlywayCommandsPlaceholders, BuiltInsHaveFlywaysValues) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__builtins.sql",
            "CREATE TABLE builtins (k text, v text);\n"
            "INSERT INTO builtins VALUES\n"
            "  ('defaultSchema', '${flyway:defaultSchema}'),\n"
            "  ('user', '${flyway:user}'),\n"
            "  ('table', '${flyway:table}'),\n"
            "  ('filename', '${flyway:filename}'),\n"
            "  ('database', '${flyway:database}');\n");
  RunResult r = run_strata(cmd("migrate", db, dir, {"--schemas", "app", "--table", "app_history"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(db.scalar("SELECT string_agg(k || '=' || v, ',' ORDER BY k) FROM app.builtins"),
            "database=" + db.name() + ",defaultSchema=app,filename=V1__builtins.sql,table=app_history,user=" +
                server().user);
}

// ---------------------------------------------------------------------------------------------
// A history that Flyway 10 wrote: baseline, SQL rows, a re-applied repeatable and a failed row
// ---------------------------------------------------------------------------------------------

void write_flyway_history_with_failure(TestDatabase& db, const TempDir& dir) {
  dir.write("V1__legacy.sql", "CREATE TABLE legacy (id int);\n");
  dir.write("V2__create_users.sql", "CREATE TABLE users (id int);\r\n");
  dir.write("V3__users_index.sql", "CREATE INDEX users_id ON users (id);\n");
  dir.write("R__user_view.sql", "CREATE OR REPLACE VIEW user_view AS SELECT id FROM users;\n");
  dir.write("V4__add_email.sql", "ALTER TABLE users ADD COLUMN email text;\n");
  auto sum = [&](const std::string& f) { return checksum_of(dir, f); };
  Session& s = db.session();
  db.create_flyway_history("public");
  s.exec("CREATE TABLE legacy (id int); CREATE TABLE users (id int); CREATE INDEX users_id ON users (id);"
         "CREATE VIEW user_view AS SELECT id FROM users");
  db.insert_flyway_row("public", {"1", "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", std::nullopt, "deployer",
                    "2024-03-01 10:15:40.101", "0", "true"});
  db.insert_flyway_row("public", {"2", "2", "create users", "SQL", "V2__create_users.sql", sum("V2__create_users.sql"), "deployer",
                    "2024-03-01 10:15:41.512", "14", "true"});
  db.insert_flyway_row("public", {"3", "3", "users index", "SQL", "V3__users_index.sql", sum("V3__users_index.sql"), "deployer",
                    "2024-03-01 10:15:41.601", "6", "true"});
  db.insert_flyway_row("public", {"4", std::nullopt, "user view", "SQL", "R__user_view.sql", "-1130238371", "deployer",
                    "2024-03-01 10:15:41.700", "3", "true"});
  db.insert_flyway_row("public", {"5", std::nullopt, "user view", "SQL", "R__user_view.sql", sum("R__user_view.sql"), "deployer",
                    "2024-03-05 08:00:00.000", "4", "true"});
  db.insert_flyway_row("public", {"6", "4", "add email", "SQL", "V4__add_email.sql", sum("V4__add_email.sql"), "deployer",
                    "2024-03-06 09:00:00.000", "31", "false"});
}

TEST(FlywayCommandsFlywayHistory, ValidateReportsExactlyTheFailedRowRepairRemovesItMigrateGoesOn) {
  TestDatabase db;
  TempDir dir;
  write_flyway_history_with_failure(db, dir);

  RunResult v = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(v.exit_code, 1) << v.all();
  EXPECT_TRUE(has(v.err, "Validate failed: 1 problem ")) << v.err;
  EXPECT_TRUE(has(line_with(v.err, "failed in the schema history"), "version 4")) << v.err;

  RunResult refused = run_strata(cmd("migrate", db, dir));
  EXPECT_EQ(refused.exit_code, 1) << refused.all();

  RunResult repair = run_strata(cmd("repair", db, dir));
  ASSERT_EQ(repair.exit_code, 0) << repair.all();
  EXPECT_TRUE(has(line_with(repair.out, "Repair: "), "removed failed version 4")) << repair.out;
  EXPECT_EQ(history(db), "1:BASELINE:true,2:SQL:true,3:SQL:true,R:SQL:true,R:SQL:true");
  // Only the failed row went; the superseded repeatable row stays as Flyway wrote it.
  EXPECT_EQ(db.scalar("SELECT checksum FROM flyway_schema_history WHERE installed_rank = 4"), "-1130238371");

  // V4 is now simply pending: the only thing a strict validate names.
  RunResult pending = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(pending.exit_code, 1) << pending.all();
  EXPECT_TRUE(has(pending.err, "Validate failed: 1 problem ")) << pending.err;
  EXPECT_TRUE(has(line_with(pending.err, "V4__add_email.sql"), "not applied")) << pending.err;
  RunResult lenient = run_strata(cmd("validate", db, dir, {"--ignore-migration-patterns=*:pending"}));
  EXPECT_EQ(lenient.exit_code, 0) << lenient.all();

  dir.write("V5__orders.sql", "CREATE TABLE orders (id int);\n");
  RunResult m = run_strata(cmd("migrate", db, dir));
  ASSERT_EQ(m.exit_code, 0) << m.all();
  EXPECT_TRUE(has(m.out, "Successfully applied 2 migrations to schema \"public\", now at version v5")) << m.out;
  Rows last = db.query(
      "SELECT installed_rank, version, description, type, script, success FROM flyway_schema_history "
      "WHERE installed_rank > 5 ORDER BY installed_rank");
  EXPECT_EQ(last, (std::vector<Row>{{"6", "4", "add email", "SQL", "V4__add_email.sql", "t"},
                                    {"7", "5", "orders", "SQL", "V5__orders.sql", "t"}}));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                      "AND column_name = 'email'"),
            "1");
  RunResult clean = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(clean.exit_code, 0) << clean.all();
}

// ---------------------------------------------------------------------------------------------
// target and ordering (Flyway: info/MigrationInfoServiceImpl.java, command/DbMigrate.java)
// ---------------------------------------------------------------------------------------------

TEST(FlywayCommandsTarget, CurrentAppliesNoNewVersionButRepeatables) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n");
  RunResult r = run_strata(cmd("migrate", db, dir, {"--target", "current"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(history(db), "1:SQL:true,R:SQL:true");
  EXPECT_FALSE(exists(db, "b"));
  EXPECT_EQ(info_states(db, dir, {"--target", "current"})["2|b"], "Above Target");
}

TEST(FlywayCommandsTarget, NextAppliesExactlyOneMigration) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  dir.write("R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n");
  RunResult first = run_strata(cmd("migrate", db, dir, {"--target", "next"}));
  ASSERT_EQ(first.exit_code, 0) << first.all();
  EXPECT_EQ(history(db), "1:SQL:true");
  RunResult second = run_strata(cmd("migrate", db, dir, {"--target", "next"}));
  ASSERT_EQ(second.exit_code, 0) << second.all();
  EXPECT_TRUE(has(second.out, "Successfully applied 1 migration to schema \"public\", now at version v2"))
      << second.out;
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
  EXPECT_FALSE(exists(db, "c"));
}

TEST(FlywayCommandsTarget, AVersionTargetStopsThere) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  RunResult r = run_strata(cmd("migrate", db, dir, {"--target", "2"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(has(r.out, "now at version v2")) << r.out;
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true");
  EXPECT_FALSE(exists(db, "c"));
  // Above the target is no problem for validate or a later migrate.
  EXPECT_EQ(info_states(db, dir, {"--target", "2"})["3|c"], "Above Target");
  RunResult v = run_strata(cmd("validate", db, dir, {"--target", "2"}));
  EXPECT_EQ(v.exit_code, 0) << v.all();
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  EXPECT_EQ(history(db), "1:SQL:true,2:SQL:true,3:SQL:true");
}

TEST(FlywayCommandsTarget, OutOfOrderAppliesALowerVersionAfterHigherOnes) {
  TestDatabase db;
  TempDir dir;
  dir.write("V1__a.sql", "CREATE TABLE a (id int);\n");
  dir.write("V3__c.sql", "CREATE TABLE c (id int);\n");
  ASSERT_EQ(run_strata(cmd("migrate", db, dir)).exit_code, 0);
  dir.write("V2__b.sql", "CREATE TABLE b (id int);\n");
  dir.write("V4__d.sql", "CREATE TABLE d (id int);\n");
  RunResult r = run_strata(cmd("migrate", db, dir, {"--out-of-order"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  // Pending ones in version order: 2 (out of order) then 4.
  EXPECT_EQ(history(db), "1:SQL:true,3:SQL:true,2:SQL:true,4:SQL:true");
  EXPECT_TRUE(has(r.out, "now at version v4")) << r.out;
  RunResult v = run_strata(cmd("validate", db, dir));
  EXPECT_EQ(v.exit_code, 0) << v.all();
}

}  // namespace
}  // namespace strata::test
