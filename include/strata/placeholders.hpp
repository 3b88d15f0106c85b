#pragma once
// Flyway's placeholder replacement (`${name}` in migration text), as a pure function of the text
// and the settings: no database, no files. The connection-dependent built-ins come from the
// caller through builtin_placeholders().
//
// The rules, as Flyway's PlaceholderReplacingReader applies them to the whole file before any SQL
// parsing (so also inside comments, string literals and dollar-quoted bodies):
// - the name is every character between the prefix and the next suffix, line breaks included;
// - names match case-insensitively (ASCII letters here; Java folds other letters too);
// - a prefix is only recognised where a fresh scan starts: after a partial prefix match the
//   mismatching character is consumed with it, so "$${x}" is left alone;
// - values are inserted as they are and never scanned again;
// - an undefined name, or a prefix with no suffix after it, fails the file.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/naming.hpp"
#include "strata/script.hpp"

namespace strata {

struct PlaceholderSettings {
  bool enabled = true;  // placeholderReplacement
  std::string prefix = "${";
  std::string suffix = "}";
  // User placeholders (placeholders.*, FLYWAY_PLACEHOLDERS_*), names as configured.
  std::map<std::string, std::string> values;
  // builtin_placeholders(); they win over a user value of the same name, as in Flyway. Putting
  // them into `values` instead also works when no user name collides with them.
  std::map<std::string, std::string> builtins;
};

// Flyway's built-ins except flyway:filename, which replace_placeholders() sets per file:
// flyway:defaultSchema, flyway:user, flyway:database, flyway:timestamp, flyway:workingDirectory,
// flyway:table, flyway:environment. An empty default_schema or database is left out (Flyway
// leaves them out when it cannot tell, and using one is then an error); an empty environment
// becomes "default". The timestamp is `now` as "yyyy-MM-dd HH:mm:ss" in local time (TZ); Flyway
// takes it once per command, so pass the same `now` for every file.
std::map<std::string, std::string> builtin_placeholders(std::string_view default_schema, std::string_view user,
                                                        std::string_view database, std::string_view table,
                                                        std::string_view environment,
                                                        std::string_view working_directory,
                                                        std::chrono::system_clock::time_point now);

// Whether replace_placeholders could change `text` (replacement on and the prefix in it); when
// not, it would return a copy, which for a large file is worth not making. Throws ConfigError as it.
bool has_placeholders(std::string_view text, const PlaceholderSettings& settings);

// `text` with every placeholder replaced; unchanged when settings.enabled is false. `filename`
// is what ${flyway:filename} becomes (the file's name without directories, e.g. "R__views.sql");
// `file_for_errors` goes into InputError::file.
// Throws InputError at the 1-based line and column (in characters, of the prefix, in `text`) of
// the first undefined placeholder, naming the others on the same line of message; ConfigError
// when replacement is on and the prefix or suffix is empty. When `splices` is given, it receives
// each replacement in order, so that positions in the result can be traced back to `text`.
std::string replace_placeholders(std::string_view text, const PlaceholderSettings& settings,
                                 std::string_view filename, const std::string& file_for_errors,
                                 std::vector<Splice>* splices = nullptr);

struct MigrationChecksums {
  std::int32_t checksum = 0;
  // Repeatables only: the raw text's checksum, which Flyway also accepts as a match.
  std::optional<std::int32_t> equivalent_checksum;
};

// The checksum Flyway computes for an SQL migration file. Versioned: the raw text. Repeatable:
// the text after replacement when replacement is on (so a changed value re-runs it), plus the raw
// text's checksum as the equivalent. Throws as replace_placeholders() does, for repeatables only:
// Flyway fails to resolve such a repeatable even for info and validate.
MigrationChecksums migration_checksums(MigrationKind kind, std::string_view text,
                                       const PlaceholderSettings& settings, std::string_view filename,
                                       const std::string& file_for_errors);

}  // namespace strata
