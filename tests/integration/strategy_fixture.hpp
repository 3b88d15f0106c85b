#pragma once
// What the tests that run execution strategies directly share: a migration built in memory and a
// fresh database with its history table.
#include <string>

#include "harness.hpp"
#include "strata/history.hpp"
#include "strata/strategy.hpp"

namespace strata::test {

inline ResolvedMigration migration(const std::string& version, const std::string& description, const std::string& sql) {
  ResolvedMigration m;
  m.version = Version::parse(version);
  m.description = description;
  m.script = "V" + version + "__" + description + ".sql";
  m.path = m.script;
  m.checksum = 42;
  m.sql = sql;
  return m;
}

struct StrategyFixture {
  TestDatabase db;
  HistoryTable history{db.session(), {"public", "flyway_schema_history"}};
  ExecuteOptions options;
  StrategyFixture() {
    history.create();
    options.installed_by = "tester";
  }
};

}  // namespace strata::test
