#pragma once
// The commands, one file each under src/commands/: each opens a Run (strata/run.hpp), does its
// work, and closes it. main.cpp maps a command name to one of these through its table.
#include <ostream>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "strata/config.hpp"

namespace strata {

// Each returns the exit code for a run that went as planned, and throws strata::Error otherwise.
int run_migrate(const Config& config);
int run_info(const Config& config);
int run_validate(const Config& config);
int run_repair(const Config& config);
int run_baseline(const Config& config);
int run_clean(const Config& config);
// Prints every effective setting and its source (print_settings), text or --output json; never
// connects.
int run_config(const Config& config);
void print_settings(std::ostream& out, const Config& config);

// What completion and the man page say of a command; main fills it from its table.
struct CommandDoc {
  const char* name;
  const char* help;
  bool hidden = false;  // left out of --help, completion and the man page's list
};

// What a command takes beyond the settings: its own switches and positional words.
struct CommandArgs {
  std::vector<std::string> words;   // positional, e.g. new's DESCRIPTION
  std::set<std::string> switches;   // its own switches that were given, e.g. "--timestamp"
  std::filesystem::path working_directory = ".";
  std::string config_file;            // -c as given, empty when not
  std::vector<CommandDoc> commands;   // main's command table, for completion and man
};

// Writes a commented strata.yaml and migrations/ in the working directory; reads no settings.
int run_init(const Config& config, const CommandArgs& args);
// Creates the next migration file in the first location and prints its path.
int run_new(const Config& config, const CommandArgs& args);
// One line (or a JSON document) on where the database stands; with --exit-code, the answer as
// the exit code (kStatus* below).
int run_status(const Config& config, const CommandArgs& args);

// Lints every migration (--pending: those the database has not run) and prints the findings;
// exit 1 when one reaches --fail-on (lintFailOn: warning or error, default error).
int run_lint(const Config& config, const CommandArgs& args);

// Prints the bash or zsh completion script, or (`environments`) the environment names of the
// config file, as the completion scripts ask at completion time.
int run_completion(const Config& config, const CommandArgs& args);
// Prints the man page strata(1) as roff.
int run_man(const Config& config, const CommandArgs& args);

constexpr int kStatusUpToDate = 0;
constexpr int kStatusPending = 1;
constexpr int kStatusFailedOrUnknown = 5;

}  // namespace strata
