#pragma once
// Commands split at their Run, for callers that need the connection around the command: a fleet
// reads each target's versions before and after migrate on the same connection.
#include <future>
#include <vector>

#include "strata/lint.hpp"
#include "strata/run.hpp"

namespace strata {

// The Run migrate works with (the callbacks it can fire kept), and migrate on it: run_migrate is
// migrate(open_migrate_run(config), watch). `watch` started when the command did: the execution
// time reported includes reading the files and connecting.
Run open_migrate_run(const Config& config);
int migrate(Run& run, const Stopwatch& watch);

// migrate's pre-flight lint of what will run (setting lint: off, warn (default: each finding
// logged as a warning) or error: any finding is an InputError, before anything is written).
// The lint parses every statement again, so it runs on a thread of its own while the caller
// splits the same files: lint_before_migrate starts it (nothing when lint is off; it keeps its
// own copy of `plan`, whose migrations must outlive it), report_lint_before_migrate waits for it,
// logs its findings and throws as above.
using PendingLint = std::future<std::vector<LintFinding>>;
PendingLint lint_before_migrate(const Run& run, std::vector<const ResolvedMigration*> plan);
void report_lint_before_migrate(const Run& run, PendingLint pending);

}  // namespace strata
