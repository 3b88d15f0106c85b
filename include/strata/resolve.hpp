#pragma once
// resolve: locations on disk -> ordered ResolvedMigrations. Never connects.
#include <filesystem>
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
