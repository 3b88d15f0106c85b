#pragma once
// progress: while migrations run on a terminal, one live line at the bottom of stderr says which
// migration of how many is running, for how long, and (after a few seconds) the statement the
// server is on. Nothing at all when stderr is no terminal, logs are JSON, or --quiet.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/config.hpp"
#include "strata/execute.hpp"
#include "strata/migration.hpp"

namespace strata {

// Whether runs here show the live line: stderr is a terminal and logs are plain text, not quiet.
bool progress_wanted(const Config& config);

// "[2/5] V2__add_index.sql 12.4s, statement at line 14:1", cut to `width` columns (0: no limit);
// `statement` empty while not known.
std::string progress_text(std::size_t number, std::size_t total, const std::string& script,
                          std::chrono::milliseconds elapsed, const std::string& statement, std::size_t width);

// Where the statement `running` (as the server shows it, possibly cut short) starts in
// `migration`'s file, as "line:column"; empty when it is not in it. Searches from `from` first,
// so that a statement written twice is found where the run is.
std::string statement_position(const ResolvedMigration& migration, std::string_view running, std::size_t& from);

class MigrationProgress {
 public:
  // `backend_pid`: the migrating session's, whose statement a second connection looks up in
  // pg_stat_activity once a migration has run for kStatementAfter.
  MigrationProgress(std::vector<const ResolvedMigration*> plan, ConnectionSettings settings, int backend_pid);
  ~MigrationProgress();  // removes the line
  MigrationProgress(const MigrationProgress&) = delete;
  MigrationProgress& operator=(const MigrationProgress&) = delete;

  // The migration that was running is done; the next one starts.
  void applied(const AppliedOutcome& outcome);

  static constexpr std::chrono::seconds kStatementAfter{2};

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace strata
