// Command-line wiring and the one place where errors become messages and exit codes.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <set>

#include "strata/commands.hpp"
#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/flyway_args.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/report.hpp"
#include "text.hpp"

extern char** environ;

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0    done, or nothing to do\n"
    "  1    a migration or validation failed\n"
    "  2    usage, configuration or input (migration file) error\n"
    "  3    cannot connect to the database\n"
    "  4    timed out waiting for the migration lock\n"
    "  130  interrupted by SIGINT, 143 by SIGTERM\n";

struct ValueOption {
  const char* flag;  // --flag
  const char* help;
};

// Each value flag lands in the settings map under its own spelling; config decides what it means.
constexpr ValueOption kValueOptions[] = {
    {"url", "Database URL: postgresql://user@host:5432/db, jdbc:postgresql://..., or libpq key=value"},
    {"user", "Database user (overrides the URL's)"},
    {"password", "Database password (prefer PGPASSWORD, .pgpass or STRATA_PASSWORD)"},
    {"schemas", "Comma-separated schemas to manage; the first holds the history table"},
    {"default-schema", "Schema that holds the history table (default: first of --schemas)"},
    {"table", "History table name (default flyway_schema_history)"},
    {"locations", "Comma-separated migration directories, optionally filesystem:DIR (default ./migrations)"},
    {"target", "Migrate up to: latest (default), current, next, or a version"},
    {"baseline-version", "Version of the baseline row written by baseline / --baseline-on-migrate (default 1)"},
    {"baseline-description", "Description of the baseline row (default << Flyway Baseline >>)"},
    {"ignore-migration-patterns", "What validate tolerates, as type:state (default *:future), e.g. *:missing,*:ignored"},
    {"lock-wait-timeout", "How long to wait for the migration lock: 600 (seconds), 30s, 10m (default 10m)"},
    {"connect-retries", "Retries when the database cannot be reached (default 0)"},
    {"connect-retries-interval", "Longest wait between connection retries in seconds (default 120)"},
    {"installed-by", "Value for the history's installed_by (default: the database user)"},
    {"log-format", "text (default) or json: one JSON object per line"},
    {"output", "Output of info: text (default) or json (Flyway's -outputType=json)"},
    {"config", "Config file (default ./strata.yaml when present)"},
    {"environment", "Environment of the config file to use (e.g. dev, staging, prod)"},
};

constexpr ValueOption kBoolOptions[] = {
    {"out-of-order", "Also apply versions lower than the current one"},
    {"validate-on-migrate", "Validate before migrating (default true; --validate-on-migrate=false to skip)"},
    {"baseline-on-migrate", "Migrate baselines a non-empty schema that has no history table"},
    {"clean-disabled", "Refuse clean (default true; --clean-disabled=false allows it)"},
    {"placeholder-replacement", "Replace ${name} placeholders (default true)"},
    {"quiet", "Only warnings and errors"},
    {"verbose", "Also debug messages"},
};

struct Command {
  const char* name;
  const char* help;
  int (*run)(const strata::Config&);
};

constexpr Command kCommands[] = {
    {"migrate", "Validate, then apply pending migrations", strata::run_migrate},
    {"info", "Show every migration and its state", strata::run_info},
    {"validate", "Check the history against the files; each problem with the command that fixes it", strata::run_validate},
    {"repair", "Remove failed rows, realign checksums/descriptions, mark removed files deleted", strata::run_repair},
    {"baseline", "Start the history of an existing database at --baseline-version", strata::run_baseline},
    {"clean", "Drop everything in the managed schemas (needs --clean-disabled=false)", strata::run_clean},
    {"config", "Show each effective setting and where it comes from, secrets masked", strata::run_config},
};

void print_error(const strata::Error& e, bool json_output) {
  using strata::log::redact;
  // Compiler-style "file:line:column: message", unless the message already names the file.
  std::string message = e.what();
  if (!e.file.empty() && message.find(e.file) == std::string::npos) {
    std::string where = e.file;
    if (e.line > 0) where += ":" + std::to_string(e.line);
    if (e.line > 0 && e.column > 0) where += ":" + std::to_string(e.column);
    message = where + ": " + message;
  }
  if (!e.sqlstate.empty()) message += " (SQLSTATE " + e.sqlstate + ")";
  if (strata::log::format() == strata::log::Format::Json) {
    // One JSON object per line: the error line below carries all of Flyway's error document.
    strata::log::error(message, {{"error_kind", strata::kind_name(e.kind())},
                                 {"file", e.file},
                                 {"line", e.line},
                                 {"column", e.column},
                                 {"sqlstate", e.sqlstate},
                                 {"detail", e.detail},
                                 {"hint", e.hint},
                                 {"context", e.context},
                                 {"exit_code", strata::exit_code(e)}});
    return;
  }
  if (json_output) std::cout << redact(strata::error_json(e)) << std::endl;
  strata::log::error(message);
  // The error is the line above; DETAIL and HINT follow it the way psql shows them.
  if (!e.detail.empty()) std::cerr << redact("  DETAIL: " + e.detail) << '\n';
  if (!e.hint.empty()) std::cerr << redact("  HINT: " + e.hint) << '\n';
  if (!e.context.empty()) std::cerr << redact("  CONTEXT: " + e.context) << '\n';
  std::cerr.flush();
}

// A value as one shell word: quoted unless it is plainly safe.
std::string shell_word(const std::string& value) {
  const bool plain = !value.empty() && value.find_first_not_of(
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-") ==
                                           std::string::npos;
  if (plain) return value;
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// What a suggested command ("to fix: run `strata repair ...`") must repeat from this command line
// to act on the same database, files and history: without it, a pasted fix would read the
// default config files and ./migrations, possibly another database. As the user wrote each
// setting, except secrets: never a password (a URL keeps its shape, the password as ***) nor a
// placeholder value. The environment is added by the commands themselves.
std::string repeated_args(const std::map<std::string, std::string>& flags, const std::set<std::string>& switches) {
  static const std::set<std::string> kRepeated{
      "configFiles", "workingDirectory", "url", "user", "schemas", "defaultSchema", "table", "locations",
      "sqlMigrationPrefix", "repeatableSqlMigrationPrefix", "sqlMigrationSeparator", "sqlMigrationSuffixes",
      "placeholderReplacement", "placeholderPrefix", "placeholderSuffix", "ignoreMigrationPatterns",
      "target", "createSchemas", "skipDefaultCallbacks"};
  std::string out;
  for (const auto& [flag, value] : flags) {
    const std::string key = strata::canonical_key(flag);
    if (!kRepeated.count(key)) continue;
    const std::string shown = key == "url" ? strata::redact_url(value) : value;
    if (flag.starts_with('-')) {
      out += " " + shell_word(flag + "=" + shown);  // Flyway's -key=value, as given
    } else if (flag == "config") {
      out += " -c " + shell_word(shown);
    } else if (switches.count(flag)) {
      out += " --" + flag + "=" + shown;
    } else {
      out += " --" + flag + " " + shell_word(shown);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  strata::install_interrupt_handlers();

  CLI::App app{"strata: a fast, Flyway-compatible PostgreSQL migration runner", "strata"};
  app.set_version_flag("--version", std::string("strata ") + strata::strata_version());
  app.footer(std::string(strata::flyway_forms_help()) + "\n" + kExitCodes);
  app.require_subcommand(1);
  app.fallthrough();

  std::map<std::string, std::string> values;
  std::map<std::string, CLI::Option*> given;
  for (const auto& o : kValueOptions) {
    std::string name = std::string("--") + o.flag;
    if (std::string_view(o.flag) == "config") name = "-c,--config";
    if (std::string_view(o.flag) == "environment") name = "-e,--environment";
    given[o.flag] = app.add_option(name, values[o.flag], o.help);
  }
  std::map<std::string, bool> switches;  // --flag, or --flag=false
  for (const auto& o : kBoolOptions) {
    std::string name = std::string("--") + o.flag;
    if (std::string_view(o.flag) == "quiet") name = "-q,--quiet";
    if (std::string_view(o.flag) == "verbose") name = "-v,--verbose";
    given[o.flag] = app.add_flag(name, switches[o.flag], o.help);
  }
  for (const auto& c : kCommands) app.add_subcommand(c.name, c.help);

  // Flyway's -key=value forms, and Flyway settings that have no flag of their own, are taken out
  // before CLI11 sees the command line.
  std::set<std::string> declared;
  for (const CLI::App* a : app.get_subcommands([](CLI::App*) { return true; }))
    for (const CLI::Option* o : a->get_options())
      for (const auto& n : o->get_lnames()) declared.insert(n);
  for (const CLI::Option* o : app.get_options())
    for (const auto& n : o->get_lnames()) declared.insert(n);
  strata::SplitArgs split;
  try {
    split = strata::split_flyway_args({argv, argv + argc}, declared);
  } catch (const strata::Error& e) {
    print_error(e, false);
    return strata::exit_code(e);
  }
  std::vector<char*> args;
  for (auto& a : split.rest) args.push_back(a.data());

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    if (dynamic_cast<const CLI::RequiredError*>(&e) && app.remaining_size() > 0) {
      std::cerr << "ERROR: unknown command '" << app.remaining().front()
                << "'; commands: migrate, info, validate, repair, baseline, clean, config\n";
      return 2;
    }
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  strata::ConfigInputs inputs;
  for (const auto& [flag, option] : given) {
    if (option->count() == 0) continue;
    auto sw = switches.find(flag);
    inputs.flags[flag] = sw == switches.end() ? values[flag] : (sw->second ? "true" : "false");
  }
  inputs.env = strata::environment_map(environ);
  inputs.flags.insert(split.settings.begin(), split.settings.end());
  inputs.flyway_default_files = strata::default_flyway_config_files(inputs.env);
  std::error_code ec;
  inputs.working_directory = std::filesystem::current_path(ec);

  const std::string command = app.get_subcommands().front()->get_name();
  // -outputType=json makes the answer a JSON document, errors included, for the commands whose
  // result strata writes as JSON. Until the configuration is loaded only the arguments tell.
  const bool json_command = command == "info" || command == "validate" || command == "config";
  bool json_output = false;
  for (const auto& [flag, value] : inputs.flags) {
    if (strata::canonical_key(flag) == "outputType") json_output = json_command && strata::lower(strata::trim(value)) == "json";
  }
  strata::log::reserve_stdout(json_output);
  try {
    strata::Config config = strata::load_config(inputs);
    std::set<std::string> switch_names;
    for (const auto& [name, on] : switches) switch_names.insert(name);
    config.command_args = repeated_args(inputs.flags, switch_names);
    strata::log::configure(config.log_format, config.verbosity);
    json_output = config.output == strata::OutputFormat::Json && json_command;
    strata::log::reserve_stdout(json_output);
    for (const auto& c : kCommands)
      if (command == c.name) return c.run(config);
    return 2;
  } catch (const strata::Error& e) {
    print_error(e, json_output);
    return strata::exit_code(e);
  } catch (const std::exception& e) {
    strata::InternalError internal(std::string("internal error: ") + e.what());
    print_error(internal, json_output);
    return 1;
  }
}
