#pragma once
// The command line's pieces that need no parser: its option tables, what a suggested command
// repeats from it, and how an error is shown. main.cpp wires them into CLI11.
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "strata/commands.hpp"
#include "strata/error.hpp"
#include "strata/log.hpp"

namespace strata::cli {

struct Option {
  const char* key;    // the settings key it lands under, e.g. "lock-wait-timeout"
  const char* names;  // as CLI11 declares it, e.g. "-c,--config"
  const char* help;
  // What completion offers for its value: words ("text json"), or @files, @dirs, @environments.
  const char* values = "";
};

// Options that take a value; each lands in the settings map under its key, and config decides
// what it means.
std::span<const Option> value_options();
// Switches: --flag, or --flag=false.
std::span<const Option> switch_options();

// A command's own switches (e.g. new --timestamp) and positional words (new DESCRIPTION): they
// belong to one command, are no setting, and reach it as CommandArgs.
struct CommandOption {
  const char* command;  // the command it belongs to
  const char* names;    // "--timestamp", or for a positional word its name, "DESCRIPTION"
  const char* help;
  bool positional = false;
  const char* choices = "";  // space-separated values a positional takes, for completion
};
std::span<const CommandOption> command_options();

extern const char* const kExitCodesHelp;

// Generated from the tables above and main's command table, so that they say what --help says.
std::string bash_completion(std::span<const CommandDoc> commands);
std::string zsh_completion(std::span<const CommandDoc> commands);
std::string man_page(std::span<const CommandDoc> commands);
// The environment names a strata.yaml defines (its `environments` map), in file order.
std::vector<std::string> config_environments(const std::filesystem::path& file);

// What a suggested command ("to fix: run `strata repair ...`") must repeat from this command line
// to act on the same database, files and history. `flags` as ConfigInputs holds them, `switches`
// the keys of switch_options().
std::string repeated_args(const std::map<std::string, std::string>& flags, const std::set<std::string>& switches);

// The log format the command line or the environment (STRATA_/FLYWAY_LOG_FORMAT) asks for, read
// before the configuration is loaded so that its own errors already come out in that format.
log::Format log_format_asked(const std::map<std::string, std::string>& flags,
                             const std::map<std::string, std::string>& env);

// Writes the error as one line (file:line:column: message (SQLSTATE)), then its DETAIL, HINT and
// CONTEXT; with `json_output`, Flyway's error document on stdout first. Under --log-format json
// the error is one JSON line, followed by the error document on one line: the last of stdout.
void print_error(const Error& e, bool json_output);

}  // namespace strata::cli
