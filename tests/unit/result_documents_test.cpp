#include "strata/result_documents.hpp"

#include <gtest/gtest.h>

#include <string>

#include "strata/error.hpp"
#include "strata/log.hpp"
#include "strata/report.hpp"

namespace strata {
namespace {

using ordered_json = nlohmann::ordered_json;

// The expected document, with this build's version where Flyway writes its own.
ordered_json expected(std::string text) {
  const std::string marker = "@VERSION@";
  text.replace(text.find(marker), marker.size(), strata_version());
  return ordered_json::parse(text);
}

DocumentBase base(std::vector<std::string> warnings = {}) {
  return {"shop", std::move(warnings), "2026-01-02T03:04:05.678Z"};
}

TEST(MigrateDocument, TwoAppliedAsFlywaysMigrateResult) {
  MigrateOutcome outcome;
  outcome.base = base({"Ignoring migration V0_5__old.sql"});
  outcome.schema_name = "app, audit";
  outcome.initial_version = "1";
  outcome.migrations = {{"Versioned", "2", "add users", "SQL", "/m/V2__add_users.sql", 12},
                        {"Repeatable", "", "views", "SQL", "/m/R__views.sql", 3}};
  EXPECT_EQ(migrate_document(outcome), expected(R"({
    "initialSchemaVersion": "1", "targetSchemaVersion": "2", "schemaName": "app, audit",
    "migrations": [
      {"category": "Versioned", "version": "2", "description": "add users", "type": "SQL",
       "filepath": "/m/V2__add_users.sql", "executionTime": 12},
      {"category": "Repeatable", "version": "", "description": "views", "type": "SQL",
       "filepath": "/m/R__views.sql", "executionTime": 3}],
    "migrationsExecuted": 2, "success": true, "flywayVersion": "@VERSION@", "database": "shop",
    "warnings": ["Ignoring migration V0_5__old.sql"], "databaseType": "PostgreSQL",
    "timestamp": "2026-01-02T03:04:05.678Z", "operation": "migrate", "exception": null, "licenseFailed": false})"));
}

TEST(MigrateDocument, NothingAppliedOnAnEmptySchemaHasNullVersions) {
  MigrateOutcome outcome;
  outcome.base = base();
  outcome.schema_name = "public";
  const ordered_json doc = migrate_document(outcome);
  EXPECT_TRUE(doc["initialSchemaVersion"].is_null());
  EXPECT_TRUE(doc["targetSchemaVersion"].is_null());  // Flyway reports the last version it applied
  EXPECT_EQ(doc["migrations"], ordered_json::array());
  EXPECT_EQ(doc["migrationsExecuted"], 0);
}

TEST(RepairDocument, RowsByActionAsFlywaysRepairResult) {
  RepairOutcome outcome;
  outcome.base = base();
  outcome.removed = {{"3", "broken", ""}};
  outcome.aligned = {{"2", "add users", "/m/V2__add_users.sql"}};
  EXPECT_EQ(repair_document(outcome), expected(R"({
    "repairActions": ["Removed failed migrations", "Aligned applied migration checksums"],
    "migrationsRemoved": [{"version": "3", "description": "broken", "filepath": ""}],
    "migrationsDeleted": [],
    "migrationsAligned": [{"version": "2", "description": "add users", "filepath": "/m/V2__add_users.sql"}],
    "flywayVersion": "@VERSION@", "database": "shop", "warnings": [], "operation": "repair"})"));
}

TEST(BaselineDocument, AsFlywaysBaselineResult) {
  EXPECT_EQ(baseline_document({base(), true, "1.5"}), expected(R"({
    "successfullyBaselined": true, "baselineVersion": "1.5",
    "flywayVersion": "@VERSION@", "database": "shop", "warnings": [], "operation": "baseline"})"));
}

TEST(CleanDocument, AsFlywaysCleanResult) {
  CleanOutcome outcome{base({"Unable to clean unknown schema: \"gone\""}), {"public"}, {"app"}};
  EXPECT_EQ(clean_document(outcome), expected(R"({
    "schemasCleaned": ["public"], "schemasDropped": ["app"],
    "flywayVersion": "@VERSION@", "database": "shop", "warnings": ["Unable to clean unknown schema: \"gone\""],
    "operation": "clean"})"));
}

TEST(ErrorDocument, SqlErrorInAMigration) {
  MigrationFailed e("migration V3__add_index.sql failed: relation \"users\" does not exist");
  e.file = "migrations/V3__add_index.sql";
  e.line = 7;
  e.column = 15;
  e.sqlstate = "42P01";
  e.detail = "some detail";
  e.migration = "V3__add_index.sql";
  EXPECT_EQ(error_document(e), ordered_json::parse(R"({"error": {
    "errorCode": "FAILED_VERSIONED_MIGRATION", "sqlState": "42P01",
    "message": "migration V3__add_index.sql failed: relation \"users\" does not exist\nSQL State  : 42P01\nDetail     : some detail",
    "stackTrace": null, "lineNumber": 7, "path": "migrations/V3__add_index.sql", "cause": null,
    "file": "migrations/V3__add_index.sql", "line": 7, "column": 15, "migration": "V3__add_index.sql",
    "fix": null, "detail": "some detail"}})"));
}

TEST(ErrorDocument, ValidationFailureWithItsFix) {
  ValidationFailed e("Validate failed: 1 problem with \"public\".\"flyway_schema_history\"");
  e.hint = "once the files are as intended: strata repair -e prod";
  e.fix = "strata repair -e prod";
  e.migration = "V2__add_users.sql";
  EXPECT_EQ(error_document(e), ordered_json::parse(R"({"error": {
    "errorCode": "VALIDATE_ERROR", "sqlState": null,
    "message": "Validate failed: 1 problem with \"public\".\"flyway_schema_history\"\nHint       : once the files are as intended: strata repair -e prod",
    "stackTrace": null, "lineNumber": null, "path": null, "cause": null,
    "file": null, "line": null, "column": null, "migration": "V2__add_users.sql",
    "fix": "strata repair -e prod", "hint": "once the files are as intended: strata repair -e prod"}})"));
}

TEST(ErrorDocument, RepairSafeOnlyWhenStrataSaysSo) {
  MigrationFailed e("migration V3__index.sql failed: could not create unique index");
  EXPECT_FALSE(error_document(e)["error"].contains("repairSafe"));
  e.repair_safe = true;
  EXPECT_EQ(error_document(e)["error"]["repairSafe"], true);
}

TEST(ErrorDocument, FlywayCodeOfEachKind) {
  const std::vector<std::pair<ErrorKind, std::string>> codes{
      {ErrorKind::Usage, "CONFIGURATION"},           {ErrorKind::Config, "CONFIGURATION"},
      {ErrorKind::Input, "ERROR"},                   {ErrorKind::Connect, "DB_CONNECTION"},
      {ErrorKind::LockTimeout, "ERROR"},             {ErrorKind::MigrationFailed, "FAILED_VERSIONED_MIGRATION"},
      {ErrorKind::ValidationFailed, "VALIDATE_ERROR"}, {ErrorKind::Sql, "DB_CONNECTION"},
      {ErrorKind::Interrupted, "ERROR"},             {ErrorKind::Internal, "FAULT"},
  };
  for (const auto& [kind, code] : codes) EXPECT_EQ(error_document(Error(kind, "x"))["error"]["errorCode"], code) << code;
  MigrationFailed repeatable("x");
  repeatable.error_code = "FAILED_REPEATABLE_MIGRATION";
  EXPECT_EQ(flyway_error_code(repeatable), "FAILED_REPEATABLE_MIGRATION");
}

// Flyway's MigrateErrorResult: what was applied before the failure, success false, and the error.
TEST(ErrorDocument, ExtendsThePartialResult) {
  MigrateOutcome outcome;
  outcome.base = base();
  outcome.schema_name = "public";
  outcome.migrations = {{"Versioned", "1", "init", "SQL", "/m/V1__init.sql", 5}};
  MigrationFailed e("migration V2__b.sql failed: boom");
  e.partial_result = migrate_document(outcome).dump();
  const ordered_json doc = error_document(e);
  EXPECT_EQ(doc["operation"], "migrate");
  EXPECT_EQ(doc["success"], false);
  EXPECT_EQ(doc["migrationsExecuted"], 1);
  EXPECT_EQ(doc["targetSchemaVersion"], "1");
  EXPECT_EQ(doc["error"]["errorCode"], "FAILED_VERSIONED_MIGRATION");
  EXPECT_EQ(doc.back(), doc["error"]);  // added last, after the result's own fields
}

TEST(DocumentText, SecretsAreScrubbedFromEveryStringBeforeEscaping) {
  log::add_secret("s3\"cret");
  ConnectError e("password authentication failed for postgresql://u:s3\"cret@db/shop");
  const std::string text = document_text(error_document(e), -1);
  EXPECT_EQ(text.find("s3"), std::string::npos) << text;
  EXPECT_NE(text.find("postgresql://u:***@db/shop"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);  // one line
  EXPECT_NE(document_text(error_document(e), 2).find("\n  \"error\": {"), std::string::npos);
}

TEST(DocumentIndent, OneLineUnderJsonLogsIndentedForOutputTypeJsonElseNone) {
  EXPECT_EQ(document_indent(OutputFormat::Text, log::Format::Json), -1);
  EXPECT_EQ(document_indent(OutputFormat::Json, log::Format::Json), -1);
  EXPECT_EQ(document_indent(OutputFormat::Json, log::Format::Text), 2);
  EXPECT_EQ(document_indent(OutputFormat::Text, log::Format::Text), std::nullopt);
}

}  // namespace
}  // namespace strata
