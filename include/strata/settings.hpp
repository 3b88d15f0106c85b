#pragma once
// settings: each source of configuration (built-in defaults, strata.yaml, Flyway's flyway.conf and
// flyway.toml, FLYWAY_* and STRATA_* variables, the command line) yields a Layer: canonical key ->
// value and where it came from. merge_settings() applies the precedence once; load_config (config.hpp)
// turns the result into a Config. One source per file under src/settings/. Touches no database.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

enum class SourceKind { Default, ConfigFile, FlywayEnvironment, StrataEnvironment, CommandLine };

struct SettingSource {
  SourceKind kind = SourceKind::Default;
  // For error messages: "option '-url'", "environment variable FLYWAY_URL", "conf/a.conf:3".
  std::string origin;
  std::string file;     // config files only
  int line = 0;         // config files only, 1-based
  std::string section;  // config files: "environments.prod"; empty at the top level
  std::string name;     // as written, where the spelling matters (-c FILE vs -configFiles=FILE)
};

struct Setting {
  std::string value;
  SettingSource source;
};

using Layer = std::map<std::string, Setting>;  // canonical key -> setting

// For people: "default", "strata.yaml: environments.prod, line 12", "environment variable X",
// "command line: --lock-wait-timeout". A config file inside `relative_to` is named relative to it.
std::string describe(const SettingSource& source, const std::filesystem::path& relative_to = {});

// A value as `strata config` shows it: passwords, a URL's password, placeholder values and
// jdbcProperties values as "***" (a placeholder's name cannot tell whether it holds a secret).
std::string masked_value(std::string_view key, const std::string& value);

// Throws ConfigError "<origin>: <message>" (redacted) with the file and line of `at`.
[[noreturn]] void fail_at(const SettingSource& at, const std::string& message);

// ---- keys (src/settings/keys.cpp)

constexpr std::string_view kPlaceholderPrefix = "placeholders.";
constexpr std::string_view kJdbcPropertiesPrefix = "jdbcProperties.";

// Checks a value against its key's type and brings it to one spelling ("TRUE" -> "true", "table"
// -> "text" for outputType, lists trimmed). Throws ConfigError naming the source.
void normalize_setting(const std::string& key, Setting& setting);
// The canonical keys in the settings table's order, for listing them.
std::vector<std::string_view> known_setting_keys();
bool is_list_setting(std::string_view canonical);
std::vector<std::string> split_list(std::string_view text);
std::string join_list(const std::vector<std::string>& items);
std::optional<std::int64_t> parse_setting_int(std::string_view text, bool allow_negative);
// Seconds, or a number with unit ms, s, m or h.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// What every spelling of a key has in common ("lock-wait-timeout" -> "lockwaittimeout").
std::string folded_key(std::string_view key);

// ---- sources, one file each

// The built-in defaults, as Config's initializers hold them (src/settings/defaults.cpp).
Layer default_settings();

struct ConfigFile {
  std::string path;
  Layer top;
  std::map<std::string, Layer> environments;
  std::map<std::string, Setting> protected_flags;  // strata.yaml's environments.X.protected
  bool toml = false;  // Flyway's TOML picks environment "default" when none is chosen
};

ConfigFile read_yaml_file(const std::filesystem::path& path);

struct FileEntry {
  std::string key;                // properties: the key as written ("flyway.url"); TOML: dotted path
  std::vector<std::string> path;  // TOML: the table path and key ({"environments", "dev", "url"})
  std::string value;              // TOML arrays are joined with ','
  int line = 0;                   // 1-based line the key is on
  int column = 0;                 // TOML: 1-based column of the key
};

// Flyway's reading of a .conf file: java.util.Properties as Flyway feeds it. Lines are trimmed;
// '#' and '!' start comments; key and value are separated by '=', ':' or whitespace; a trailing
// '\' continues the value on the next line unless that line is blank or is itself a
// `flyway.key=value` line; every other backslash is literal (Flyway doubles them before
// java.util.Properties sees them, so Windows paths survive and \uXXXX is not an escape);
// ${NAME} (letters, digits, '_') is replaced by environment variable NAME or by nothing.
// Entries come in file order; of a repeated key the last counts, as in Properties. Never fails.
std::vector<FileEntry> parse_flyway_properties(std::string_view text, const std::map<std::string, std::string>& env);
// Warnings (keys of Flyway plugins strata lacks) are appended to `warnings`.
ConfigFile read_flyway_conf(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                            std::vector<std::string>& warnings);

// flyway.toml read with toml++: every key with a scalar value or an array of scalars (joined with
// ','), in file order. ${env.NAME} in strings is replaced from `env`; a string that is all
// !{...} is taken verbatim. Throws ConfigError "<file>:<line>:<col>: ..." with file, line and
// column set for invalid TOML, dates, floats, nested arrays, unknown resolvers, unset variables.
std::vector<FileEntry> parse_flyway_toml(std::string_view text, const std::string& file,
                                         const std::map<std::string, std::string>& env);
ConfigFile read_flyway_toml(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                            std::vector<std::string>& warnings);

// A Flyway file key (without "flyway.") as a canonical key; empty (with a warning) for keys of
// Flyway plugins and configFiles; throws for unknown keys and workingDirectory.
std::string flyway_file_key(const std::string& name, const SettingSource& at, std::vector<std::string>& warnings);

struct EnvironmentLayers {
  Layer strata, flyway;
  std::vector<std::string> warnings;
};
EnvironmentLayers read_environment(const std::map<std::string, std::string>& env);

// ConfigInputs::flags as a layer; throws for an unknown key or one given in two spellings.
Layer read_command_line(const std::map<std::string, std::string>& flags);

// ---- which config files (src/settings/config_files.cpp)

struct ConfigFileChoice {
  std::map<std::string, std::string> env;
  std::filesystem::path base;  // relative names are relative to it
  std::vector<std::filesystem::path> flyway_default_files;  // relative ones against base
  bool working_directory_given = false;
};
// The files, lowest first: Flyway's default files, base/strata.yaml (unless a YAML file is
// named), then those named by FLYWAY_CONFIG_FILES and by -c/-configFiles (else STRATA_CONFIG).
std::vector<ConfigFile> read_config_files(const ConfigFileChoice& choice, const Layer& flags, const Layer& strata_env,
                                          std::vector<std::string>& warnings);

// ---- merge (src/settings/merge.cpp)

struct Layers {
  Layer defaults;
  std::vector<ConfigFile> files;  // lowest first
  Layer flyway_env, strata_env, flags;
  std::filesystem::path default_file;  // named when an environment is chosen but no file exists
};

struct MergedSettings {
  Layer settings;           // every effective value, defaults included, each with its source
  std::string environment;  // the config files' environment in use, if any
  bool environment_protected = false;
};

// flags > STRATA_* > FLYWAY_* > config files (the chosen environment over the top level; later
// files over earlier ones) > defaults. Placeholder names meet case-insensitively. Throws
// ConfigError for an unknown environment.
MergedSettings merge_settings(const Layers& layers);

// Logs a warning for each setting strata accepts but does not act on yet (the one list of them),
// and a debug line for those that only concern Flyway itself.
void warn_not_acted_on(const Layer& settings);

}  // namespace strata
