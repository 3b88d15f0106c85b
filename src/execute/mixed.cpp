// The mixed strategy (Flyway's mixed=true): a script's non-transactional statements run alone in
// autocommit, each run of transactional statements between them in a transaction of its own, so
// a failure rolls back only the run it is in; then the history row. What was committed before a
// failure stays, and the error says so as the no-transaction strategy's does (OutsideTransaction).
#include "execute/unfinished.hpp"
#include "strata/db.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

class Mixed final : public OutsideTransaction {
 public:
  using OutsideTransaction::OutsideTransaction;

 private:
  void run_statements_of(const PreparedMigration& p, std::vector<const Statement*>& stayed,
                         const Statement*& current) override {
    std::vector<const Statement*> open;  // the statements of the transaction under way
    for (const Statement& s : p.script.statements) {
      current = &s;
      const bool alone = s.kind == StatementKind::NoTransaction;
      if (alone) commit(open, stayed);
      if (!alone && !in_transaction_) {
        session_.exec("BEGIN");
        in_transaction_ = true;
      }
      run_statement(session_, s);
      (alone ? stayed : open).push_back(&s);
    }
    commit(open, stayed);
  }

  void abandon() override {
    if (in_transaction_) session_.exec_cleanup("ROLLBACK");
    in_transaction_ = false;
  }

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
