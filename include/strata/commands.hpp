#pragma once
// The commands, one file each under src/commands/: each opens a Run (strata/run.hpp), does its
// work, and closes it. main.cpp maps a command name to one of these through its table.
#include "strata/config.hpp"

namespace strata {

// Each returns the exit code for a run that went as planned, and throws strata::Error otherwise.
int run_migrate(const Config& config);
int run_info(const Config& config);
int run_validate(const Config& config);
int run_repair(const Config& config);
int run_baseline(const Config& config);
int run_clean(const Config& config);

}  // namespace strata
