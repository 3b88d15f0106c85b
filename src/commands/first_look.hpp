#pragma once
// migrate's first look, made without the lock (first_look.cpp), and what migrate under the lock
// shares with it. Private to src/commands/.
#include <optional>
#include <string>
#include <vector>

#include "strata/commands_run.hpp"
#include "strata/execute.hpp"
#include "strata/reconcile.hpp"
#include "strata/result_documents.hpp"
#include "strata/strategy.hpp"
#include "strata/run.hpp"

namespace strata::migrate_detail {

// What the first look hands to the run under the lock.
struct FirstLook {
  std::vector<PreparedMigration> prepared;
  // lint: warn. Its findings stop nothing, so the run goes on while it finishes; they are logged
  // before the first migration runs (finish_lint). lint: error is read before the lock instead.
  PendingLint lint;
  // Without a history table: the schemas holding objects strata did not create, quoted.
  std::optional<std::string> non_empty;
};

// The first look: true when there is nothing to do (then `outcome` holds the current version and
// the warnings), so that a no-op run never waits on a busy lock nor opens the lock's connection.
// When there is work and `lock` is set, the lock's connection is opened while the plan is
// prepared into `look`; the lock itself is taken, and the history read again, only after.
bool up_to_date_without_lock(Run& run, const ReconcileOptions& options, MigrateOutcome& outcome, FirstLook& look,
                             bool lock);
// Waits for the lint of lint: warn and logs its findings.
void finish_lint(const Run& run, FirstLook& look);

// The non-empty-schema question, sent in a pipeline when constructed so that the server answers
// it while the caller works on; answer() reads it. Nothing else may use the session in between.
class NonEmptySchemas {
 public:
  explicit NonEmptySchemas(Run& run);
  ~NonEmptySchemas();
  NonEmptySchemas(const NonEmptySchemas&) = delete;
  NonEmptySchemas& operator=(const NonEmptySchemas&) = delete;
  // The schemas (the history's own first, then --schemas) holding objects strata did not create:
  // tables, views, sequences, functions and types, leaving out what extensions own. Quoted and
  // comma-joined; empty when there are none.
  std::string answer();

 private:
  Session& session_;
  std::vector<std::string> schemas_;
  std::optional<std::string> answer_;
};
std::string non_empty_schemas(Run& run);  // asked and answered at once

[[noreturn]] void refuse_failed(const AppliedMigration& failed, const std::string& table, const std::string& args);
// Each warning is logged and kept for the result document.
void warn_ignored(const Reconciliation& rec, std::vector<std::string>& warnings);
void up_to_date(const Run& run, const Reconciliation& rec);
// Flyway's mixed, group and executeInTransaction, and the server's grammar version.
RoutingOptions routing_options(const Run& run);

}  // namespace strata::migrate_detail
