#pragma once
// Commands split at their Run, for callers that need the connection around the command: a fleet
// reads each target's versions before and after migrate on the same connection.
#include "strata/run.hpp"

namespace strata {

// The Run migrate works with (the callbacks it can fire kept), and migrate on it: run_migrate is
// migrate(open_migrate_run(config), watch). `watch` started when the command did: the execution
// time reported includes reading the files and connecting.
Run open_migrate_run(const Config& config);
int migrate(Run& run, const Stopwatch& watch);

// migrate's pre-flight lint of what will run (setting lint: off, warn (default: each finding
// logged as a warning) or error: any finding is an InputError, before anything is written).
void lint_before_migrate(const Run& run, const std::vector<const ResolvedMigration*>& plan);

}  // namespace strata
