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
    try {
      session_.exec(options_.session_reset.empty() ? std::string("BEGIN") : "BEGIN; " + options_.session_reset);
      run_each(session_, options_, CallbackEvent::BeforeEachMigrate);
      run_statements(session_, p.script, progress);
      run_each(session_, options_, CallbackEvent::AfterEachMigrate);
      // One round trip: the reset, the history row and the COMMIT.
      const std::string finish = history_.append_statement(history_row(m, options_, since(start))) + "; COMMIT";
      committing = true;
      session_.exec(with_reset(options_, finish));
    } catch (const SqlError& e) {
      session_.exec_cleanup("ROLLBACK");
      MigrationFailed failure = migration_error(m, progress.current, e);
      each_error(session_, options_);
      throw failure;
    } catch (const MigrationFailed&) {  // a beforeEachMigrate / afterEachMigrate callback
      session_.exec_cleanup("ROLLBACK");
      each_error(session_, options_);
      throw;
    } catch (const ConnectError& e) {
      // The server rolled back what was not committed; during the COMMIT only the history can tell.
      throw lost_connection(m, progress.current, e, committing
          ? "it happened while committing " + m.script + ", so it may or may not be applied: run `strata info`"
          : m.script + " was not committed, so the server rolled it back");
    } catch (...) {
      session_.exec_cleanup("ROLLBACK");
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
