#pragma once
// resolve: locations on disk -> ordered ResolvedMigrations. Never connects.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/callbacks.hpp"
#include "strata/migration.hpp"
#include "strata/naming.hpp"

namespace strata {

struct ResolveOptions {
  std::vector<std::string> locations{"migrations"};  // "dir" or "filesystem:dir"
  NamingRules naming;
};

// What a script config file (Flyway's `V2__x.sql.conf` next to `V2__x.sql`) sets.
struct ScriptConfig {
  std::optional<bool> execute_in_transaction;
};
// Reads a script config file's text as Flyway does (java.util.Properties): executeInTransaction
// is true or false (any case); encoding must be UTF-8, the only one strata reads. Any other key is
// an InputError at path:line, as Flyway refuses keys it does not know (placeholderReplacement and
// shouldExecute included: strata does not act on them, so it must not pretend to).
ScriptConfig parse_script_config(std::string_view text, const std::string& path);

// The directory a location names ("filesystem:" prefix accepted; other schemes are InputError).
std::filesystem::path location_directory(std::string_view location);

// All migrations under the locations (recursively): versioned ones ordered by version, then
// repeatables ordered by description. Throws InputError (with file, and line/byte where known)
// for a missing location, an unreadable file, a name that does not parse, invalid UTF-8,
// two files with one version or two repeatables with one description.
std::vector<ResolvedMigration> resolve_migrations(const ResolveOptions& options);

struct ResolvedScripts {
  std::vector<ResolvedMigration> migrations;  // as resolve_migrations
  std::vector<ResolvedCallback> callbacks;    // SQL callbacks, in the order found
};
// Migrations and SQL callbacks in one scan. Also an InputError: two callbacks with one name.
ResolvedScripts resolve_scripts(const ResolveOptions& options);

}  // namespace strata
