#pragma once
// The commands, one file each under src/commands/: each opens a Run (strata/run.hpp), does its
// work, and closes it. main.cpp maps a command name to one of these through its table.
#include <ostream>

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

}  // namespace strata
