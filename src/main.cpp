// Command-line wiring: CLI11 parses, one table maps the command name to its function, and errors
// become messages and exit codes here.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "cli.hpp"
#include "strata/commands.hpp"
#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/fleet.hpp"
#include "strata/flyway_args.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/report.hpp"
#include "text.hpp"

extern char** environ;

namespace {

struct Command {
  const char* name;
  const char* help;
  int (*run)(const strata::Config&);
  // -outputType=json makes its answer a JSON document, errors included.
  bool json_result;
};

constexpr Command kCommands[] = {
    {"migrate", "Validate, then apply pending migrations", strata::run_migrate, false},
    {"info", "Show every migration and its state", strata::run_info, true},
    {"validate", "Check the history against the files; each problem with the command that fixes it", strata::run_validate, true},
    {"repair", "Remove failed rows, realign checksums/descriptions, mark removed files deleted", strata::run_repair, false},
    {"baseline", "Start the history of an existing database at --baseline-version", strata::run_baseline, false},
    {"clean", "Drop everything in the managed schemas (needs --clean-disabled=false)", strata::run_clean, false},
    {"config", "Show each effective setting and where it comes from, secrets masked", strata::run_config, true},
};

// The command line as CLI11 declares and parses it, values by settings key.
struct CommandLine {
  CLI::App app{"strata: a fast, Flyway-compatible PostgreSQL migration runner", "strata"};
  std::map<std::string, std::string> values;
  std::map<std::string, bool> switches;  // --flag, or --flag=false
  std::map<std::string, CLI::Option*> given;
  strata::SplitArgs split;  // Flyway's -key=value forms, taken out before CLI11 parses the rest
};

void declare(CommandLine& line) {
  CLI::App& app = line.app;
  app.set_version_flag("--version", std::string("strata ") + strata::strata_version());
  app.footer(std::string(strata::flyway_forms_help()) + "\n" + strata::cli::kExitCodesHelp);
  app.require_subcommand(1);
  app.fallthrough();
  for (const auto& o : strata::cli::value_options()) line.given[o.key] = app.add_option(o.names, line.values[o.key], o.help);
  for (const auto& o : strata::cli::switch_options()) line.given[o.key] = app.add_flag(o.names, line.switches[o.key], o.help);
  for (const auto& c : kCommands) app.add_subcommand(c.name, c.help);
}

// Every long option CLI11 knows, so that split_flyway_args leaves them to it.
std::set<std::string> declared_names(const CLI::App& app) {
  std::set<std::string> declared;
  for (const CLI::Option* o : app.get_options())
    for (const auto& n : o->get_lnames()) declared.insert(n);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    for (const CLI::Option* o : sub->get_options())
      for (const auto& n : o->get_lnames()) declared.insert(n);
  return declared;
}

// Parses argv; returns the exit code when the run ends here (help, version, a usage error).
std::optional<int> parse(CommandLine& line, int argc, char** argv) {
  line.split = strata::split_flyway_args({argv, argv + argc}, declared_names(line.app));
  std::vector<char*> args;
  for (auto& a : line.split.rest) args.push_back(a.data());
  try {
    line.app.parse(static_cast<int>(args.size()), args.data());
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return line.app.exit(e);  // --help, --version
    if (dynamic_cast<const CLI::RequiredError*>(&e) && line.app.remaining_size() > 0) {
      std::string message = "unknown command '" + line.app.remaining().front() + "'; commands:";
      for (const auto& c : kCommands) message += std::string(&c == kCommands ? " " : ", ") + c.name;
      throw strata::UsageError(message);
    }
    strata::UsageError usage(e.what());
    usage.hint = "strata --help lists the commands and options";
    throw usage;
  }
}

strata::ConfigInputs config_inputs(const CommandLine& line) {
  strata::ConfigInputs inputs;
  for (const auto& [key, option] : line.given) {
    if (option->count() == 0) continue;
    auto sw = line.switches.find(key);
    inputs.flags[key] = sw == line.switches.end() ? line.values.at(key) : (sw->second ? "true" : "false");
  }
  inputs.env = strata::environment_map(environ);
  inputs.flags.insert(line.split.settings.begin(), line.split.settings.end());
  inputs.flyway_default_files = strata::default_flyway_config_files(inputs.env);
  std::error_code ec;
  inputs.working_directory = std::filesystem::current_path(ec);
  return inputs;
}

// Until the configuration is loaded only the arguments tell whether errors go out as JSON.
bool asks_for_json(const strata::ConfigInputs& inputs) {
  bool json = false;
  for (const auto& [flag, value] : inputs.flags) {
    if (strata::canonical_key(flag) == "outputType") json = strata::lower(strata::trim(value)) == "json";
  }
  return json;
}

int run(const Command& command, const CommandLine& line, bool& json_output) {
  const strata::ConfigInputs inputs = config_inputs(line);
  json_output = command.json_result && asks_for_json(inputs);
  strata::log::reserve_stdout(json_output);
  strata::Config config = strata::load_config(inputs);
  std::set<std::string> switch_names;
  for (const auto& [key, on] : line.switches) switch_names.insert(key);
  config.command_args = strata::cli::repeated_args(inputs.flags, switch_names);
  strata::log::configure(config.log_format, config.verbosity);
  json_output = command.json_result && config.output == strata::OutputFormat::Json;
  strata::log::reserve_stdout(json_output);
  // `config` shows the settings as they are; every other command runs on each target of a fleet.
  if (strata::is_fleet(config) && command.run != strata::run_config) return strata::run_fleet(command.name, config);
  return command.run(config);
}

}  // namespace

int main(int argc, char** argv) {
  strata::install_interrupt_handlers();
  bool json_output = false;
  try {
    CommandLine line;
    declare(line);
    if (std::optional<int> done = parse(line, argc, argv)) return *done;
    const std::string name = line.app.get_subcommands().front()->get_name();
    for (const Command& command : kCommands)
      if (name == command.name) return run(command, line, json_output);
    throw strata::InternalError("no function for command " + name);
  } catch (const strata::Error& e) {
    strata::cli::print_error(e, json_output);
    return strata::exit_code(e);
  } catch (const std::exception& e) {
    strata::cli::print_error(strata::InternalError(std::string("internal error: ") + e.what()), json_output);
    return 1;
  }
}
