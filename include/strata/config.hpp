#pragma once
// config: command-line flags > STRATA_* env > FLYWAY_* env > config files (chosen environment,
// then their top level) > defaults, merged once by settings.hpp's merge_settings. The config files are strata.yaml and Flyway's flyway.conf /
// flyway.toml, lowest first: Flyway's default files, ./strata.yaml, then FLYWAY_CONFIG_FILES, then
// -c/-configFiles (else STRATA_CONFIG). Touches no disk beyond those files, never the database.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/connection.hpp"  // callers reach make_connection_settings and redact_url here
#include "strata/db.hpp"
#include "strata/log.hpp"
#include "strata/naming.hpp"
#include "strata/settings.hpp"

namespace strata {

enum class OutputFormat { Text, Json };
struct ResolvedScripts;

struct Config {
  ConnectionSettings connection;
  std::vector<std::string> schemas;  // empty: only the connection's current_schema()
  std::string default_schema;        // empty: first of schemas, else current_schema()
  std::string table = "flyway_schema_history";
  std::vector<std::string> locations{"migrations"};
  std::string target = "latest";
  bool out_of_order = false;
  // Every migration transaction but the run's last commits without waiting for its WAL flush.
  bool fast_commit = false;
  std::chrono::milliseconds lock_wait_timeout{std::chrono::minutes(10)};
  // How often a wait for the migration lock or for a lock a statement needs is reported.
  std::chrono::milliseconds wait_report_interval{std::chrono::seconds(5)};
  std::string installed_by;  // empty: the database user
  log::Format log_format = log::Format::Text;
  log::Verbosity verbosity = log::Verbosity::Normal;
  OutputFormat output = OutputFormat::Text;
  std::string environment;         // the config files' environment in use, if any
  bool environment_protected = false;
  bool validate_on_migrate = true;
  // Flyway's ignoreMigrationPatterns: "type:state" with type *|versioned|repeatable and state
  // *|missing|pending|ignored|future; checked when validate parses them.
  std::vector<std::string> ignore_migration_patterns{"*:future"};
  bool baseline_on_migrate = false;
  std::string baseline_version = "1";
  std::string baseline_description = "<< Flyway Baseline >>";
  bool clean_disabled = true;
  bool create_schemas = true;
  NamingRules naming;
  bool placeholder_replacement = true;
  std::string placeholder_prefix = "${";
  std::string placeholder_suffix = "}";
  std::map<std::string, std::string> placeholders;  // user-defined, names lower-cased
  bool skip_default_callbacks = false;               // ignore the SQL callbacks in the locations
  // What suggested commands repeat after their verb so that they act where this one did, e.g.
  // " -configFiles=conf/prod.conf --locations db" (main fills it from the command line).
  std::string command_args;
  // Every merged setting by canonical key (Flyway's property name, e.g. "lockWaitTimeout"), for
  // features that read settings not modelled above.
  // Defaults included, so that every key in `sources` has its value here.
  std::map<std::string, std::string> settings;
  // Where each of `settings` came from, for `strata config` and messages.
  std::map<std::string, SettingSource> sources;
  // Set by a fleet: the files, read once for all of its targets, which open_run then copies
  // instead of reading the locations again (strata/run.hpp's read_scripts).
  std::shared_ptr<const ResolvedScripts> shared_scripts;
};

struct ConfigInputs {
  // From the command line. Keys in any of the spellings users write: "lock-wait-timeout",
  // "lockWaitTimeout", "placeholders.name", and with split_flyway_args' dashes "-url". "config"
  // (-c, a strata.yaml) or "-configFiles" (Flyway's list) and "environment" (-e) pick the files
  // and the environment.
  std::map<std::string, std::string> flags;
  std::map<std::string, std::string> env;  // the process environment
  std::filesystem::path working_directory = ".";
  // Flyway's config files read when they exist, lowest first (relative ones against
  // working_directory); .toml and .conf are never mixed: .toml ones win when any exists, unless
  // files named on the command line or in FLYWAY_CONFIG_FILES decide. Empty: none, so that tests
  // never read a file from the machine they run on; main passes default_flyway_config_files().
  std::vector<std::filesystem::path> flyway_default_files;
};

// Throws ConfigError naming the source (flag, variable, file:line) of a bad or unknown value.
// Registers the password with log::add_secret.
Config load_config(const ConfigInputs& inputs);

// The canonical key for any accepted spelling ("lock-wait-timeout", "LOCK_WAIT_TIMEOUT",
// "lockWaitTimeout" -> "lockWaitTimeout"); empty when the key is unknown.
std::string canonical_key(std::string_view key);

// Whether a setting (canonical key) is true/false, so that a bare --key can mean --key=true.
bool is_boolean_setting(std::string_view canonical);

// Where Flyway looks for config files by default, as strata reads them: /flyway/conf (its Docker
// image's installation), $HOME, then the working directory; flyway.toml, flyway.user.toml and
// flyway.conf in each.
std::vector<std::filesystem::path> default_flyway_config_files(const std::map<std::string, std::string>& env);

std::map<std::string, std::string> environment_map(char** envp);

}  // namespace strata
