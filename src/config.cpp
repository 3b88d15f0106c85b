// load_config: reads every settings layer, merges them once (src/settings/merge.cpp) and turns
// the merged text values into the typed Config.
#include "strata/config.hpp"

#include <algorithm>

#include "strata/error.hpp"
#include "strata/log.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {
namespace {

// The merged settings, read by key.
struct Effective {
  const Layer& settings;

  const Setting* at(const std::string& key) const {
    auto it = settings.find(key);
    return it == settings.end() ? nullptr : &it->second;
  }
  std::optional<std::string> text(const std::string& key) const {
    if (const Setting* s = at(key)) return s->value;
    return std::nullopt;
  }
  bool flag(const std::string& key, bool fallback) const {
    auto v = text(key);
    return v ? *v == "true" : fallback;
  }
  std::optional<int> count(const std::string& key) const {
    if (auto v = text(key)) return static_cast<int>(*parse_setting_int(*v, true));
    return std::nullopt;
  }
  // A non-empty value replaces `out`; an empty one is an error.
  void non_empty(const std::string& key, std::string& out) const {
    if (auto v = text(key)) {
      if (v->empty()) fail_at(at(key)->source, key + " must not be empty");
      out = *v;
    }
  }
};

void register_secrets(const Layer& layer) {
  if (auto it = layer.find("password"); it != layer.end()) log::add_secret(it->second.value);
}

// Relative paths on the command line and in settings are relative to -workingDirectory when given
// (Flyway's rule), else to the process's working directory.
std::filesystem::path base_directory(const ConfigInputs& inputs, const Layer& flags) {
  auto it = flags.find("workingDirectory");
  if (it == flags.end()) return inputs.working_directory;
  std::filesystem::path dir = std::string(trim(it->second.value));
  if (dir.is_relative()) dir = inputs.working_directory / dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) fail_at(it->second.source, "working directory not found: " + dir.string());
  return dir;
}

// Logging is configured here so warnings about the configuration itself already come out in the
// chosen format; main may configure it again.
void apply_logging(Config& config, const Effective& in, const std::vector<std::string>& warnings) {
  if (auto v = in.text("logFormat")) config.log_format = *v == "json" ? log::Format::Json : log::Format::Text;
  const bool quiet = in.flag("quiet", false), verbose = in.flag("verbose", false);
  if (quiet && verbose)
    fail_at(in.at("verbose")->source,
            "quiet and verbose cannot both be set (quiet comes from " + in.at("quiet")->source.origin + ")");
  config.verbosity = quiet ? log::Verbosity::Quiet : verbose ? log::Verbosity::Verbose : log::Verbosity::Normal;
  log::configure(config.log_format, config.verbosity);
  for (const auto& w : warnings) log::warn(w);
  if (auto v = in.text("configFileEncoding"); v && lower(trim(*v)) != "utf-8" && lower(trim(*v)) != "utf8")
    log::warn("config files are read as UTF-8; configFileEncoding " + *v + " (" +
              in.at("configFileEncoding")->source.origin + ") is ignored");
}

void apply_connection(Config& config, const Effective& in) {
  const Setting* url = in.at("url");
  try {
    config.connection = make_connection_settings(url ? url->value : std::string(), in.text("user"),
                                                 in.text("password"), in.text("connectTimeout"));
  } catch (const ConfigError& e) {
    if (!url) throw;
    fail_at(url->source, e.what());
  }
  if (auto v = in.count("connectRetries")) config.connection.connect_retries = *v;
  if (auto v = in.count("connectRetriesInterval")) config.connection.connect_retries_interval = std::chrono::seconds(*v);
}

// With -workingDirectory, relative filesystem locations are relative to it.
void rebase_locations(std::vector<std::string>& locations, const std::filesystem::path& base) {
  for (auto& location : locations) {
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

void apply_history(Config& config, const Effective& in) {
  if (auto v = in.text("schemas")) config.schemas = split_list(*v);
  if (auto v = in.text("defaultSchema")) config.default_schema = *v;
  if (config.default_schema.empty() && !config.schemas.empty()) config.default_schema = config.schemas.front();
  if (auto v = in.text("table"); v && !v->empty()) config.table = *v;
  if (auto v = in.text("locations")) {
    auto items = split_list(*v);
    if (!items.empty()) config.locations = std::move(items);
  }
  if (auto v = in.text("target"); v && !v->empty()) config.target = *v;
  config.out_of_order = in.flag("outOfOrder", config.out_of_order);
  config.fast_commit = in.flag("fastCommit", config.fast_commit);
  if (auto v = in.text("lockWaitTimeout")) config.lock_wait_timeout = *parse_duration(*v);
  // Reports more often than every second would only flood the log (and 0 would never sleep).
  if (auto v = in.text("waitReportInterval"))
    config.wait_report_interval = std::max(*parse_duration(*v), std::chrono::milliseconds(1000));
  if (auto v = in.text("installedBy")) config.installed_by = *v;
  if (auto v = in.text("outputType")) config.output = *v == "json" ? OutputFormat::Json : OutputFormat::Text;
  config.validate_on_migrate = in.flag("validateOnMigrate", config.validate_on_migrate);
  if (auto v = in.text("ignoreMigrationPatterns")) config.ignore_migration_patterns = split_list(*v);
  config.baseline_on_migrate = in.flag("baselineOnMigrate", config.baseline_on_migrate);
  if (auto v = in.text("baselineVersion"); v && !trim(*v).empty()) {
    if (!Version::parse(trim(*v)))
      fail_at(in.at("baselineVersion")->source,
              "invalid baseline version '" + *v + "' (expected digits separated by . or _, e.g. 1 or 2.1)");
    config.baseline_version = std::string(trim(*v));
  }
  if (auto v = in.text("baselineDescription"); v && !v->empty()) config.baseline_description = *v;
  config.clean_disabled = in.flag("cleanDisabled", config.clean_disabled);
  config.skip_default_callbacks = in.flag("skipDefaultCallbacks", config.skip_default_callbacks);
  config.create_schemas = in.flag("createSchemas", config.create_schemas);
}

void apply_naming_and_placeholders(Config& config, const Effective& in) {
  in.non_empty("sqlMigrationPrefix", config.naming.versioned_prefix);
  in.non_empty("repeatableSqlMigrationPrefix", config.naming.repeatable_prefix);
  in.non_empty("sqlMigrationSeparator", config.naming.separator);
  if (auto v = in.text("sqlMigrationSuffixes")) {
    auto items = split_list(*v);
    if (items.empty()) fail_at(in.at("sqlMigrationSuffixes")->source, "sqlMigrationSuffixes must name at least one suffix");
    config.naming.suffixes = std::move(items);
  }
  config.placeholder_replacement = in.flag("placeholderReplacement", config.placeholder_replacement);
  in.non_empty("placeholderPrefix", config.placeholder_prefix);
  in.non_empty("placeholderSuffix", config.placeholder_suffix);
  for (const auto& [key, s] : in.settings)
    if (key.starts_with(kPlaceholderPrefix)) config.placeholders[key.substr(kPlaceholderPrefix.size())] = s.value;
}

// Every layer below the defaults, read and checked: a typo surfaces where it was written, whichever
// layer wins. Passwords from every source are secrets, including ones a higher layer overrides.
Layers read_layers(const ConfigInputs& inputs, const std::filesystem::path& base, Layer flags,
                   std::vector<std::string>& warnings) {
  Layers layers;
  layers.flags = std::move(flags);
  EnvironmentLayers env = read_environment(inputs.env);
  layers.strata_env = std::move(env.strata);
  layers.flyway_env = std::move(env.flyway);
  warnings = std::move(env.warnings);
  for (const Layer* layer : {&layers.flags, &layers.strata_env, &layers.flyway_env}) register_secrets(*layer);

  ConfigFileChoice choice{inputs.env, base, {}, layers.flags.count("workingDirectory") > 0};
  for (const auto& path : inputs.flyway_default_files)
    choice.flyway_default_files.push_back(path.is_relative() ? inputs.working_directory / path : path);
  layers.files = read_config_files(choice, layers.flags, layers.strata_env, warnings);
  for (const auto& file : layers.files) {
    register_secrets(file.top);
    for (const auto& [name, layer] : file.environments) register_secrets(layer);
  }

  for (Layer* layer : {&layers.flags, &layers.strata_env, &layers.flyway_env})
    for (auto& [key, s] : *layer) normalize_setting(key, s);
  for (auto& file : layers.files) {
    for (auto& [key, s] : file.top) normalize_setting(key, s);
    for (auto& [name, layer] : file.environments)
      for (auto& [key, s] : layer) normalize_setting(key, s);
  }
  layers.defaults = default_settings();
  layers.default_file = base / "strata.yaml";
  return layers;
}

}  // namespace

Config load_config(const ConfigInputs& inputs) {
  Layer flags = read_command_line(inputs.flags);
  const std::filesystem::path base = base_directory(inputs, flags);
  const bool working_directory_given = flags.count("workingDirectory") > 0;
  std::vector<std::string> warnings;
  const Layers layers = read_layers(inputs, base, std::move(flags), warnings);
  const MergedSettings merged = merge_settings(layers);
  const Effective in{merged.settings};

  Config config;
  apply_logging(config, in, warnings);
  apply_connection(config, in);
  apply_history(config, in);
  if (working_directory_given) rebase_locations(config.locations, base);
  apply_naming_and_placeholders(config, in);
  config.environment = merged.environment;
  config.environment_protected = merged.environment_protected;
  warn_not_acted_on(merged.settings);
  for (const auto& [key, s] : merged.settings) {
    config.settings[key] = s.value;
    config.sources[key] = s.source;
  }
  return config;
}

}  // namespace strata
