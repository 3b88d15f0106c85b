#pragma once
// The fleet's runner: a pool of threads that each take the next target, give it a config of its
// own (its connection; everything else shared, files included) and record what happened.
#include <cstddef>
#include <functional>
#include <vector>

#include "strata/config.hpp"
#include "strata/fleet.hpp"

namespace strata {

struct FleetRunOptions {
  std::size_t parallel = 1;
  bool fail_fast = false;  // once a target fails, the targets not started yet are skipped
};

// Does one target's work in `config` (the target's own), filling in what it learns (versions,
// pending count); returns the command's exit code. A thrown strata::Error marks the target failed
// with the error's exit code; it is logged with the target's name and never stops the others.
using TargetWork = std::function<int(const Config& config, TargetResult& result)>;

// Runs `work` on every target, at most `parallel` at once, and returns their results in the
// targets' order. After a signal no further target starts.
std::vector<TargetResult> run_targets(const Config& base, const std::vector<FleetTarget>& targets,
                                      const FleetRunOptions& options, const TargetWork& work);

// The config one target runs with: the fleet's, with the target's connection, text output (the
// fleet answers for all), and suggested commands that name the target.
Config target_config(const Config& base, const FleetTarget& target);

}  // namespace strata
