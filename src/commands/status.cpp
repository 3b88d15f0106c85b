// status: where the database stands in one line, or as the exit code of a script's gate.
#include <iostream>
#include <nlohmann/json.hpp>

#include "strata/commands.hpp"
#include "strata/log.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

struct Standing {
  std::optional<Version> current;
  bool has_history = false;
  std::size_t pending = 0;
  std::size_t ignored = 0;  // files below the current version that migrate skips without --out-of-order
  std::vector<const MigrationInfo*> failed;   // success = false rows
  std::vector<const MigrationInfo*> unknown;  // applied, with no file here (missing or future)
};

Standing standing_of(const Reconciliation& rec, bool has_history) {
  Standing s;
  s.current = rec.current;
  s.has_history = has_history;
  s.pending = rec.pending.size();
  for (const MigrationInfo& info : rec.infos) {
    if (info.state == MigrationState::Ignored && info.resolved && !info.applied) ++s.ignored;
    if (is_failed(info.state)) s.failed.push_back(&info);
    else if (info.state == MigrationState::Missing || info.state == MigrationState::Future) s.unknown.push_back(&info);
  }
  return s;
}

std::string named(const MigrationInfo& info) {
  return (info.is_versioned() ? "version " + info.version_text() : std::string("repeatable")) + " (" +
         info.description() + ")";
}

std::string status_line(const Run& run, const Standing& s) {
  std::string line = "Schema " + run.schema_q() + (s.current ? " is at version " + s.current->text() : std::string(" has no version yet"));
  const bool up_to_date = s.pending == 0 && s.ignored == 0;
  line += ": " + (up_to_date ? std::string("up to date") : std::to_string(s.pending) + " pending");
  if (s.ignored > 0)
    line += ", " + std::to_string(s.ignored) + " ignored (below the current version; migrate --out-of-order applies them)";
  if (s.failed.empty()) line += ", nothing failed";
  else line += ", failed: " + named(*s.failed.front()) + " (run `strata repair" + run.args + "` once it is cleaned up)";
  if (!s.unknown.empty())
    line += ", " + std::to_string(s.unknown.size()) + " applied without a file here, e.g. " + named(*s.unknown.front());
  return line;
}

nlohmann::json status_json(const Run& run, const Standing& s) {
  auto list = [](const std::vector<const MigrationInfo*>& infos) {
    nlohmann::json out = nlohmann::json::array();
    for (const MigrationInfo* i : infos)
      out.push_back({{"version", i->version_text()}, {"description", i->description()}, {"state", state_name(i->state)}});
    return out;
  };
  return {{"schemaName", run.history->name().schema},
          {"schemaVersion", s.current ? nlohmann::json(s.current->text()) : nlohmann::json(nullptr)},
          {"historyTableExists", s.has_history},
          {"pending", s.pending},
          {"ignored", s.ignored},
          {"upToDate", s.pending == 0 && s.ignored == 0},
          {"failed", list(s.failed)},
          {"unknown", list(s.unknown)}};
}

}  // namespace

int run_status(const Config& config, const CommandArgs& args) {
  Run run = open_run(config, {});
  const bool has_history = run.facts.history_exists;
  std::vector<AppliedMigration> applied;
  if (has_history) applied = first_history(run);
  const Reconciliation rec = reconcile(run.migrations(), applied, reconcile_options(config));
  const Standing s = standing_of(rec, has_history);
  if (config.output == OutputFormat::Json) {
    std::cout << status_json(run, s).dump(log::format() == log::Format::Json ? -1 : 2) << std::endl;
  } else {
    std::cout << status_line(run, s) << std::endl;
  }
  if (!args.switches.count("--exit-code")) return 0;
  if (!s.failed.empty() || !s.unknown.empty()) return kStatusFailedOrUnknown;
  return s.pending == 0 && s.ignored == 0 ? kStatusUpToDate : kStatusPending;
}

}  // namespace strata
