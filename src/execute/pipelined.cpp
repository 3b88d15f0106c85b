// The pipelined strategy: a transactional migration sent as one pipeline (BEGIN, the session
// reset, its statements, the reset again, the history row, COMMIT, one sync), so it costs one
// round trip instead of one per statement. The server skips everything after a failing statement
// up to the sync, COMMIT included, and the transaction is rolled back: all or nothing, as
// in_transaction_strategy. COPY statements and each-migrate callbacks need the server's answer
// before the next step, so those migrations keep in_transaction_strategy.
#include <algorithm>
#include <array>

#include "execute/shared.hpp"
#include "script/lexer.hpp"
#include "strata/db.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

// The session-level name of the prepared history INSERT.
const std::string kAppendHistory = "strata_append_history";
constexpr std::string_view kNoSuchPrepared = "26000";

// A statement that begins or ends a transaction itself: sent on its own it commits what ran
// before it, which inside one sync group would behave differently from statement by statement.
// DEALLOCATE too: it may drop the prepared history INSERT queued after it. And any COPY: libpq's
// pipeline mode has no COPY (TO STDOUT would wait forever).
bool breaks_the_pipeline(const Statement& s) {
  static constexpr std::array<std::string_view, 9> kWords = {"begin", "start", "commit", "end", "rollback",
                                                              "abort", "prepare", "deallocate", "copy"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return script_detail::starts_with_keyword(s.sql, w); });
}

std::vector<std::string> reset_statements(const std::string& reset) {
  std::vector<std::string> out;
  for (const Statement& s : split_statements(reset).statements) out.emplace_back(s.sql);
  return out;
}

class Pipelined final : public ServerStrategy {
 public:
  Pipelined(Session& session, HistoryTable& history, const ExecuteOptions& options)
      : ServerStrategy(session, history, options), reset_(reset_statements(options.session_reset)) {}

  void apply(const PreparedMigration& p) override { apply(p, true); }

 private:
  void apply(const PreparedMigration& p, bool may_prepare_again) {
    const ResolvedMigration& m = *p.migration;
    session_.prepare(kAppendHistory, history_.append_prepared_sql());
    Layout layout;
    PipelineResults results;
    session_.enter_pipeline();
    try {
      layout = queue_migration(p);
      session_.sync();
      results = session_.collect();
      session_.exit_pipeline();
    } catch (const PipelineLost& e) {
      session_.abandon_pipeline();
      throw lost(m, p, layout, e);
    } catch (...) {  // interrupted, or the connection failed while queueing
      session_.abandon_pipeline();
      session_.exec_cleanup("ROLLBACK");
      throw;
    }
    if (results.ok()) {
      // The reset before the history row is committed: the session is as the run started, and
      // stays so until something else is sent on it.
      reset_after_ = session_.round_trips();
      return;
    }
    // The server aborted the transaction at the failing statement and skipped the rest.
    session_.exec_cleanup("ROLLBACK");
    if (*results.failed_index == layout.commit - 1 && results.error->sqlstate == kNoSuchPrepared && may_prepare_again) {
      // An earlier migration ran DEALLOCATE since the history INSERT was prepared: prepare it again.
      session_.forget_prepared(kAppendHistory);
      apply(p, false);
      return;
    }
    MigrationFailed failure = migration_error(m, layout.statement_at(*results.failed_index, p), *results.error,
                                              &p.script.statements);
    each_error(session_, options_);
    throw failure;
  }

  // Where the migration's statements and its COMMIT are among those queued.
  struct Layout {
    std::size_t first = 0;
    std::size_t commit = 0;
    const Statement* statement_at(std::size_t index, const PreparedMigration& p) const {
      if (index < first || index - first >= p.script.statements.size()) return nullptr;
      return &p.script.statements[index - first];
    }
  };

  Layout queue_migration(const PreparedMigration& p) {
    Layout layout;
    std::size_t n = 0;
    auto queue = [&](std::string_view sql) {
      session_.queue(sql);
      ++n;
    };
    queue("BEGIN");
    if (fast_commit(options_, p)) queue("SET LOCAL synchronous_commit = off");
    // Nothing was sent since the last migration's committed reset: the session is still as it was.
    if (session_.round_trips() != reset_after_) {
      for (const std::string& s : reset_) queue(s);
    }
    layout.first = n;
    for (const Statement& s : p.script.statements) queue(s.sql);
    for (const std::string& s : reset_) queue(s);
    session_.queue_prepared(kAppendHistory, HistoryTable::append_parameters(history_row(*p.migration, options_, {})));
    ++n;
    layout.commit = n;
    queue("COMMIT");
    return layout;
  }

  ConnectError lost(const ResolvedMigration& m, const PreparedMigration& p, const Layout& layout,
                    const PipelineLost& e) const {
    // Only a fatal error the server reported before the COMMIT proves the COMMIT never ran.
    if (e.failed_index && *e.failed_index < layout.commit) {
      return lost_connection(m, layout.statement_at(*e.failed_index, p), e,
                             m.script + " was not committed, so the server rolled it back");
    }
    return lost_connection(m, nullptr, e,
                           m.script + " was sent with its COMMIT in one pipeline, so it may or may not be applied: "
                                      "run `strata info`");
  }

  std::vector<std::string> reset_;
  std::uint64_t reset_after_ = ~std::uint64_t{0};
};

}  // namespace

bool pipelinable(const PreparedMigration& p, const ExecuteOptions& options) {
  if (p.mode != ExecutionMode::InTransaction || options.routing.group) return false;
  if (options.callbacks && (!callbacks_for(*options.callbacks, CallbackEvent::BeforeEachMigrate).empty() ||
                            !callbacks_for(*options.callbacks, CallbackEvent::AfterEachMigrate).empty())) {
    return false;
  }
  return std::none_of(p.script.statements.begin(), p.script.statements.end(), [](const Statement& s) {
    return s.kind == StatementKind::CopyFromStdin || breaks_the_pipeline(s);
  });
}

std::unique_ptr<MigrationStrategy> pipelined_strategy(Session& session, HistoryTable& history,
                                                      const ExecuteOptions& options) {
  return std::make_unique<Pipelined>(session, history, options);
}

}  // namespace strata
