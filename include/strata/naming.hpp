#pragma once
// File names -> migration identity (kind, version, description), following Flyway's rules.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/version.hpp"

namespace strata {

enum class MigrationKind { Versioned, Repeatable };

struct NamingRules {
  std::string versioned_prefix = "V";
  std::string repeatable_prefix = "R";
  std::string separator = "__";
  std::vector<std::string> suffixes{".sql"};
};

struct MigrationName {
  MigrationKind kind = MigrationKind::Versioned;
  std::optional<Version> version;  // set for Versioned only
  std::string description;         // '_' turned into ' '
};

// nullopt: not a migration file at all (wrong prefix or suffix), to be ignored.
// Throws InputError (file = `filename`) when the name starts with a migration prefix and ends
// with the suffix but does not parse (e.g. a version that is not digits separated by . or _).
// Like Flyway, "V1.sql" (no separator) is version 1 with an empty description.
std::optional<MigrationName> parse_migration_name(std::string_view filename,
                                                  const NamingRules& rules = {});

}  // namespace strata
