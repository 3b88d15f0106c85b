// The in-transaction strategy: a migration, its each-migrate callbacks and its history row in one
// transaction, so it is applied and recorded completely or not at all.
#include "execute/shared.hpp"
#include "strata/db.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

class InTransaction final : public ServerStrategy {
 public:
  using ServerStrategy::ServerStrategy;

  void apply(const PreparedMigration& p) override {
    const ResolvedMigration& m = *p.migration;
    const auto start = Clock::now();
    Progress progress;
    bool committing = false;
    const bool grouped = options_.routing.group;
    const char* rollback = grouped ? nullptr : "ROLLBACK";
    try {
      // In Flyway's group the transaction is the group's: it begins and ends in execute_group.
      std::string start_sql = grouped ? "" : fast_commit(options_, p) ? "BEGIN; SET LOCAL synchronous_commit = off" : "BEGIN";
      if (!options_.session_reset.empty()) start_sql += (start_sql.empty() ? "" : "; ") + options_.session_reset;
      if (!start_sql.empty()) session_.exec(start_sql);
      run_each(session_, options_, CallbackEvent::BeforeEachMigrate);
      run_statements(session_, p, progress);
      run_each(session_, options_, CallbackEvent::AfterEachMigrate);
      // One round trip: the reset, the history row and the COMMIT.
      const std::string finish = history_.append_statement(history_row(m, options_, since(start))) + (grouped ? "" : "; COMMIT");
      committing = !grouped;
      session_.exec(with_reset(options_, finish));
    } catch (const SqlError& e) {
      if (rollback) session_.exec_cleanup(rollback);
      MigrationFailed failure = migration_error(m, progress.current, e, &p.script.statements);
      each_error(session_, options_);
      throw failure;
    } catch (const MigrationFailed&) {  // a beforeEachMigrate / afterEachMigrate callback
      if (rollback) session_.exec_cleanup(rollback);
      each_error(session_, options_);
      throw;
    } catch (const ConnectError& e) {
      // The server rolled back what was not committed; during the COMMIT only the history can tell.
      throw lost_connection(m, progress.current, e, committing
          ? "it happened while committing " + m.script + ", so it may or may not be applied: run `strata info`"
          : m.script + " was not committed, so the server rolled it back");
    } catch (...) {
      if (rollback) session_.exec_cleanup(rollback);
      throw;
    }
  }
};

}  // namespace

std::unique_ptr<MigrationStrategy> in_transaction_strategy(Session& session, HistoryTable& history,
                                                           const ExecuteOptions& options) {
  return std::make_unique<InTransaction>(session, history, options);
}

}  // namespace strata
