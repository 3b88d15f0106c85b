#pragma once
// fleet: one command over many databases. An environment names its targets (`targets:` URLs or
// {name, url} maps, and/or `targets_query:` run on its `url`); each target keeps its own history
// table, lock and transactions, every other setting applies to all. The files are read once;
// targets run concurrently, each in a thread of its own whose log lines carry its name.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/config.hpp"
#include "strata/db.hpp"

namespace strata {

struct TargetSpec {
  std::string name;  // empty: the database name of `url`
  std::string url;
};

struct FleetTarget {
  std::string name;
  ConnectionSettings connection;
};

// The `targets` setting as strata.yaml's reader stores it: one target a line, "URL" or
// "NAME<TAB>URL". Blank lines are skipped.
std::vector<TargetSpec> parse_target_list(std::string_view text);
std::string format_target_list(const std::vector<TargetSpec>& targets);

// Whether the settings name a fleet (`targets` or `targetsQuery`).
bool is_fleet(const Config& config);

// Every target of the fleet in order: `targets`, then the rows of `targetsQuery` (a database name,
// put in place of the database of the environment's url, or a URL). user, password and
// connectTimeout apply to URL targets as to `url`. Throws ConfigError for a target without a
// database name, two targets with one name, or no target at all.
std::vector<FleetTarget> fleet_targets(const Config& config);

// --target-filter: shell glob on the name (fnmatch), e.g. "tenant_*".
std::vector<FleetTarget> filter_targets(std::vector<FleetTarget> targets, const std::string& glob);

// --shard I/N (1-based). Throws UsageError for anything but 1 <= I <= N.
struct Shard {
  std::uint64_t index = 1, count = 1;
};
Shard parse_shard(std::string_view text);
// FNV-1a 64 of the name's bytes: stable across runs, machines and releases.
std::uint64_t fnv1a_64(std::string_view text);
// A target belongs to shard I of N when fnv1a_64(name) % N == I - 1.
bool in_shard(std::string_view name, const Shard& shard);
std::vector<FleetTarget> shard_targets(std::vector<FleetTarget> targets, const Shard& shard);

// What happened on one target.
enum class Outcome { Succeeded, Failed, Skipped };

struct TargetResult {
  std::string name;
  std::string display;  // the server and database, no password
  Outcome outcome = Outcome::Skipped;
  int exit_code = 0;
  std::string error;       // one line, for a failed target
  std::string error_kind;  // kind_name of the error
  std::string skipped_because;
  std::optional<std::string> version_before, version_after;  // nullopt: not read; "" : empty schema
  std::optional<std::size_t> pending;                         // info --summary
  std::chrono::milliseconds duration{0};
};

// The fleet's exit code: 0 when every target succeeded, else the most serious of theirs. From the
// most serious: an interrupt (130/143: the run was stopped), 2 (configuration or input: nothing
// could run as asked), 3 (a database could not be reached), 4 (a lock was never obtained), 1 (a
// migration or validation failed on a database that was reached and locked). Skipped targets
// count only through the failure that made them skip.
int fleet_exit_code(const std::vector<TargetResult>& results);

// The final summary: one row per target, then the counts.
std::string summary_table(std::string_view command, const std::vector<TargetResult>& results,
                          std::chrono::milliseconds total);
// --output json: {"command", "exitCode", "succeeded", "failed", "skipped", "durationMs", "targets": [...]}.
std::string summary_json(std::string_view command, const std::vector<TargetResult>& results,
                         std::chrono::milliseconds total, int indent);

// Runs `command` (migrate, info, validate, repair) on every selected target: the fleet version of
// main's dispatch. Reads --parallel, --fail-fast, --target-filter, --shard and --summary from the
// settings.
int run_fleet(std::string_view command, const Config& config);

}  // namespace strata
