// A history row whose type strata does not know (a newer Flyway's, or a hand edit) stops every
// command that reads the history, as Flyway's does, and nothing is written. It used to be reported
// as "applied but no such file", and the suggested repair's DELETE row made the next migrate apply
// the migration a second time.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "strata/checksum.hpp"

namespace strata::test {
namespace {

class UnknownRowType : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("V1__users.sql", "CREATE TABLE users (id int);\n");
    dir_.write("V2__orders.sql", "CREATE TABLE orders (id int);\n");
    dir_.write("V3__items.sql", "CREATE TABLE items (id int);\n");
    auto sum = [&](const std::string& f) { return std::to_string(flyway_checksum(read_file(dir_.path() / f))); };
    db_.session().exec("CREATE SCHEMA app");
    db_.create_flyway_history("app");
    db_.session().exec("CREATE TABLE app.users (id int); CREATE TABLE app.orders (id int)");
    db_.insert_flyway_row("app", {"1", "1", "users", "SQL", "V1__users.sql", sum("V1__users.sql"), "deployer",
                                  "2024-03-01 10:15:41.512", "14", "true"});
    db_.insert_flyway_row("app", {"2", "2", "orders", "JDBC_FOO", "V2__orders.sql", sum("V2__orders.sql"), "deployer",
                                  "2024-03-01 10:15:42.000", "9", "true"});
  }

  RunResult run(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{command, "--url", db_.url(), "--locations", dir_.path().string(), "--schemas", "app"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_strata(args);
  }

  std::string history() {
    return db_.scalar(
        "SELECT string_agg(installed_rank || ':' || coalesce(version, '') || ':' || type || ':' || success, ' ' "
        "ORDER BY installed_rank) FROM app.flyway_schema_history");
  }

  void expect_refused(const RunResult& r, const std::string& command) {
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.all();
    EXPECT_NE(r.err.find("installed_rank 2 (version 2, type JDBC_FOO)"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("strata does not know"), std::string::npos) << command << ": " << r.err;
    EXPECT_EQ(r.all().find("no such file"), std::string::npos) << command << ": " << r.all();
    EXPECT_EQ(r.all().find("strata repair"), std::string::npos) << command << ": " << r.all();
    EXPECT_EQ(history(), before_) << command;
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename = 'items'"), "0")
        << command;
  }

  TestDatabase db_;
  TempDir dir_;
  const std::string before_ = "1:1:SQL:true 2:2:JDBC_FOO:true";
};

TEST_F(UnknownRowType, ValidateNamesTheRowAndSuggestsNoRepair) {
  ASSERT_EQ(history(), before_);
  expect_refused(run("validate"), "validate");
}

TEST_F(UnknownRowType, MigrateAppliesNothingEvenWithoutValidation) {
  expect_refused(run("migrate"), "migrate");
  expect_refused(run("migrate", {"--validate-on-migrate=false"}), "migrate --validate-on-migrate=false");
}

TEST_F(UnknownRowType, RepairLeavesTheHistoryAsItIs) {
  expect_refused(run("repair"), "repair");
  // The row, once corrected by hand, is the migration it always was: nothing is applied twice.
  db_.session().exec("UPDATE app.flyway_schema_history SET type = 'SQL' WHERE installed_rank = 2");
  RunResult r = run("migrate");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(history(), "1:1:SQL:true 2:2:SQL:true 3:3:SQL:true");
}

// repair deletes failed rows before it reconciles: a failed row of an unknown type must be refused
// there too, not silently deleted.
TEST_F(UnknownRowType, RepairKeepsAFailedRowOfAnUnknownType) {
  db_.session().exec("UPDATE app.flyway_schema_history SET success = false WHERE installed_rank = 2");
  RunResult r = run("repair");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_NE(r.err.find("installed_rank 2 (version 2, type JDBC_FOO)"), std::string::npos) << r.err;
  EXPECT_EQ(history(), "1:1:SQL:true 2:2:JDBC_FOO:false");
}

}  // namespace
}  // namespace strata::test
