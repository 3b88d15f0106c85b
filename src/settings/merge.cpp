// The one place where the layers meet: precedence, the chosen environment, and the list of
// settings strata accepts but does not act on.
#include <set>

#include "strata/log.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {
namespace {

// Flyway settings that a later feature implements: accepted (so existing Flyway configuration
// loads) but named in a warning when given, rather than silently doing nothing.
constexpr std::string_view kNotActedOnYet[] = {
    "encoding",       "callbacks",
    "callbackLocations", "resolvers",   "skipDefaultResolvers", "initSql",               "tablespace",
    "batch",          "stream",         "detectEncoding",       "cleanOnValidationError",
    "validateMigrationNaming", "failOnMissingLocations", "failOnMissingTarget", "skipExecutingMigrations",
    "outputQueryResults", "errorOverrides", "undoSqlMigrationPrefix", "placeholderSeparator",
    "scriptPlaceholderPrefix", "scriptPlaceholderSuffix", "cherryPick", "outputFile", "outputLogsInJson",
    "reportEnabled", "reportFilename", "kerberosConfigFile",
};

// Settings that only concern Flyway's own machinery (its JDBC driver, licence, jar directories),
// accepted without a word. postgresql.transactional.lock is Flyway's switch between a
// transaction-level and a session-level advisory lock: strata always holds a session lock on a
// connection of its own, which is what `false` asks for, and Flyway setups set it to false for
// exactly that reason, so it has to load.
constexpr std::string_view kFlywayOnly[] = {
    "postgresql.transactional.lock", "driver", "jarDirs", "licenseKey", "color", "outputProgress",
    "configFileEncoding", "communityDBSupportEnabled", "powershellExecutable", "loggers",
};

bool listed(std::string_view key, const auto& list) {
  for (std::string_view k : list)
    if (k == key) return true;
  return false;
}

const Setting* find(const Layer& layer, const std::string& key) {
  auto it = layer.find(key);
  return it == layer.end() ? nullptr : &it->second;
}

struct EnvironmentChoice {
  std::vector<const Layer*> layers;  // of each file that defines it, lowest first
  std::string name;
  bool is_protected = false;
};

[[noreturn]] void unknown_environment(const Setting& choice, const std::string& name, const Layers& layers) {
  if (layers.files.empty())
    fail_at(choice.source, "unknown environment '" + name + "': there is no config file (" +
                               layers.default_file.string() + " does not exist)");
  std::set<std::string> known;
  std::string paths;
  for (const auto& file : layers.files) {
    for (const auto& [env, layer] : file.environments) known.insert(env);
    paths += (paths.empty() ? "" : ", ") + file.path;
  }
  std::string list;
  for (const auto& env : known) list += (list.empty() ? "" : ", ") + env;
  if (list.empty()) list = paths + (layers.files.size() == 1 ? " defines" : " define") + " none";
  else list = "known: " + list;
  fail_at(choice.source, "unknown environment '" + name + "' (" + list + ")");
}

// -e, STRATA_ENVIRONMENT, FLYWAY_ENVIRONMENT, then the files' own choice; flyway.toml's
// "default" environment applies when nothing chooses one, as in Flyway.
EnvironmentChoice choose_environment(const Setting* choice, const Layers& layers) {
  EnvironmentChoice out;
  if (choice && !trim(choice->value).empty()) {
    out.name = std::string(trim(choice->value));
    for (const auto& file : layers.files) {
      if (auto it = file.environments.find(out.name); it != file.environments.end()) out.layers.push_back(&it->second);
      if (const Setting* p = find(file.protected_flags, out.name)) out.is_protected = p->value == "true";
    }
    if (out.layers.empty()) unknown_environment(*choice, out.name, layers);
    return out;
  }
  for (const auto& file : layers.files)
    if (auto it = file.environments.find("default"); file.toml && it != file.environments.end()) {
      out.layers.push_back(&it->second);
      out.name = "default";
    }
  return out;
}

// Flyway looks placeholder names up case-insensitively, so "Owner" in a file and "owner" from
// FLYWAY_PLACEHOLDERS_OWNER are one placeholder, and the higher layer wins.
void overlay(Layer& merged, const Layer& layer) {
  for (const auto& [key, s] : layer) {
    if (key.starts_with(kPlaceholderPrefix))
      merged[std::string(kPlaceholderPrefix) + lower(key.substr(kPlaceholderPrefix.size()))] = s;
    else
      merged[key] = s;
  }
}

}  // namespace

MergedSettings merge_settings(const Layers& layers) {
  Layer file_top;  // the files' top levels merged, for the environment they choose
  for (const auto& file : layers.files)
    for (const auto& [key, s] : file.top) file_top[key] = s;

  const Setting* choice = find(layers.flags, "environment");
  if (!choice) choice = find(layers.strata_env, "environment");
  if (!choice) choice = find(layers.flyway_env, "environment");
  if (!choice) choice = find(file_top, "environment");
  EnvironmentChoice environment = choose_environment(choice, layers);

  MergedSettings out;
  // Lowest first, so each later layer overrides.
  overlay(out.settings, layers.defaults);
  overlay(out.settings, file_top);
  for (const Layer* layer : environment.layers) overlay(out.settings, *layer);
  for (const Layer* layer : {&layers.flyway_env, &layers.strata_env, &layers.flags}) overlay(out.settings, *layer);
  if (choice && !environment.name.empty()) out.settings["environment"] = *choice;
  out.settings.erase("configFiles");
  if (!layers.files.empty()) {
    std::string paths;
    for (const auto& file : layers.files) paths += (paths.empty() ? "" : ",") + file.path;
    out.settings["configFiles"] = Setting{paths, {SourceKind::ConfigFile, "the config files read", {}, 0, {}, {}}};
  }
  out.environment = environment.name;
  out.environment_protected = environment.is_protected;
  return out;
}

void warn_not_acted_on(const Layer& settings) {
  for (const auto& [key, s] : settings) {
    if (key.starts_with(kJdbcPropertiesPrefix) || listed(key, kNotActedOnYet))
      log::warn("setting '" + key + "' (" + s.source.origin +
                ") is not supported by this version of strata yet; it has no effect");
    else if (listed(key, kFlywayOnly))
      log::debug("setting '" + key + "' (" + s.source.origin + ") only concerns Flyway itself; ignored");
  }
}

}  // namespace strata
