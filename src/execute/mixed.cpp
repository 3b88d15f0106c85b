// The mixed strategy (Flyway's mixed=true): a script's non-transactional statements run alone in
// autocommit, each run of transactional statements between them in a transaction of its own, so
// a failure rolls back only the run it is in; then the history row. What was committed before a
// failure stays, and the error says so as the no-transaction strategy's does.
#include "execute/unfinished.hpp"
#include "strata/db.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

class Mixed final : public ServerStrategy {
 public:
  using ServerStrategy::ServerStrategy;

  void apply(const PreparedMigration& p) override {
    const auto start = Clock::now();
    const ResolvedMigration& m = *p.migration;
    Unfinished unfinished{session_, history_, options_, p};
    unfinished.invalid_before = invalid_indexes(session_);
    std::vector<const Statement*> open;  // the statements of the transaction under way
    in_transaction_ = false;
    const Statement* current = nullptr;
    try {
      if (!options_.session_reset.empty()) session_.exec(options_.session_reset);
      run_each(session_, options_, CallbackEvent::BeforeEachMigrate);
      for (const Statement& s : p.script.statements) {
        current = &s;
        const bool alone = s.kind == StatementKind::NoTransaction;
        if (alone) commit(open, unfinished.stayed);
        if (!alone && !in_transaction_) {
          session_.exec("BEGIN");
          in_transaction_ = true;
        }
        run_statement(session_, s);
        (alone ? unfinished.stayed : open).push_back(&s);
      }
      current = nullptr;
      commit(open, unfinished.stayed);
      run_each(session_, options_, CallbackEvent::AfterEachMigrate);
      session_.exec(with_reset(options_, history_.append_statement(history_row(m, options_, since(start)))));
    } catch (const SqlError& e) {
      if (in_transaction_) session_.exec_cleanup("ROLLBACK");
      in_transaction_ = false;
      unfinished.failed_statement = current;
      unfinished.elapsed = since(start);
      MigrationFailed failure = unfinished_migration(unfinished, e);
      each_error(session_, options_);
      throw failure;
    } catch (const ConnectError& e) {
      throw lost_connection(m, current, e, std::to_string(unfinished.stayed.size()) + " statements of " + m.script +
                                               " were committed before it; the rest was rolled back");
    }
  }

 private:
  void commit(std::vector<const Statement*>& open, std::vector<const Statement*>& stayed) {
    if (!in_transaction_) return;
    session_.exec("COMMIT");
    in_transaction_ = false;
    stayed.insert(stayed.end(), open.begin(), open.end());
    open.clear();
  }

  bool in_transaction_ = false;
};

}  // namespace

std::unique_ptr<MigrationStrategy> mixed_strategy(Session& session, HistoryTable& history,
                                                  const ExecuteOptions& options) {
  return std::make_unique<Mixed>(session, history, options);
}

}  // namespace strata
