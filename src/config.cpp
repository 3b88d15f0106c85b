#include "strata/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

#include "strata/error.hpp"
#include "strata/log.hpp"
#include "text.hpp"

namespace strata {
namespace {

// ---------------------------------------------------------------------------------------------
// The settings table: one row per setting; a new feature adds its row here.

enum class Kind { String, List, Bool, Int, Count, Duration, LogFormat, OutputType };

// Whether strata acts on a setting yet. Flyway settings that a later feature implements are
// accepted (so existing Flyway configuration loads) but named in a warning when given, rather
// than silently doing nothing.
enum class Effect { Applied, NotYet };

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
    {"validateOnMigrate", Kind::Bool, Effect::NotYet},
    {"placeholderReplacement", Kind::Bool, Effect::NotYet},
    {"placeholderPrefix", Kind::String, Effect::NotYet},
    {"placeholderSuffix", Kind::String, Effect::NotYet},
    {"baselineOnMigrate", Kind::Bool, Effect::NotYet},
    {"baselineVersion", Kind::String, Effect::NotYet},
    {"baselineDescription", Kind::String, Effect::NotYet},
    {"cleanDisabled", Kind::Bool, Effect::NotYet},
    {"ignoreMigrationPatterns", Kind::List, Effect::NotYet},
    {"mixed", Kind::Bool, Effect::NotYet},
    {"group", Kind::Bool, Effect::NotYet},
    {"sqlMigrationPrefix", Kind::String, Effect::NotYet},
    {"repeatableSqlMigrationPrefix", Kind::String, Effect::NotYet},
    {"sqlMigrationSeparator", Kind::String, Effect::NotYet},
    {"sqlMigrationSuffixes", Kind::List, Effect::NotYet},
    {"createSchemas", Kind::Bool, Effect::NotYet},
    {"encoding", Kind::String, Effect::NotYet},
    {"lockRetryCount", Kind::Int, Effect::NotYet},
};

// Spellings that are not a mere re-casing of the canonical name.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"output", "outputType"},
    {"config", "configFiles"},
    {"configfile", "configFiles"},
};

constexpr std::string_view kPlaceholderPrefix = "placeholders.";

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

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// ---------------------------------------------------------------------------------------------
// Settings from each source.

struct Setting {
  std::string value;
  std::string origin;  // for messages: "option 'x'", "environment variable X", "file:line"
  std::string file;
  int line = 0;
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

// ---- YAML

struct YamlFile {
  std::string path;
  Layer top;
  std::map<std::string, Layer> environments;
  std::map<std::string, Setting> protected_flags;
};

Setting at_node(const std::string& path, const YAML::Node& node, std::string value = {}) {
  int line = node.Mark().line + 1;
  return Setting{std::move(value), path + ":" + std::to_string(line), path, line};
}

std::string scalar_text(const std::string& path, const std::string& key, const YAML::Node& v) {
  if (v.IsNull()) return {};
  if (v.IsScalar()) return v.Scalar();
  fail(at_node(path, v), key + " expects a single value");
}

void read_section(YamlFile& file, const YAML::Node& node, Layer& layer, const std::string* environment);

void read_placeholders(YamlFile& file, const YAML::Node& v, Layer& layer, Layer& seen) {
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

void read_entry(YamlFile& file, const YAML::Node& k, const YAML::Node& v, Layer& layer, Layer& seen,
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
void read_section(YamlFile& file, const YAML::Node& node, Layer& layer, const std::string* environment) {
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

YamlFile load_yaml(const std::filesystem::path& path) {
  YamlFile file;
  file.path = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config file " + file.path);
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    Setting where{{}, file.path + ":" + std::to_string(e.mark.line + 1), file.path, e.mark.line + 1};
    fail(where, "invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return file;
  if (!root.IsMap()) fail(at_node(file.path, root), "the top level must be a map of settings");
  read_section(file, root, file.top, nullptr);
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
    else
      key = canonical_key(rest);
    if (key.empty()) {
      // STRATA_ is ours, so an unknown name there is most likely a typo worth a word; FLYWAY_ has
      // dozens of settings strata does not model, which must not get in the way.
      if (strata) out.warnings.push_back("ignoring unknown environment variable " + name);
      continue;
    }
    // FLYWAY_CONFIG_FILES names Flyway's .conf/.toml files, not a strata.yaml.
    if (!strata && key == "configFiles") continue;
    Layer& layer = strata ? out.strata : out.flyway;
    layer[key] = Setting{value, "environment variable " + name, {}, 0};
  }
  return out;
}

Layer read_flags(const std::map<std::string, std::string>& flags) {
  Layer layer;
  for (const auto& [name, value] : flags) {
    Setting s{value, "option '" + name + "'", {}, 0};
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

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string canonical_key(std::string_view key) {
  while (key.starts_with('-')) key.remove_prefix(1);
  constexpr std::string_view kPlaceholders = "placeholders";
  if (key.size() > kPlaceholders.size() + 1 && starts_with_ci(key, kPlaceholders)) {
    char sep = key[kPlaceholders.size()];
    if (sep == '.' || sep == '_' || sep == '-')
      return std::string(kPlaceholderPrefix) + std::string(key.substr(kPlaceholders.size() + 1));
  }
  const std::string folded = fold(key);
  if (folded.empty()) return {};
  for (const auto& spec : kSettings)
    if (fold(spec.name) == folded) return std::string(spec.name);
  for (const auto& [spelling, name] : kAliases)
    if (spelling == folded) return std::string(name);
  return {};
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

  // The config file: -c, else STRATA_CONFIG, else ./strata.yaml when present.
  std::optional<YamlFile> yaml;
  std::filesystem::path default_path = inputs.working_directory / "strata.yaml";
  const Setting* chosen = find(flags, "configFiles");
  if (!chosen) chosen = find(env.strata, "configFiles");
  if (chosen) {
    std::filesystem::path path = std::string(trim(chosen->value));
    if (path.is_relative()) path = inputs.working_directory / path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail(*chosen, "config file not found: " + path.string());
    yaml = load_yaml(path);
  } else {
    std::error_code ec;
    if (std::filesystem::exists(default_path, ec)) yaml = load_yaml(default_path);
  }
  if (yaml) {
    if (const Setting* pw = find(yaml->top, "password")) log::add_secret(pw->value);
    for (const auto& [name, layer] : yaml->environments)
      if (const Setting* pw = find(layer, "password")) log::add_secret(pw->value);
  }

  // Every value is checked, whichever layer wins, so a typo surfaces where it was written.
  for (Layer* layer : {&flags, &env.strata, &env.flyway})
    for (auto& [key, s] : *layer) check(key, s);
  if (yaml) {
    for (auto& [key, s] : yaml->top) check(key, s);
    for (auto& [name, layer] : yaml->environments)
      for (auto& [key, s] : layer) check(key, s);
  }

  // The environment: -e, STRATA_ENVIRONMENT, FLYWAY_ENVIRONMENT, then the file's own default.
  const Setting* env_choice = find(flags, "environment");
  if (!env_choice) env_choice = find(env.strata, "environment");
  if (!env_choice) env_choice = find(env.flyway, "environment");
  if (!env_choice && yaml) env_choice = find(yaml->top, "environment");
  const Layer* env_layer = nullptr;
  std::string environment;
  bool environment_protected = false;
  if (env_choice && !trim(env_choice->value).empty()) {
    environment = std::string(trim(env_choice->value));
    if (!yaml) fail(*env_choice, "unknown environment '" + environment + "': there is no config file (" + default_path.string() + " does not exist)");
    auto it = yaml->environments.find(environment);
    if (it == yaml->environments.end()) {
      std::string known;
      for (const auto& [name, layer] : yaml->environments) known += (known.empty() ? "" : ", ") + name;
      fail(*env_choice, "unknown environment '" + environment + "' (" +
                            (known.empty() ? yaml->path + " defines none" : "known: " + known) + ")");
    }
    env_layer = &it->second;
    if (const Setting* p = find(yaml->protected_flags, environment)) environment_protected = p->value == "true";
  }

  // Lowest first, so each later layer overrides.
  Layer merged;
  auto apply = [&](const Layer& layer) {
    for (const auto& [key, s] : layer) merged[key] = s;
  };
  if (yaml) apply(yaml->top);
  if (env_layer) apply(*env_layer);
  apply(env.flyway);
  apply(env.strata);
  apply(flags);
  if (!environment.empty()) merged["environment"] = *env_choice;
  if (yaml) {
    merged.erase("configFiles");
    merged["configFiles"] = Setting{yaml->path, "config file", {}, 0};
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
  if (auto v = text("target"); v && !v->empty()) config.target = *v;
  config.out_of_order = flag("outOfOrder", config.out_of_order);
  if (auto v = text("lockWaitTimeout")) config.lock_wait_timeout = *parse_duration(*v);
  if (auto v = text("installedBy")) config.installed_by = *v;
  if (auto v = text("outputType")) config.output = *v == "json" ? OutputFormat::Json : OutputFormat::Text;
  config.environment = environment;
  config.environment_protected = environment_protected;
  config.validate_on_migrate = flag("validateOnMigrate", config.validate_on_migrate);

  bool placeholders_warned = false;
  for (const auto& [key, s] : merged) {
    if (is_placeholder_key(key)) {
      config.placeholders[key.substr(kPlaceholderPrefix.size())] = s.value;
      if (!placeholders_warned) {
        log::warn("placeholders (" + s.origin + ") are not replaced by this version of strata yet; they have no effect");
        placeholders_warned = true;
      }
    } else if (const KeySpec* spec = find_spec(key); spec && spec->effect == Effect::NotYet) {
      log::warn("setting '" + key + "' (" + s.origin + ") is not supported by this version of strata yet; it has no effect");
    }
    config.settings[key] = s.value;
  }
  return config;
}

}  // namespace strata
