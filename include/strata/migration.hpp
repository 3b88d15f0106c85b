#pragma once
// A migration as found on disk.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "strata/naming.hpp"
#include "strata/script.hpp"
#include "strata/version.hpp"

namespace strata {

struct ResolvedMigration {
  MigrationKind kind = MigrationKind::Versioned;
  std::optional<Version> version;  // Versioned only
  std::string description;
  std::string type = "SQL";        // history `type`
  std::string script;              // path relative to its location, '/'-separated (history `script`)
  std::filesystem::path path;      // where it is on disk
  std::int32_t checksum = 0;
  std::string sql;                 // the file's text (valid UTF-8, as read), placeholders replaced once known
  // Set once placeholders are replaced: the text as read, and where each replacement went in
  // `sql`, so that an error's line and column point into the file, not into the replaced text.
  std::string original_sql;
  std::vector<Splice> splices;
  // Repeatables: checksum of the raw text, before placeholder replacement. Flyway accepts an
  // applied checksum equal to either, so histories written without replacement stay Success.
  std::optional<std::int32_t> equivalent_checksum;
  // Flyway's script config file `<script>.conf` next to it: its path when there is one, and its
  // executeInTransaction when it sets it.
  std::filesystem::path config_path;
  std::optional<bool> execute_in_transaction;
};

}  // namespace strata
