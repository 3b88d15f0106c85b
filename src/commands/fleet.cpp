// A command over a fleet: picks the targets, reads the files once, runs the command on each target
// (migrate, validate and repair in parallel; info's tables one after another) and answers with
// one summary and one exit code.
#include <iostream>

#include "strata/commands.hpp"
#include "strata/commands_run.hpp"
#include "strata/error.hpp"
#include "strata/fleet.hpp"
#include "strata/fleet_runner.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

constexpr std::size_t kDefaultParallelCap = 8;
constexpr std::size_t kMaxParallel = 64;

std::string setting(const Config& config, const std::string& key) {
  auto it = config.settings.find(key);
  return it == config.settings.end() ? std::string() : it->second;
}

bool switch_on(const Config& config, const std::string& key) { return setting(config, key) == "true"; }

std::size_t parallelism(const Config& config, std::size_t targets) {
  const std::string given = setting(config, "parallel");
  if (given.empty()) return std::min(targets, kDefaultParallelCap);
  const std::optional<std::int64_t> n = parse_setting_int(given, false);
  if (!n || *n < 1 || static_cast<std::size_t>(*n) > kMaxParallel) {
    throw UsageError("invalid --parallel '" + given + "': expected 1 to " + std::to_string(kMaxParallel));
  }
  return static_cast<std::size_t>(*n);
}

// A filter that matches nothing is a mistake; a shard that holds no target is not (a small fleet
// split over many tasks), so that task succeeds with nothing to do.
std::vector<FleetTarget> selected_targets(const Config& config) {
  const std::string glob = setting(config, "targetFilter");
  std::vector<FleetTarget> targets = filter_targets(fleet_targets(config), glob);
  if (targets.empty()) throw UsageError("no target matches --target-filter '" + glob + "'");
  if (const std::string shard = setting(config, "shard"); !shard.empty()) {
    const std::size_t before = targets.size();
    targets = shard_targets(std::move(targets), parse_shard(shard));
    log::info("Shard " + shard + " holds " + std::to_string(targets.size()) + " of " + std::to_string(before) + " targets");
  }
  return targets;
}

// The current version ("" for none) and the pending count, as info reads them.
std::pair<std::string, std::size_t> read_state(Run& run) {
  std::vector<AppliedMigration> applied;
  if (run.history->exists()) applied = load_history(*run.history);
  Reconciliation rec = reconcile(run.migrations(), applied, reconcile_options(run.config));
  return {rec.current ? rec.current->text() : std::string(), rec.pending.size()};
}

// migrate, with the versions before and after read on its connection; the version after is read
// also when it failed, so that the summary shows where the target stopped.
int migrate_target(const Config& config, TargetResult& result) {
  const Stopwatch watch;
  Run run = open_migrate_run(config);
  result.version_before = read_state(run).first;
  auto read_after = [&] {
    try {
      result.version_after = read_state(run).first;
    } catch (const Error& e) {
      log::warn(std::string("cannot read the version after migrate: ") + e.what());
    }
  };
  try {
    const int code = migrate(run, watch);
    read_after();
    return code;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Interrupted) read_after();
    throw;
  }
}

int summarize_target(const Config& config, TargetResult& result) {
  Run run = open_run(config, {});
  auto [version, pending] = read_state(run);
  result.version_before = version;
  result.version_after = version;
  result.pending = pending;
  return 0;
}

int info_target(const Config& config, TargetResult& result) {
  std::cout << "\nTarget " << result.name << " (" << result.display << "):\n";
  std::cout.flush();
  return run_info(config);
}

struct FleetCommand {
  std::string_view name;
  TargetWork work;
  bool one_at_a_time = false;  // prints to stdout: outputs must not interleave
};

FleetCommand fleet_command(std::string_view command, const Config& config) {
  const bool summary = switch_on(config, "summary") || config.output == OutputFormat::Json ||
                       log::format() == log::Format::Json;
  if (command == "migrate") return {command, migrate_target};
  if (command == "info" && summary) return {command, summarize_target};
  if (command == "info") return {command, info_target, true};
  if (command == "validate") return {command, [](const Config& c, TargetResult&) { return run_validate(c); }};
  if (command == "repair") return {command, [](const Config& c, TargetResult&) { return run_repair(c); }};
  UsageError e(std::string(command) + " does not run over a fleet; pick one database with --url");
  e.hint = "migrate, info, validate and repair run over the targets of an environment";
  throw e;
}

void print_summary(const FleetCommand& command, const Config& config, const std::vector<TargetResult>& results,
                   std::chrono::milliseconds total) {
  if (config.output == OutputFormat::Json || log::format() == log::Format::Json) {
    std::cout << summary_json(command.name, results, total, log::format() == log::Format::Json ? -1 : 2) << std::endl;
  } else {
    std::cout << '\n' << summary_table(command.name, results, total);
    std::cout.flush();
  }
}

}  // namespace

int run_fleet(std::string_view command_name, const Config& config) {
  const Stopwatch watch;
  const FleetCommand command = fleet_command(command_name, config);
  if (config.output == OutputFormat::Json) log::reserve_stdout(true);
  const std::vector<FleetTarget> targets = selected_targets(config);
  Config shared = config;
  shared.shared_scripts = std::make_shared<const ResolvedScripts>(read_scripts(config));
  FleetRunOptions options;
  options.parallel = command.one_at_a_time ? 1 : parallelism(config, targets.size());
  options.fail_fast = switch_on(config, "failFast");
  log::info("Running " + std::string(command.name) + " on " + std::to_string(targets.size()) + " targets, " +
                std::to_string(options.parallel) + " at a time",
            {{"targets", static_cast<std::int64_t>(targets.size())},
             {"parallel", static_cast<std::int64_t>(options.parallel)}});
  std::vector<TargetResult> results = run_targets(shared, targets, options, command.work);
  print_summary(command, config, results, watch.elapsed());
  return fleet_exit_code(results);
}

}  // namespace strata
