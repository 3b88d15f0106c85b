// The no-transaction strategy: each statement alone in autocommit, as PostgreSQL requires of
// CREATE INDEX CONCURRENTLY, VACUUM and the rest of what it refuses in a transaction block; the
// history row follows the last statement. Nothing can be rolled back: a failure leaves the
// statements before it applied and a failed history row, and the error says what to clean up
// (OutsideTransaction).
#include "execute/unfinished.hpp"
#include "strata/db.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

class NoTransaction final : public OutsideTransaction {
 public:
  using OutsideTransaction::OutsideTransaction;

 private:
  void run_statements_of(const PreparedMigration& p, std::vector<const Statement*>& stayed,
                         const Statement*& current) override {
    for (const Statement& s : p.script.statements) {
      current = &s;
      run_statement(session_, s);
      stayed.push_back(&s);
    }
  }
};

}  // namespace

std::unique_ptr<MigrationStrategy> no_transaction_strategy(Session& session, HistoryTable& history,
                                                           const ExecuteOptions& options) {
  return std::make_unique<NoTransaction>(session, history, options);
}

}  // namespace strata
