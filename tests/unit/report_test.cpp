#include "strata/report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>


namespace strata {
namespace {

ResolvedMigration V(const std::string& version, const std::string& description) {
  ResolvedMigration m;
  m.kind = MigrationKind::Versioned;
  m.version = Version::parse(version);
  m.description = description;
  m.script = "V" + version + "__" + description + ".sql";
  m.path = "/flyway/sql/" + m.script;
  m.checksum = 1;
  return m;
}

ResolvedMigration R(const std::string& description) {
  ResolvedMigration m;
  m.kind = MigrationKind::Repeatable;
  m.description = description;
  m.script = "R__" + description + ".sql";
  m.path = "/flyway/sql/" + m.script;
  m.checksum = 2;
  return m;
}

AppliedMigration row(int rank, std::optional<std::string> version, const std::string& description,
                     const std::string& installed_on, const std::string& type = "SQL", std::int32_t checksum = 1) {
  AppliedMigration a;
  a.installed_rank = rank;
  a.version = std::move(version);
  a.description = description;
  a.type = type;
  a.script = description;
  a.checksum = checksum;
  a.installed_by = "postgres";
  a.installed_on = installed_on;
  a.execution_time = 42;
  return a;
}

// A small history: applied, pending, non-ASCII, repeatable.
struct Fixture {
  std::vector<ResolvedMigration> files{V("1", "init"), V("1.1", "créer la table über"), V("2", "add users"),
                                       R("views")};
  std::vector<AppliedMigration> rows{row(1, "1", "init", "2024-01-31 12:34:56.789"),
                                     row(2, "1.1", "créer la table über", "2024-02-01 08:00:00")};
  Reconciliation rec = reconcile(files, rows, {});
};

std::string table(const Reconciliation& rec) {
  std::ostringstream out;
  print_info_table(out, rec);
  return out.str();
}

std::size_t chars(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(InfoTable, GoldenWithNonAscii) {
  Fixture f;
  const std::string expected =
      "Schema version: 1.1\n"
      "\n"
      "+------------+---------+---------------------+------+---------------------+---------+----------+\n"
      "| Category   | Version | Description         | Type | Installed On        | State   | Undoable |\n"
      "+------------+---------+---------------------+------+---------------------+---------+----------+\n"
      "| Versioned  | 1       | init                | SQL  | 2024-01-31 12:34:56 | Success | No       |\n"
      "| Versioned  | 1.1     | créer la table über | SQL  | 2024-02-01 08:00:00 | Success | No       |\n"
      "| Versioned  | 2       | add users           | SQL  |                     | Pending | No       |\n"
      "| Repeatable |         | views               | SQL  |                     | Pending |          |\n"
      "+------------+---------+---------------------+------+---------------------+---------+----------+\n";
  EXPECT_EQ(table(f.rec), expected);
}

TEST(InfoTable, LinesAlignByCharactersNotBytes) {
  Fixture f;
  std::istringstream in(table(f.rec));
  std::string line;
  std::getline(in, line);  // schema version
  std::getline(in, line);  // blank
  std::size_t width = 0;
  while (std::getline(in, line)) {
    if (width == 0) width = chars(line);
    EXPECT_EQ(chars(line), width) << line;
  }
}

TEST(InfoTable, EmptySchemaAndNoMigrations) {
  Reconciliation rec = reconcile({}, {}, {});
  const std::string expected =
      "Schema version: << Empty Schema >>\n"
      "\n"
      "+----------+---------+-------------+------+--------------+-------+----------+\n"
      "| Category | Version | Description | Type | Installed On | State | Undoable |\n"
      "+----------+---------+-------------+------+--------------+-------+----------+\n"
      "| No migrations found                                                       |\n"
      "+----------+---------+-------------+------+--------------+-------+----------+\n";
  EXPECT_EQ(table(rec), expected);
}

TEST(InfoTable, SyntheticRowsHaveNoCategoryAndDeletedNoUndoable) {
  std::vector<ResolvedMigration> files{V("2", "b")};
  std::vector<AppliedMigration> rows{row(0, std::nullopt, "<< Flyway Schema Creation >>", "2024-01-01 00:00:00",
                                         "SCHEMA"),
                                     row(1, "1", "<< Flyway Baseline >>", "2024-01-01 00:00:01", "BASELINE"),
                                     row(2, "1.5", "gone", "2024-01-01 00:00:02"),
                                     row(3, "1.5", "gone", "2024-01-01 00:00:03", "DELETE")};
  Reconciliation rec = reconcile(files, rows, {});
  // The DELETE row is folded into the row it deletes, as Flyway lists it.
  const std::string expected =
      "Schema version: 1\n"
      "\n"
      "+-----------+---------+------------------------------+----------+---------------------+----------+----------+\n"
      "| Category  | Version | Description                  | Type     | Installed On        | State    | Undoable |\n"
      "+-----------+---------+------------------------------+----------+---------------------+----------+----------+\n"
      "|           |         | << Flyway Schema Creation >> | SCHEMA   | 2024-01-01 00:00:00 | Success  |          |\n"
      "|           | 1       | << Flyway Baseline >>        | BASELINE | 2024-01-01 00:00:01 | Baseline | No       |\n"
      "| Versioned | 1.5     | gone                         | SQL      | 2024-01-01 00:00:02 | Deleted  |          |\n"
      "| Versioned | 2       | b                            | SQL      |                     | Pending  | No       |\n"
      "+-----------+---------+------------------------------+----------+---------------------+----------+----------+\n";
  EXPECT_EQ(table(rec), expected);
}

TEST(InfoTable, UndoRowsAreLeftOut) {
  // Flyway's dumper drops undo rows from the table; the JSON keeps them as category Undo.
  std::vector<AppliedMigration> rows{row(1, "1", "a", "2024-01-01 00:00:00"),
                                     row(2, "1", "undo a", "2024-01-01 00:00:01", "UNDO_SQL")};
  std::vector<ResolvedMigration> files{V("1", "a")};
  Reconciliation rec = reconcile(files, rows, {});
  EXPECT_EQ(table(rec).find("undo a"), std::string::npos);
  InfoContext ctx;
  nlohmann::json j = nlohmann::json::parse(info_json(ctx, rec));
  ASSERT_EQ(j["migrations"].size(), 2u);
  EXPECT_EQ(j["migrations"][1]["category"], "Undo");
  EXPECT_EQ(j["migrations"][1]["undoable"], "");
}

nlohmann::json info(const Reconciliation& rec) {
  InfoContext ctx;
  ctx.schema_name = "public";
  ctx.database = "app";
  ctx.all_schemas_empty = false;
  ctx.timestamp = "2024-03-01T10:00:00.123";
  return nlohmann::json::parse(info_json(ctx, rec));
}

TEST(InfoJson, TopLevelFieldsAndTypes) {
  Fixture f;
  nlohmann::json j = info(f.rec);
  EXPECT_EQ(j["schemaVersion"], "1.1");
  EXPECT_EQ(j["schemaName"], "public");
  EXPECT_EQ(j["database"], "app");
  EXPECT_EQ(j["flywayVersion"], strata_version());
  EXPECT_EQ(j["flywayVersion"], "0.1.0");
  EXPECT_EQ(j["allSchemasEmpty"], false);
  EXPECT_TRUE(j["allSchemasEmpty"].is_boolean());
  EXPECT_EQ(j["operation"], "info");
  EXPECT_EQ(j["timestamp"], "2024-03-01T10:00:00.123");
  EXPECT_TRUE(j["exception"].is_null());
  EXPECT_EQ(j["licenseFailed"], false);
  ASSERT_TRUE(j["migrations"].is_array());
  EXPECT_EQ(j["migrations"].size(), 4u);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"allSchemasEmpty", "database", "exception", "flywayVersion",
                                            "licenseFailed", "migrations", "operation", "schemaName",
                                            "schemaVersion", "timestamp"}));
}

TEST(InfoJson, MigrationFieldsAndValues) {
  Fixture f;
  const auto j = nlohmann::ordered_json::parse(info_json(InfoContext{}, f.rec));
  const auto& applied = j["migrations"][0];
  std::vector<std::string> keys;
  for (auto it = applied.begin(); it != applied.end(); ++it) keys.push_back(it.key());
  // InfoOutput's declaration order.
  EXPECT_EQ(keys, (std::vector<std::string>{"category", "version", "rawVersion", "description", "type",
                                            "installedOnUTC", "state", "undoable", "filepath", "undoFilepath",
                                            "installedBy", "shouldExecuteExpression", "executionTime"}));
  EXPECT_EQ(applied["category"], "Versioned");
  EXPECT_EQ(applied["version"], "1");
  EXPECT_EQ(applied["rawVersion"], "1");
  EXPECT_EQ(applied["description"], "init");
  EXPECT_EQ(applied["type"], "SQL");
  EXPECT_EQ(applied["installedOnUTC"], "2024-01-31T12:34:56.789Z");
  EXPECT_EQ(applied["state"], "Success");
  EXPECT_EQ(applied["undoable"], "No");
  EXPECT_EQ(applied["filepath"], "/flyway/sql/V1__init.sql");
  EXPECT_EQ(applied["undoFilepath"], "");
  EXPECT_EQ(applied["installedBy"], "postgres");
  EXPECT_TRUE(applied["shouldExecuteExpression"].is_null());
  EXPECT_TRUE(applied["executionTime"].is_number_integer());
  EXPECT_EQ(applied["executionTime"], 42);

  EXPECT_EQ(j["migrations"][1]["description"], "créer la table über");
  EXPECT_EQ(j["migrations"][1]["installedOnUTC"], "2024-02-01T08:00:00Z");

  const auto& pending = j["migrations"][2];
  EXPECT_EQ(pending["state"], "Pending");
  EXPECT_EQ(pending["installedOnUTC"], "");
  EXPECT_EQ(pending["installedBy"], "");
  EXPECT_EQ(pending["executionTime"], 0);

  const auto& repeatable = j["migrations"][3];
  EXPECT_EQ(repeatable["category"], "Repeatable");
  EXPECT_EQ(repeatable["version"], "");
  EXPECT_EQ(repeatable["rawVersion"], "");
  EXPECT_EQ(repeatable["undoable"], "");
  EXPECT_EQ(repeatable["filepath"], "/flyway/sql/R__views.sql");
}

TEST(InfoJson, EmptySchemaVersionIsNull) {
  Reconciliation rec = reconcile({}, {}, {});
  nlohmann::json j = info(rec);
  EXPECT_TRUE(j["schemaVersion"].is_null());
  EXPECT_TRUE(j["migrations"].is_array());
  EXPECT_TRUE(j["migrations"].empty());
}

TEST(InfoJson, SyntheticRowsAndMissingFile) {
  std::vector<AppliedMigration> rows{row(0, std::nullopt, "<< Flyway Schema Creation >>", "2024-01-01 00:00:00",
                                         "SCHEMA"),
                                     row(1, "1", "<< Flyway Baseline >>", "2024-01-01 00:00:00", "BASELINE"),
                                     row(2, "2", "gone", "2024-01-01 00:00:00", "SPRING_JDBC")};
  std::vector<ResolvedMigration> files{V("3", "c")};
  Reconciliation rec = reconcile(files, rows, {});
  nlohmann::json j = info(rec);
  ASSERT_EQ(j["migrations"].size(), 4u);
  EXPECT_EQ(j["migrations"][0]["category"], "");
  EXPECT_EQ(j["migrations"][0]["type"], "SCHEMA");
  EXPECT_EQ(j["migrations"][0]["state"], "Success");
  EXPECT_EQ(j["migrations"][0]["undoable"], "");
  EXPECT_EQ(j["migrations"][1]["category"], "");
  EXPECT_EQ(j["migrations"][1]["state"], "Baseline");
  EXPECT_EQ(j["migrations"][1]["undoable"], "No");
  EXPECT_EQ(j["migrations"][2]["type"], "JDBC");
  EXPECT_EQ(j["migrations"][2]["state"], "Missing");
  EXPECT_EQ(j["migrations"][2]["filepath"], "");
  EXPECT_EQ(j["migrations"][3]["state"], "Pending");
}

TEST(InfoJson, InstalledOnUtcLikeJavaInstant) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"2024-01-31 12:34:56", "2024-01-31T12:34:56Z"},
      {"2024-01-31 12:34:56.1", "2024-01-31T12:34:56.100Z"},
      {"2024-01-31 12:34:56.789", "2024-01-31T12:34:56.789Z"},
      {"2024-01-31 12:34:56.123456", "2024-01-31T12:34:56.123456Z"},
      {"2024-01-31 12:34:56.0001", "2024-01-31T12:34:56.000100Z"},
      {"2024-01-31 12:34:56.000", "2024-01-31T12:34:56Z"},
      {"2024-01-31T12:34:56.5", "2024-01-31T12:34:56.500Z"},
  };
  for (const auto& [in, want] : cases) {
    std::vector<AppliedMigration> rows{row(1, "1", "a", in)};
    Reconciliation rec = reconcile({}, rows, {});
    nlohmann::json j = info(rec);
    EXPECT_EQ(j["migrations"][0]["installedOnUTC"], want) << in;
  }
}

TEST(InfoJson, InvalidUtf8DoesNotThrow) {
  std::vector<AppliedMigration> rows{row(1, "1", std::string("bad \xff byte"), "2024-01-31 12:34:56")};
  Reconciliation rec = reconcile({}, rows, {});
  InfoContext ctx;
  std::string out;
  EXPECT_NO_THROW(out = info_json(ctx, rec));
  EXPECT_NO_THROW(nlohmann::json::parse(out));
}

TEST(Version, StrataVersionConstant) { EXPECT_STREQ(strata_version(), "0.1.0"); }

}  // namespace
}  // namespace strata
