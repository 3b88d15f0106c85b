// FLYWAY_* and STRATA_* environment variables, one layer each.
#include "strata/config.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {

EnvironmentLayers read_environment(const std::map<std::string, std::string>& env) {
  EnvironmentLayers out;
  for (const auto& [name, value] : env) {
    const bool strata = name.starts_with("STRATA_");
    if (!strata && !name.starts_with("FLYWAY_")) continue;
    std::string_view rest = std::string_view(name).substr(7);
    std::string key;
    if (rest.starts_with("PLACEHOLDERS_") && rest.size() > 13)
      key = std::string(kPlaceholderPrefix) + lower(rest.substr(13));  // as Flyway's ConfigUtils does
    else if (rest.starts_with("JDBC_PROPERTIES_") && rest.size() > 16)
      key = std::string(kJdbcPropertiesPrefix) + lower(rest.substr(16));
    else
      key = canonical_key(rest);
    if (key == "workingDirectory") key.clear();  // command line only, as in Flyway
    if (key.empty()) {
      // STRATA_ is ours, so an unknown name there is most likely a typo worth a word; FLYWAY_ has
      // dozens of settings strata does not model, which must not get in the way.
      if (strata) out.warnings.push_back("ignoring unknown environment variable " + name);
      continue;
    }
    // FLYWAY_CONFIG_FILES adds to the files rather than choosing one; read_config_files reads it.
    if (!strata && key == "configFiles") continue;
    const SourceKind kind = strata ? SourceKind::StrataEnvironment : SourceKind::FlywayEnvironment;
    (strata ? out.strata : out.flyway)[key] = Setting{value, {kind, "environment variable " + name, {}, 0, {}, name}};
  }
  return out;
}

std::map<std::string, std::string> environment_map(char** envp) {
  std::map<std::string, std::string> env;
  for (char** p = envp; p != nullptr && *p != nullptr; ++p) {
    std::string_view entry(*p);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

}  // namespace strata
