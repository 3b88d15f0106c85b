// The no-transaction strategy: each statement alone in autocommit, as PostgreSQL requires of
// CREATE INDEX CONCURRENTLY, VACUUM and the rest of what it refuses in a transaction block; the
// history row follows the last statement. Nothing can be rolled back: a failure leaves the
// statements before it applied and a failed history row, and the error says what to clean up.
#include "execute/unfinished.hpp"
#include "strata/db.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

std::string ran_note(const ResolvedMigration& m, std::size_t ran) {
  if (ran == 0) return "no statement of " + m.script + " had run, nothing of it is applied";
  return std::to_string(ran) + (ran == 1 ? " statement" : " statements") + " of " + m.script +
         " ran before it and stay applied (it runs outside a transaction)";
}

class NoTransaction final : public ServerStrategy {
 public:
  using ServerStrategy::ServerStrategy;

  void apply(const PreparedMigration& p) override {
    const auto start = Clock::now();
    const ResolvedMigration& m = *p.migration;
    Unfinished unfinished{session_, history_, options_, p};
    unfinished.invalid_before = invalid_indexes(session_);
    Progress progress;
    try {
      if (!options_.session_reset.empty()) session_.exec(options_.session_reset);
      run_each(session_, options_, CallbackEvent::BeforeEachMigrate);
      for (const Statement& s : p.script.statements) {
        progress.current = &s;
        run_statement(session_, s);
        unfinished.stayed.push_back(&s);
        ++progress.ran;
      }
      progress.current = nullptr;
      run_each(session_, options_, CallbackEvent::AfterEachMigrate);
      session_.exec(with_reset(options_, history_.append_statement(history_row(m, options_, since(start)))));
    } catch (const SqlError& e) {
      unfinished.failed_statement = progress.current;
      unfinished.elapsed = since(start);
      MigrationFailed failure = unfinished_migration(unfinished, e);
      each_error(session_, options_);
      throw failure;
    } catch (const ConnectError& e) {
      throw lost_connection(m, progress.current, e, ran_note(m, progress.ran));
    }
  }
};

}  // namespace

std::unique_ptr<MigrationStrategy> no_transaction_strategy(Session& session, HistoryTable& history,
                                                           const ExecuteOptions& options) {
  return std::make_unique<NoTransaction>(session, history, options);
}

}  // namespace strata
