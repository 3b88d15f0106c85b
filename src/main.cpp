// Command-line wiring: CLI11 parses, one table maps the command name to its function, and errors
// become messages and exit codes here.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "cli.hpp"
#include "libpq.hpp"
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
  // One of the two: a command that needs only the settings, or one with arguments of its own.
  int (*run)(const strata::Config&) = nullptr;
  int (*run_with_args)(const strata::Config&, const strata::CommandArgs&) = nullptr;
  // -outputType=json (and --log-format json) makes its answer a JSON document, errors included.
  bool json_result = false;
  // false: it runs without reading any config file (init, which writes one; completion; man).
  bool reads_settings = true;
  bool hidden = false;  // for tools (completion scripts, packaging), not listed in --help
};

constexpr Command kCommands[] = {
    {"migrate", "Validate, then apply pending migrations", strata::run_migrate, nullptr, true},
    {"info", "Show every migration and its state", strata::run_info, nullptr, true},
    {"validate", "Check the history against the files; each problem with the command that fixes it", strata::run_validate, nullptr, true},
    {"repair", "Remove failed rows, realign checksums/descriptions, mark removed files deleted", strata::run_repair, nullptr, true},
    {"baseline", "Start the history of an existing database at --baseline-version", strata::run_baseline, nullptr, true},
    {"clean", "Drop everything in the managed schemas (needs --clean-disabled=false)", strata::run_clean, nullptr, true},
    {"config", "Show each effective setting and where it comes from, secrets masked", strata::run_config, nullptr, true},
    {"status", "One line: current version, pending count, failed or not (--exit-code for scripts)", nullptr, strata::run_status, true},
    {"lint", "Check migrations for statements that lock or rewrite a live table (--pending: only pending)", nullptr, strata::run_lint, true},
    {"new", "Create the next migration file in the first location and print its path", nullptr, strata::run_new},
    {"init", "Write a commented strata.yaml and migrations/ here; never overwrites", nullptr, strata::run_init, false, false},
    {"completion", "Print a completion script: strata completion bash|zsh", nullptr, strata::run_completion, false, false, true},
    {"man", "Print the man page strata(1)", nullptr, strata::run_man, false, false, true},
};

// The command line as CLI11 declares and parses it, values by settings key.
struct CommandLine {
  CLI::App app{"strata: a fast, Flyway-compatible PostgreSQL migration runner", "strata"};
  std::map<std::string, std::string> values;
  std::map<std::string, bool> switches;  // --flag, or --flag=false
  std::map<std::string, CLI::Option*> given;
  std::map<std::string, bool> command_switches;           // by "command --name"
  std::map<std::string, std::string> command_words;      // by "command NAME"
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
  for (const auto& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    if (c.hidden) sub->group("");
    for (const auto& o : strata::cli::command_options()) {
      if (std::string_view(o.command) != c.name) continue;
      const std::string id = std::string(c.name) + " " + o.names;
      if (o.positional) {
        sub->add_option(o.names, line.command_words[id], o.help)->required();
      } else {
        sub->add_flag(o.names, line.command_switches[id], o.help);
      }
    }
  }
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
      const char* separator = " ";
      for (const auto& c : kCommands) {
        if (c.hidden) continue;
        message += std::string(separator) + c.name;
        separator = ", ";
      }
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

strata::CommandArgs command_args(const Command& command, const CommandLine& line, const strata::ConfigInputs& inputs) {
  strata::CommandArgs args;
  for (const auto& o : strata::cli::command_options()) {
    if (std::string_view(o.command) != command.name) continue;
    const std::string id = std::string(command.name) + " " + o.names;
    if (o.positional) args.words.push_back(line.command_words.at(id));
    else if (line.command_switches.at(id)) args.switches.insert(o.names);
  }
  args.working_directory = inputs.working_directory;
  if (auto c = inputs.flags.find("config"); c != inputs.flags.end()) args.config_file = c->second;
  for (const Command& c : kCommands) args.commands.push_back({c.name, c.help, c.hidden});
  return args;
}

int run(const Command& command, const CommandLine& line, bool& json_output) {
  const strata::ConfigInputs inputs = config_inputs(line);
  if (!command.reads_settings) {
    static const strata::Config kDefaults;
    return command.run_with_args(kDefaults, command_args(command, line, inputs));
  }
  json_output = command.json_result && asks_for_json(inputs);
  strata::log::reserve_stdout(json_output);
  strata::log::configure(strata::cli::log_format_asked(inputs.flags, inputs.env), strata::log::Verbosity::Normal);
  strata::Config config = strata::load_config(inputs);
  std::set<std::string> switch_names;
  for (const auto& [key, on] : line.switches) switch_names.insert(key);
  config.command_args = strata::cli::repeated_args(inputs.flags, switch_names);
  strata::log::configure(config.log_format, config.verbosity);
  json_output = command.json_result && config.output == strata::OutputFormat::Json;
  strata::log::reserve_stdout(json_output);
  if (command.run_with_args) return command.run_with_args(config, command_args(command, line, inputs));
  // `config` shows the settings as they are; every other command runs on each target of a fleet.
  if (strata::is_fleet(config) && command.run != strata::run_config) return strata::run_fleet(command.name, config);
  return command.run(config);
}

}  // namespace

int main(int argc, char** argv) {
  // `strata --version` is what scripts and health checks call most: answer it before building
  // the whole command line (CLI11's parser, its option tables) just to print one line.
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::fputs((std::string("strata ") + strata::strata_version() + "\n").c_str(), stdout);
    return 0;
  }
  strata::skip_gnutls_implicit_init();
  strata::install_interrupt_handlers();
  bool json_output = false;
  // Until the command line is parsed only the environment tells whether errors go out as JSON.
  strata::log::configure(strata::cli::log_format_asked({}, strata::environment_map(environ)), strata::log::Verbosity::Normal);
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
