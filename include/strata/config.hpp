#pragma once
// config: command-line flags > STRATA_* env > FLYWAY_* env > strata.yaml (chosen environment,
// then its top level) > defaults. Touches no disk beyond the config file, never the database.
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "strata/connection.hpp"  // callers reach make_connection_settings and redact_url here
#include "strata/db.hpp"
#include "strata/log.hpp"

namespace strata {

enum class OutputFormat { Text, Json };

struct Config {
  ConnectionSettings connection;
  std::vector<std::string> schemas;  // empty: only the connection's current_schema()
  std::string default_schema;        // empty: first of schemas, else current_schema()
  std::string table = "flyway_schema_history";
  std::vector<std::string> locations{"migrations"};
  std::string target = "latest";
  bool out_of_order = false;
  std::chrono::milliseconds lock_wait_timeout{std::chrono::minutes(10)};
  std::string installed_by;  // empty: the database user
  log::Format log_format = log::Format::Text;
  log::Verbosity verbosity = log::Verbosity::Normal;
  OutputFormat output = OutputFormat::Text;
  std::string environment;         // the strata.yaml environment in use, if any
  bool environment_protected = false;
  bool validate_on_migrate = true;
  std::map<std::string, std::string> placeholders;
  // Every merged setting by canonical key (Flyway's property name, e.g. "lockWaitTimeout"), for
  // features that read settings not modelled above.
  std::map<std::string, std::string> settings;
};

struct ConfigInputs {
  // From the command line. Keys in any of the spellings users write: "lock-wait-timeout",
  // "lockWaitTimeout", "placeholders.name". "config" (-c) and "environment" (-e) pick the file
  // and the environment.
  std::map<std::string, std::string> flags;
  std::map<std::string, std::string> env;  // the process environment
  std::filesystem::path working_directory = ".";
};

// Throws ConfigError naming the source (flag, variable, file:line) of a bad or unknown value.
// Registers the password with log::add_secret.
Config load_config(const ConfigInputs& inputs);

// The canonical key for any accepted spelling ("lock-wait-timeout", "LOCK_WAIT_TIMEOUT",
// "lockWaitTimeout" -> "lockWaitTimeout"); empty when the key is unknown.
std::string canonical_key(std::string_view key);

std::map<std::string, std::string> environment_map(char** envp);

}  // namespace strata
