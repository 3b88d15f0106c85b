#include "strata/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "strata/error.hpp"
#include "strata/flyway_args.hpp"
#include "strata/log.hpp"
#include "text.hpp"

namespace strata {
namespace {

// ---------------------------------------------------------------------------------------------
// The settings table: one row per setting; a new feature adds its row here.

enum class Kind { String, List, Bool, Int, Count, Duration, LogFormat, OutputType };

// Whether strata acts on a setting. Flyway settings that a later feature implements are
// accepted (so existing Flyway configuration loads) but named in a warning when given, rather
// than silently doing nothing. Ignored ones only concern Flyway's own machinery (the JDBC driver,
// its licence, its jar directories) and are accepted without a word.
enum class Effect { Applied, NotYet, Ignored };

struct KeySpec {
  std::string_view name;  // Flyway's property name, the canonical key
  Kind kind;
  Effect effect = Effect::Applied;
};

constexpr KeySpec kSettings[] = {
    {"url", Kind::String},
    {"user", Kind::String},
    {"password", Kind::String},
    {"schemas", Kind::List},
    {"defaultSchema", Kind::String},
    {"table", Kind::String},
    {"locations", Kind::List},
    {"target", Kind::String},
    {"outOfOrder", Kind::Bool},
    {"lockWaitTimeout", Kind::Duration},
    {"connectRetries", Kind::Count},
    {"connectRetriesInterval", Kind::Count},
    {"connectTimeout", Kind::Count},
    {"installedBy", Kind::String},
    {"logFormat", Kind::LogFormat},
    {"outputType", Kind::OutputType},
    {"quiet", Kind::Bool},
    {"verbose", Kind::Bool},
    {"environment", Kind::String},
    {"configFiles", Kind::String},
    {"validateOnMigrate", Kind::Bool},
    {"placeholderReplacement", Kind::Bool},
    {"placeholderPrefix", Kind::String},
    {"placeholderSuffix", Kind::String},
    {"baselineOnMigrate", Kind::Bool},
    {"baselineVersion", Kind::String},
    {"baselineDescription", Kind::String},
    {"cleanDisabled", Kind::Bool},
    {"ignoreMigrationPatterns", Kind::List},
    {"mixed", Kind::Bool, Effect::NotYet},
    {"group", Kind::Bool, Effect::NotYet},
    {"sqlMigrationPrefix", Kind::String},
    {"repeatableSqlMigrationPrefix", Kind::String},
    {"sqlMigrationSeparator", Kind::String},
    {"sqlMigrationSuffixes", Kind::List},
    {"createSchemas", Kind::Bool},
    {"encoding", Kind::String, Effect::NotYet},
    {"lockRetryCount", Kind::Int, Effect::NotYet},
    // Command line only (as in Flyway): the base for relative config files and locations.
    {"workingDirectory", Kind::String},
    // The rest of Flyway's settings, so that its configuration loads and a typo still fails.
    {"callbacks", Kind::List, Effect::NotYet},
    {"callbackLocations", Kind::List, Effect::NotYet},
    {"skipDefaultCallbacks", Kind::Bool},
    {"resolvers", Kind::List, Effect::NotYet},
    {"skipDefaultResolvers", Kind::Bool, Effect::NotYet},
    {"initSql", Kind::String, Effect::NotYet},
    {"tablespace", Kind::String, Effect::NotYet},
    {"batch", Kind::Bool, Effect::NotYet},
    {"stream", Kind::Bool, Effect::NotYet},
    {"executeInTransaction", Kind::Bool, Effect::NotYet},
    {"detectEncoding", Kind::Bool, Effect::NotYet},
    {"cleanOnValidationError", Kind::Bool, Effect::NotYet},
    {"validateMigrationNaming", Kind::Bool, Effect::NotYet},
    {"failOnMissingLocations", Kind::Bool, Effect::NotYet},
    {"failOnMissingTarget", Kind::Bool, Effect::NotYet},
    {"skipExecutingMigrations", Kind::Bool, Effect::NotYet},
    {"outputQueryResults", Kind::Bool, Effect::NotYet},
    {"errorOverrides", Kind::List, Effect::NotYet},
    {"dryRunOutput", Kind::String, Effect::NotYet},
    {"undoSqlMigrationPrefix", Kind::String, Effect::NotYet},
    {"placeholderSeparator", Kind::String, Effect::NotYet},
    {"scriptPlaceholderPrefix", Kind::String, Effect::NotYet},
    {"scriptPlaceholderSuffix", Kind::String, Effect::NotYet},
    {"cherryPick", Kind::List, Effect::NotYet},
    {"outputFile", Kind::String, Effect::NotYet},
    {"outputLogsInJson", Kind::Bool, Effect::NotYet},
    {"reportEnabled", Kind::Bool, Effect::NotYet},
    {"reportFilename", Kind::String, Effect::NotYet},
    {"kerberosConfigFile", Kind::String, Effect::NotYet},
    // Flyway's switch between a transaction-level and a session-level advisory lock. strata always
    // holds a session lock on a connection of its own, which is what `false` asks for, and `true`
    // would bring back Flyway's CREATE INDEX CONCURRENTLY deadlock; Flyway setups set it to false
    // for exactly that reason, so it has to load.
    {"postgresql.transactional.lock", Kind::Bool, Effect::Ignored},
    {"driver", Kind::String, Effect::Ignored},
    {"jarDirs", Kind::List, Effect::Ignored},
    {"licenseKey", Kind::String, Effect::Ignored},
    {"color", Kind::String, Effect::Ignored},
    {"outputProgress", Kind::Bool, Effect::Ignored},
    {"configFileEncoding", Kind::String, Effect::Ignored},
    {"communityDBSupportEnabled", Kind::Bool, Effect::Ignored},
    {"powershellExecutable", Kind::String, Effect::Ignored},
    {"loggers", Kind::List, Effect::Ignored},
};

// Spellings that are not a mere re-casing of the canonical name.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"output", "outputType"},
    {"config", "configFiles"},
    {"configfile", "configFiles"},
};

constexpr std::string_view kPlaceholderPrefix = "placeholders.";
constexpr std::string_view kJdbcPropertiesPrefix = "jdbcProperties.";

// What all spellings of one key have in common: "lock-wait-timeout", "LOCK_WAIT_TIMEOUT" and
// "lockWaitTimeout" all become "lockwaittimeout".
std::string fold(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != '_' && c != '.') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const KeySpec* find_spec(std::string_view canonical) {
  for (const auto& spec : kSettings)
    if (spec.name == canonical) return &spec;
  return nullptr;
}

bool is_placeholder_key(std::string_view key) { return key.starts_with(kPlaceholderPrefix); }
bool is_jdbc_property_key(std::string_view key) { return key.starts_with(kJdbcPropertiesPrefix); }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == lower(prefix);
}

// ---------------------------------------------------------------------------------------------
// Settings from each source.

struct Setting {
  std::string value;
  std::string origin;  // for messages: "option 'x'", "environment variable X", "file:line"
  std::string file;
  int line = 0;
  std::string name;  // as written, where the spelling matters (-c FILE vs -configFiles=FILE)
};

using Layer = std::map<std::string, Setting>;  // canonical key -> setting

[[noreturn]] void fail(const Setting& at, const std::string& message) {
  ConfigError error(log::redact(at.origin + ": " + message));
  error.file = at.file;
  error.line = at.line;
  throw error;
}

std::optional<std::int64_t> parse_int(std::string_view text, bool allow_negative) {
  text = trim(text);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  if (v < 0 && !allow_negative) return std::nullopt;
  if (v > std::numeric_limits<int>::max() || v < std::numeric_limits<int>::min()) return std::nullopt;
  return v;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  std::int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  std::string unit = lower(text.substr(digits));
  std::int64_t factor;
  if (unit.empty() || unit == "s") factor = 1000;
  else if (unit == "ms") factor = 1;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else return std::nullopt;
  return std::chrono::milliseconds(n * factor);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    std::size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

// Checks a value against its key's kind and brings it to one spelling ("TRUE" -> "true").
void check(const std::string& key, Setting& s) {
  if (is_placeholder_key(key)) return;
  const KeySpec* spec = find_spec(key);
  if (spec == nullptr) return;
  auto bad = [&](std::string_view expected) {
    fail(s, "invalid value for " + key + ": '" + s.value + "' (expected " + std::string(expected) + ")");
  };
  switch (spec->kind) {
    case Kind::String: break;
    case Kind::List: s.value = join(split_list(s.value)); break;
    case Kind::Bool: {
      std::string v = lower(trim(s.value));
      if (v != "true" && v != "false") bad("true or false");
      s.value = v;
      break;
    }
    case Kind::Int:
      if (!parse_int(s.value, true)) bad("an integer");
      s.value = std::string(trim(s.value));
      break;
    case Kind::Count:
      if (!parse_int(s.value, false)) bad("a non-negative integer");
      s.value = std::string(trim(s.value));
      break;
    case Kind::Duration:
      if (!parse_duration(s.value)) bad("seconds, or a number with unit ms, s, m or h, e.g. 500ms or 10m");
      s.value = std::string(trim(s.value));
      break;
    case Kind::LogFormat: {
      std::string v = lower(trim(s.value));
      if (v != "text" && v != "json") bad("text or json");
      s.value = v;
      break;
    }
    case Kind::OutputType: {
      std::string v = lower(trim(s.value));
      if (v != "text" && v != "json" && v != "table") bad("text, table or json");
      s.value = v == "table" ? "text" : v;
      break;
    }
  }
}

// ---- config files: strata.yaml, Flyway's .conf and .toml

struct ConfigFile {
  std::string path;
  Layer top;
  std::map<std::string, Layer> environments;
  std::map<std::string, Setting> protected_flags;
  bool toml = false;  // Flyway's TOML picks environment "default" when none is chosen
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Setting at_line(const std::string& path, int line, std::string value) {
  return Setting{std::move(value), path + ":" + std::to_string(line), path, line, {}};
}

// ---- YAML

Setting at_node(const std::string& path, const YAML::Node& node, std::string value = {}) {
  return at_line(path, node.Mark().line + 1, std::move(value));
}

std::string scalar_text(const std::string& path, const std::string& key, const YAML::Node& v) {
  if (v.IsNull()) return {};
  if (v.IsScalar()) return v.Scalar();
  fail(at_node(path, v), key + " expects a single value");
}

void read_section(ConfigFile& file, const YAML::Node& node, Layer& layer, const std::string* environment);

void read_placeholders(ConfigFile& file, const YAML::Node& v, Layer& layer, Layer& seen) {
  if (v.IsNull()) return;
  if (!v.IsMap()) fail(at_node(file.path, v), "placeholders must be a map of name: value");
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string name = it->first.Scalar();
    const std::string key = std::string(kPlaceholderPrefix) + name;
    Setting s = at_node(file.path, it->first, scalar_text(file.path, "placeholder " + name, it->second));
    if (auto prev = seen.find(key); prev != seen.end())
      fail(s, "placeholder '" + name + "' is already set at line " + std::to_string(prev->second.line));
    seen[key] = s;
    layer[key] = std::move(s);
  }
}

void read_entry(ConfigFile& file, const YAML::Node& k, const YAML::Node& v, Layer& layer, Layer& seen,
                const std::string* environment) {
  const std::string name = k.Scalar();
  Setting where = at_node(file.path, k);
  if (name == "environments") {
    if (environment) fail(where, "environments cannot be nested inside environment '" + *environment + "'");
    if (v.IsNull()) return;
    if (!v.IsMap()) fail(where, "environments must be a map of name: settings");
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string env = it->first.Scalar();
      if (file.environments.count(env)) fail(at_node(file.path, it->first), "environment '" + env + "' is defined twice");
      Layer& env_layer = file.environments[env];
      if (it->second.IsNull()) continue;
      if (!it->second.IsMap()) fail(at_node(file.path, it->first), "environment '" + env + "' must be a map of settings");
      read_section(file, it->second, env_layer, &env);
    }
    return;
  }
  // Extension keys (as in docker-compose) give YAML anchors a home outside the settings.
  if (name.starts_with("x-")) return;
  if (name == "placeholders") {
    read_placeholders(file, v, layer, seen);
    return;
  }
  if (name == "protected") {
    if (!environment) fail(where, "'protected' is only valid inside an environment");
    Setting s = where;
    s.value = lower(trim(scalar_text(file.path, name, v)));
    if (s.value != "true" && s.value != "false")
      fail(s, "invalid value for protected: '" + scalar_text(file.path, name, v) + "' (expected true or false)");
    file.protected_flags[*environment] = std::move(s);
    return;
  }
  std::string key = canonical_key(name);
  if (key.empty()) fail(where, "unknown setting '" + name + "'");
  if (key == "configFiles") fail(where, "a config file cannot name another config file");
  if (key == "environment" && environment)
    fail(where, "'environment' selects an environment; it cannot be set inside one");
  if (auto prev = seen.find(key); prev != seen.end())
    fail(where, key + " is already set at line " + std::to_string(prev->second.line));

  Setting s = where;
  const KeySpec* spec = find_spec(key);
  if (v.IsSequence() && spec && spec->kind == Kind::List) {
    std::vector<std::string> items;
    for (const auto& item : v) items.push_back(scalar_text(file.path, key, item));
    s.value = join(items);
  } else {
    s.value = scalar_text(file.path, key, v);
  }
  seen[key] = s;
  layer[key] = std::move(s);
}

// `<<: *anchor` merges are resolved here (yaml-cpp 0.7 leaves them as a plain "<<" key): the
// merged map's entries count unless the section sets the same key itself.
void read_section(ConfigFile& file, const YAML::Node& node, Layer& layer, const std::string* environment) {
  Layer seen;
  Layer merged;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) fail(at_node(file.path, it->first), "setting names must be plain text");
    if (it->first.Scalar() != "<<") continue;
    std::vector<YAML::Node> sources;
    if (it->second.IsMap()) sources.push_back(it->second);
    else if (it->second.IsSequence())
      for (const auto& n : it->second) sources.push_back(n);
    for (const auto& src : sources) {
      if (!src.IsMap()) fail(at_node(file.path, it->first), "'<<' must merge a map");
      Layer merged_seen;
      for (auto m = src.begin(); m != src.end(); ++m) read_entry(file, m->first, m->second, merged, merged_seen, environment);
    }
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.Scalar() == "<<") continue;
    read_entry(file, it->first, it->second, layer, seen, environment);
  }
  for (auto& [key, s] : merged) layer.try_emplace(key, std::move(s));
}

ConfigFile load_yaml(const std::filesystem::path& path) {
  ConfigFile file;
  file.path = path.string();
  const std::string text = read_text(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(at_line(file.path, e.mark.line + 1, {}), "invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return file;
  if (!root.IsMap()) fail(at_node(file.path, root), "the top level must be a map of settings");
  read_section(file, root, file.top, nullptr);
  return file;
}

// ---- Flyway's .conf and .toml

// A Flyway key (without "flyway.") as strata's canonical key. Unknown plain keys fail, as in
// Flyway; keys inside a namespace ("postgresql.transactional.lock", "check.buildUrl") belong to
// Flyway plugins strata does not have, so they are named in a warning and skipped.
std::string flyway_file_key(const std::string& name, const Setting& at, std::vector<std::string>& warnings) {
  std::string key = canonical_key(name);
  if (key.empty()) {
    if (name.find('.') != std::string::npos) {
      warnings.push_back("ignoring flyway." + name + " (" + at.origin +
                         "): strata does not support this Flyway setting");
      return {};
    }
    fail(at, "unknown setting 'flyway." + name + "'");
  }
  if (key == "workingDirectory")
    fail(at, "workingDirectory can only be given on the command line (-workingDirectory=DIR)");
  if (key == "configFiles") {
    warnings.push_back("ignoring flyway." + name + " (" + at.origin +
                       "): a config file cannot name other config files");
    return {};
  }
  return key;
}

ConfigFile load_properties(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                           std::vector<std::string>& warnings) {
  ConfigFile file;
  file.path = path.string();
  for (auto& entry : parse_flyway_properties(read_text(path), env)) {
    // Flyway reads only its own keys from a .conf file and passes over anything else.
    if (!entry.key.starts_with("flyway.")) continue;
    Setting s = at_line(file.path, entry.line, std::move(entry.value));
    std::string key = flyway_file_key(entry.key.substr(7), s, warnings);
    if (!key.empty()) file.top[key] = std::move(s);  // later lines win, as in java.util.Properties
  }
  return file;
}

// What an [environments.NAME] table of flyway.toml holds besides its own [....flyway] table.
constexpr std::string_view kTomlEnvironmentKeys[] = {"url", "user", "password", "schemas", "connectRetries",
                                                     "connectRetriesInterval", "driver", "initSql"};

ConfigFile load_toml(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                     std::vector<std::string>& warnings) {
  ConfigFile file;
  file.path = path.string();
  file.toml = true;
  auto placeholder_or_property = [](const std::vector<std::string>& p, std::size_t at) -> std::string {
    if (p.size() == at + 2 && p[at] == "placeholders") return std::string(kPlaceholderPrefix) + p[at + 1];
    if (p.size() == at + 2 && p[at] == "jdbcProperties") return std::string(kJdbcPropertiesPrefix) + p[at + 1];
    return {};
  };
  for (auto& entry : parse_flyway_toml(read_text(path), file.path, env)) {
    const auto& p = entry.path;
    Setting s = at_line(file.path, entry.line, std::move(entry.value));
    auto unsupported = [&] {
      warnings.push_back("ignoring " + entry.key + " (" + s.origin + "): strata does not support this Flyway setting");
    };
    std::string key;
    Layer* layer = nullptr;
    if (p.size() >= 2 && p[0] == "flyway") {
      layer = &file.top;
      key = p.size() == 2 ? flyway_file_key(p[1], s, warnings) : placeholder_or_property(p, 1);
      if (key.empty() && p.size() > 2) unsupported();
    } else if (p.size() >= 3 && p[0] == "environments") {
      layer = &file.environments[p[1]];
      if (p.size() >= 4 && p[2] == "flyway") {
        key = p.size() == 4 ? flyway_file_key(p[3], s, warnings) : placeholder_or_property(p, 3);
        if (key == "environment") fail(s, "'environment' selects an environment; it cannot be set inside one");
        if (key.empty() && p.size() > 4) unsupported();
      } else if (p.size() == 3) {
        for (auto allowed : kTomlEnvironmentKeys)
          if (p[2] == allowed) key = canonical_key(allowed);
        // Flyway warns about other keys in an environment and goes on without them.
        if (key.empty() && p[2] != "displayName") unsupported();
      } else if (p.size() == 4 && p[2] == "jdbcProperties") {
        key = std::string(kJdbcPropertiesPrefix) + p[3];
      } else {
        unsupported();  // resolvers, provisioners
      }
    }
    // Anything else (Flyway Desktop's id/name/databaseType, [flywayDesktop], [redgateCompare])
    // belongs to other tools that share the file.
    if (layer && !key.empty()) (*layer)[key] = std::move(s);
  }
  return file;
}

// ---- environment variables and flags

struct EnvLayers {
  Layer strata, flyway;
  std::vector<std::string> warnings;
};

EnvLayers read_environment(const std::map<std::string, std::string>& env) {
  EnvLayers out;
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
    // FLYWAY_CONFIG_FILES adds to the files rather than choosing one; load_config reads it.
    if (!strata && key == "configFiles") continue;
    Layer& layer = strata ? out.strata : out.flyway;
    layer[key] = Setting{value, "environment variable " + name, {}, 0, name};
  }
  return out;
}

Layer read_flags(const std::map<std::string, std::string>& flags) {
  Layer layer;
  for (const auto& [name, value] : flags) {
    Setting s{value, "option '" + name + "'", {}, 0, name};
    std::string key = canonical_key(name);
    if (key.empty()) fail(s, "unknown setting '" + name + "'");
    if (auto prev = layer.find(key); prev != layer.end()) fail(s, key + " is also given as " + prev->second.origin);
    layer[key] = std::move(s);
  }
  return layer;
}

const Setting* find(const Layer& layer, const std::string& key) {
  auto it = layer.find(key);
  return it == layer.end() ? nullptr : &it->second;
}

// ---- which config files

enum class FileFormat { Yaml, Conf, Toml };

FileFormat format_of(const std::filesystem::path& path, bool strata_spelling) {
  std::string ext = lower(path.extension().string());
  if (ext == ".yaml" || ext == ".yml") return FileFormat::Yaml;
  if (ext == ".toml") return FileFormat::Toml;
  if (ext == ".conf" || ext == ".properties") return FileFormat::Conf;
  // Flyway reads any other name as a .conf file; strata's own -c names a strata.yaml.
  return strata_spelling ? FileFormat::Yaml : FileFormat::Conf;
}

bool is_file(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

// The config files, lowest first: Flyway's default files, ./strata.yaml (unless a YAML file is
// named), then those named by FLYWAY_CONFIG_FILES and by -c/-configFiles (else STRATA_CONFIG),
// each list in its order. Relative names are relative to `base`.
std::vector<ConfigFile> read_config_files(const ConfigInputs& inputs, const Layer& flags, const Layer& strata_env,
                                          const std::filesystem::path& base, bool working_directory_given,
                                          std::vector<std::string>& warnings) {
  struct Named {
    std::filesystem::path path;
    FileFormat format;
    Setting from;
  };
  std::vector<Named> named;
  auto name_files = [&](const Setting& from, bool strata_spelling) {
    for (const auto& item : split_list(from.value)) {
      std::filesystem::path path = item;
      if (path.is_relative()) path = base / path;
      named.push_back({path, format_of(path, strata_spelling), from});
    }
  };
  if (auto it = inputs.env.find("FLYWAY_CONFIG_FILES"); it != inputs.env.end())
    name_files(Setting{it->second, "environment variable FLYWAY_CONFIG_FILES", {}, 0, it->first}, false);
  const Setting* chosen = find(flags, "configFiles");
  if (!chosen) chosen = find(strata_env, "configFiles");
  if (chosen) {
    const std::string spelling = fold(chosen->name);
    name_files(*chosen, spelling == "config" || spelling == "strataconfig");
  }

  // Flyway reads either .toml or .conf files, never both: named files decide, else whether a
  // default .toml file exists.
  const Named* named_toml = nullptr;
  const Named* named_conf = nullptr;
  bool named_yaml = false;
  for (const auto& n : named) {
    if (n.format == FileFormat::Toml && !named_toml) named_toml = &n;
    if (n.format == FileFormat::Conf && !named_conf) named_conf = &n;
    named_yaml = named_yaml || n.format == FileFormat::Yaml;
  }
  if (named_toml && named_conf)
    fail(named_conf->from, "cannot use both TOML and .conf configuration (" + named_toml->path.string() + ", " +
                               named_conf->path.string() + "); Flyway does not either");
  std::vector<std::filesystem::path> defaults;
  for (const auto& path : inputs.flyway_default_files)
    defaults.push_back(path.is_relative() ? inputs.working_directory / path : path);
  if (working_directory_given) {
    defaults.push_back(base / "flyway.toml");
    defaults.push_back(base / "flyway.user.toml");
    defaults.push_back(base / "flyway.conf");
  }
  bool toml = named_toml != nullptr;
  if (!named_toml && !named_conf)
    for (const auto& path : defaults) toml = toml || (format_of(path, false) == FileFormat::Toml && is_file(path));

  std::vector<ConfigFile> files;
  auto load = [&](const std::filesystem::path& path, FileFormat format) {
    switch (format) {
      case FileFormat::Yaml: files.push_back(load_yaml(path)); break;
      case FileFormat::Conf: files.push_back(load_properties(path, inputs.env, warnings)); break;
      case FileFormat::Toml: files.push_back(load_toml(path, inputs.env, warnings)); break;
    }
  };
  std::set<std::filesystem::path> seen;  // the working directory may also be -workingDirectory
  for (const auto& path : defaults) {
    const FileFormat format = format_of(path, false);
    if (format != (toml ? FileFormat::Toml : FileFormat::Conf) || !is_file(path)) continue;
    std::error_code ec;
    if (!seen.insert(std::filesystem::weakly_canonical(path, ec)).second) continue;
    load(path, format);
  }
  if (const auto strata_yaml = base / "strata.yaml"; !named_yaml && is_file(strata_yaml))
    load(strata_yaml, FileFormat::Yaml);
  for (const auto& n : named) {
    if (!is_file(n.path)) fail(n.from, "config file not found: " + n.path.string());
    load(n.path, n.format);
  }
  return files;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string canonical_key(std::string_view key) {
  while (key.starts_with('-')) key.remove_prefix(1);
  // Maps keyed by name: the name keeps its spelling.
  for (std::string_view prefix : {kPlaceholderPrefix, kJdbcPropertiesPrefix}) {
    std::string_view stem = prefix.substr(0, prefix.size() - 1);
    if (key.size() > prefix.size() && starts_with_ci(key, stem)) {
      char sep = key[stem.size()];
      if (sep == '.' || sep == '_' || sep == '-') return std::string(prefix) + std::string(key.substr(prefix.size()));
    }
  }
  const std::string folded = fold(key);
  if (folded.empty()) return {};
  for (const auto& spec : kSettings)
    if (fold(spec.name) == folded) return std::string(spec.name);
  for (const auto& [spelling, name] : kAliases)
    if (spelling == folded) return std::string(name);
  return {};
}

bool is_boolean_setting(std::string_view canonical) {
  const KeySpec* spec = find_spec(canonical);
  return spec && spec->kind == Kind::Bool;
}

std::vector<std::filesystem::path> default_flyway_config_files(const std::map<std::string, std::string>& env) {
  // Flyway's own order: its installation's conf/ (in its Docker image, /flyway/conf), the home
  // directory, the working directory; .toml and .conf in each, whichever kind is in use.
  std::vector<std::filesystem::path> files;
  auto in = [&](const std::filesystem::path& dir) {
    for (const char* name : {"flyway.toml", "flyway.user.toml", "flyway.conf"}) files.push_back(dir / name);
  };
  in("/flyway/conf");
  if (auto home = env.find("HOME"); home != env.end() && !home->second.empty()) in(home->second);
  in("");
  return files;
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

Config load_config(const ConfigInputs& inputs) {
  Layer flags = read_flags(inputs.flags);
  EnvLayers env = read_environment(inputs.env);

  // Passwords from every source are secrets, including ones a higher layer overrides.
  for (const Layer* layer : {&flags, &env.strata, &env.flyway})
    if (const Setting* pw = find(*layer, "password")) log::add_secret(pw->value);

  // Relative paths on the command line and in settings are relative to -workingDirectory when
  // given (Flyway's rule), else to the process's working directory.
  std::filesystem::path base = inputs.working_directory;
  const Setting* working_directory = find(flags, "workingDirectory");
  if (working_directory) {
    std::filesystem::path dir = std::string(trim(working_directory->value));
    if (dir.is_relative()) dir = inputs.working_directory / dir;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      fail(*working_directory, "working directory not found: " + dir.string());
    base = dir;
  }

  std::vector<std::string> file_warnings;
  const std::filesystem::path default_path = base / "strata.yaml";
  std::vector<ConfigFile> files =
      read_config_files(inputs, flags, env.strata, base, working_directory != nullptr, file_warnings);

  for (const auto& file : files) {
    if (const Setting* pw = find(file.top, "password")) log::add_secret(pw->value);
    for (const auto& [name, layer] : file.environments)
      if (const Setting* pw = find(layer, "password")) log::add_secret(pw->value);
  }

  // Every value is checked, whichever layer wins, so a typo surfaces where it was written.
  for (Layer* layer : {&flags, &env.strata, &env.flyway})
    for (auto& [key, s] : *layer) check(key, s);
  Layer file_top;  // the files' top levels merged, for the environment they choose
  for (auto& file : files) {
    for (auto& [key, s] : file.top) {
      check(key, s);
      file_top[key] = s;
    }
    for (auto& [name, layer] : file.environments)
      for (auto& [key, s] : layer) check(key, s);
  }

  // The environment: -e, STRATA_ENVIRONMENT, FLYWAY_ENVIRONMENT, then the files' own choice;
  // flyway.toml's "default" environment applies when nothing chooses one, as in Flyway.
  const Setting* env_choice = find(flags, "environment");
  if (!env_choice) env_choice = find(env.strata, "environment");
  if (!env_choice) env_choice = find(env.flyway, "environment");
  if (!env_choice) env_choice = find(file_top, "environment");
  std::vector<const Layer*> env_layers;
  std::string environment;
  bool environment_protected = false;
  if (env_choice && !trim(env_choice->value).empty()) {
    environment = std::string(trim(env_choice->value));
    if (files.empty())
      fail(*env_choice, "unknown environment '" + environment + "': there is no config file (" +
                            default_path.string() + " does not exist)");
    std::set<std::string> known;
    for (const auto& file : files) {
      for (const auto& [name, layer] : file.environments) known.insert(name);
      if (auto it = file.environments.find(environment); it != file.environments.end())
        env_layers.push_back(&it->second);
      if (const Setting* p = find(file.protected_flags, environment)) environment_protected = p->value == "true";
    }
    if (env_layers.empty()) {
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      std::string paths;
      for (const auto& file : files) paths += (paths.empty() ? "" : ", ") + file.path;
      if (list.empty()) list = paths + (files.size() == 1 ? " defines" : " define") + " none";
      else list = "known: " + list;
      fail(*env_choice, "unknown environment '" + environment + "' (" + list + ")");
    }
  } else {
    for (const auto& file : files)
      if (auto it = file.environments.find("default"); file.toml && it != file.environments.end()) {
        env_layers.push_back(&it->second);
        environment = "default";
      }
  }

  // Lowest first, so each later layer overrides.
  Layer merged;
  // Flyway looks placeholder names up case-insensitively, so "Owner" in a file and "owner" from
  // FLYWAY_PLACEHOLDERS_OWNER are one placeholder, and the higher layer wins.
  auto apply = [&](const Layer& layer) {
    for (const auto& [key, s] : layer) {
      if (is_placeholder_key(key)) merged[std::string(kPlaceholderPrefix) + lower(key.substr(kPlaceholderPrefix.size()))] = s;
      else merged[key] = s;
    }
  };
  apply(file_top);
  for (const Layer* layer : env_layers) apply(*layer);
  apply(env.flyway);
  apply(env.strata);
  apply(flags);
  if (env_choice && !environment.empty()) merged["environment"] = *env_choice;
  merged.erase("configFiles");
  if (!files.empty()) {
    std::string paths;
    for (const auto& file : files) paths += (paths.empty() ? "" : ",") + file.path;
    merged["configFiles"] = Setting{paths, "config file", {}, 0, {}};
  }

  auto text = [&](const std::string& key) -> std::optional<std::string> {
    if (const Setting* s = find(merged, key)) return s->value;
    return std::nullopt;
  };
  auto flag = [&](const std::string& key, bool fallback) {
    auto v = text(key);
    return v ? *v == "true" : fallback;
  };
  auto count = [&](const std::string& key) -> std::optional<int> {
    if (auto v = text(key)) return static_cast<int>(*parse_int(*v, true));
    return std::nullopt;
  };

  Config config;
  if (auto v = text("logFormat")) config.log_format = *v == "json" ? log::Format::Json : log::Format::Text;
  const bool quiet = flag("quiet", false), verbose = flag("verbose", false);
  if (quiet && verbose)
    fail(*find(merged, "verbose"), "quiet and verbose cannot both be set (quiet comes from " + find(merged, "quiet")->origin + ")");
  config.verbosity = quiet ? log::Verbosity::Quiet : verbose ? log::Verbosity::Verbose : log::Verbosity::Normal;
  // Logging is configured here so warnings about the configuration itself already come out in
  // the chosen format; main may configure it again.
  log::configure(config.log_format, config.verbosity);
  for (const auto& w : env.warnings) log::warn(w);
  for (const auto& w : file_warnings) log::warn(w);
  if (auto v = text("configFileEncoding"); v && lower(trim(*v)) != "utf-8" && lower(trim(*v)) != "utf8")
    log::warn("config files are read as UTF-8; configFileEncoding " + *v + " (" +
              find(merged, "configFileEncoding")->origin + ") is ignored");

  {
    const Setting* url = find(merged, "url");
    try {
      config.connection = make_connection_settings(url ? url->value : std::string(), text("user"), text("password"),
                                                   text("connectTimeout"));
    } catch (const ConfigError& e) {
      if (!url) throw;
      fail(*url, e.what());
    }
  }
  if (auto v = count("connectRetries")) config.connection.connect_retries = *v;
  if (auto v = count("connectRetriesInterval")) config.connection.connect_retries_interval = std::chrono::seconds(*v);

  if (auto v = text("schemas")) config.schemas = split_list(*v);
  if (auto v = text("defaultSchema")) config.default_schema = *v;
  if (config.default_schema.empty() && !config.schemas.empty()) config.default_schema = config.schemas.front();
  if (auto v = text("table"); v && !v->empty()) config.table = *v;
  if (auto v = text("locations")) {
    auto items = split_list(*v);
    if (!items.empty()) config.locations = std::move(items);
  }
  if (working_directory) {
    for (auto& location : config.locations) {
      std::string_view dir = location;
      std::string prefix;
      if (auto colon = dir.find(':'); colon != std::string_view::npos) {
        if (lower(dir.substr(0, colon)) != "filesystem") continue;  // resolve names what it cannot read
        prefix = std::string(dir.substr(0, colon + 1));
        dir.remove_prefix(colon + 1);
      }
      std::filesystem::path path = std::string(trim(dir));
      if (!path.empty() && path.is_relative()) location = prefix + (base / path).string();
    }
  }
  if (auto v = text("target"); v && !v->empty()) config.target = *v;
  config.out_of_order = flag("outOfOrder", config.out_of_order);
  if (auto v = text("lockWaitTimeout")) config.lock_wait_timeout = *parse_duration(*v);
  if (auto v = text("installedBy")) config.installed_by = *v;
  if (auto v = text("outputType")) config.output = *v == "json" ? OutputFormat::Json : OutputFormat::Text;
  config.environment = environment;
  config.environment_protected = environment_protected;
  config.validate_on_migrate = flag("validateOnMigrate", config.validate_on_migrate);

  if (auto v = text("ignoreMigrationPatterns")) config.ignore_migration_patterns = split_list(*v);
  config.baseline_on_migrate = flag("baselineOnMigrate", config.baseline_on_migrate);
  if (auto v = text("baselineVersion"); v && !trim(*v).empty()) {
    if (!Version::parse(trim(*v))) fail(*find(merged, "baselineVersion"), "invalid baseline version '" + *v + "' (expected digits separated by . or _, e.g. 1 or 2.1)");
    config.baseline_version = std::string(trim(*v));
  }
  if (auto v = text("baselineDescription"); v && !v->empty()) config.baseline_description = *v;
  config.clean_disabled = flag("cleanDisabled", config.clean_disabled);
  config.skip_default_callbacks = flag("skipDefaultCallbacks", config.skip_default_callbacks);
  config.create_schemas = flag("createSchemas", config.create_schemas);
  auto naming_part = [&](const char* key, std::string& out) {
    if (auto v = text(key)) {
      if (v->empty()) fail(*find(merged, key), std::string(key) + " must not be empty");
      out = *v;
    }
  };
  naming_part("sqlMigrationPrefix", config.naming.versioned_prefix);
  naming_part("repeatableSqlMigrationPrefix", config.naming.repeatable_prefix);
  naming_part("sqlMigrationSeparator", config.naming.separator);
  if (auto v = text("sqlMigrationSuffixes")) {
    auto items = split_list(*v);
    if (items.empty()) fail(*find(merged, "sqlMigrationSuffixes"), "sqlMigrationSuffixes must name at least one suffix");
    config.naming.suffixes = std::move(items);
  }
  config.placeholder_replacement = flag("placeholderReplacement", config.placeholder_replacement);
  naming_part("placeholderPrefix", config.placeholder_prefix);
  naming_part("placeholderSuffix", config.placeholder_suffix);

  for (const auto& [key, s] : merged) {
    if (is_placeholder_key(key)) {
      config.placeholders[key.substr(kPlaceholderPrefix.size())] = s.value;
    } else if (const KeySpec* spec = find_spec(key);
               is_jdbc_property_key(key) || (spec && spec->effect == Effect::NotYet)) {
      log::warn("setting '" + key + "' (" + s.origin + ") is not supported by this version of strata yet; it has no effect");
    } else if (spec && spec->effect == Effect::Ignored) {
      log::debug("setting '" + key + "' (" + s.origin + ") only concerns Flyway itself; ignored");
    }
    config.settings[key] = s.value;
  }
  return config;
}

}  // namespace strata
