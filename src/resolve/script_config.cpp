// Flyway's script config files (SqlScriptMetadata): `<script>.conf` beside a migration, read as
// java.util.Properties. Flyway refuses keys it does not know; so does strata, and also the keys
// it does not act on, rather than run the script differently from what the file asks.
#include <string>

#include "strata/error.hpp"
#include "strata/resolve.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {
namespace {

[[noreturn]] void refuse(const std::string& path, int line, const std::string& cause) {
  InputError e(path + ":" + std::to_string(line) + ": " + cause);
  e.file = path;
  e.line = line;
  throw e;
}

}  // namespace

ScriptConfig parse_script_config(std::string_view text, const std::string& path) {
  ScriptConfig config;
  for (const FileEntry& entry : parse_flyway_properties(text, {})) {
    const std::string value = lower(trim(entry.value));
    if (entry.key == "executeInTransaction") {
      if (value != "true" && value != "false")
        refuse(path, entry.line, "executeInTransaction must be true or false, not '" + entry.value + "'");
      config.execute_in_transaction = value == "true";
    } else if (entry.key == "encoding") {
      if (value != "utf-8" && value != "utf8")
        refuse(path, entry.line, "strata reads migrations as UTF-8; encoding " + entry.value + " is not supported");
    } else if (entry.key == "placeholderReplacement" || entry.key == "shouldExecute") {
      refuse(path, entry.line, entry.key + " in a script config file is not supported by strata; only executeInTransaction is");
    } else {
      refuse(path, entry.line, "unknown script config property '" + entry.key +
                                   "' (a script config file sets executeInTransaction)");
    }
  }
  return config;
}

}  // namespace strata
