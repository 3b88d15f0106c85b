#pragma once
// Resolved migrations as unit tests build them: V("2", "add") is sql/V2__add.sql.
#include <cstdint>
#include <optional>
#include <string>

#include "strata/migration.hpp"

namespace strata::testing {

inline ResolvedMigration V(const std::string& version, const std::string& description, std::int32_t checksum = 100,
                    const std::string& type = "SQL") {
  ResolvedMigration m;
  m.kind = MigrationKind::Versioned;
  m.version = Version::parse(version);
  m.description = description;
  m.type = type;
  m.script = "V" + version + "__" + description + ".sql";
  m.path = "sql/" + m.script;
  m.checksum = checksum;
  return m;
}

inline ResolvedMigration R(const std::string& description, std::int32_t checksum = 200,
                    std::optional<std::int32_t> equivalent = std::nullopt) {
  ResolvedMigration m;
  m.kind = MigrationKind::Repeatable;
  m.description = description;
  m.script = "R__" + description + ".sql";
  m.path = "sql/" + m.script;
  m.checksum = checksum;
  m.equivalent_checksum = equivalent;
  return m;
}

}  // namespace strata::testing
