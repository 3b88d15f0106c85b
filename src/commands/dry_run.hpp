#pragma once
// migrate --dry-run: what migrate would send, written out instead of run. Private to
// src/commands/.
#include "strata/reconcile.hpp"
#include "strata/run.hpp"

namespace strata {

// Whether the run asks for a dry run (dryRun, or Flyway's dryRunOutput naming a file).
bool dry_run_requested(const Config& config);

// Writes the plan of `rec` (history creation first when `create_history`, with the baseline row
// when `baseline`) to dryRunOutput or stdout, as one psql script. Takes no lock and changes
// nothing. Returns the exit code.
int write_dry_run(Run& run, const Reconciliation& rec, bool create_history, bool baseline);

}  // namespace strata
