// The pipelined strategy: a transactional migration sent as one pipeline (BEGIN, the session
// reset, its statements, the reset again, the history row, COMMIT, one sync), so it costs one
// round trip instead of one per statement. The server skips everything after a failing statement
// up to the sync, COMMIT included, and the transaction is rolled back: all or nothing, as
// in_transaction_strategy. COPY statements and each-migrate callbacks need the server's answer
// before the next step, so those migrations keep in_transaction_strategy.
// A streamed (large) migration is sent as one sync group per batch, the history row and COMMIT in
// a last group, each group's results read while the next one runs: the server still rolls back
// everything at a failure (the transaction is aborted; later groups fail and COMMIT rolls back),
// and neither the client's nor the server's buffers grow with the file.
#include <algorithm>
#include <deque>

#include "execute/batches.hpp"
#include "execute/shared.hpp"
#include "strata/db.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

// The session-level name of the prepared history INSERT.
const std::string kAppendHistory = "strata_append_history";
constexpr std::string_view kNoSuchPrepared = "26000";

std::vector<std::string> reset_statements(const std::string& reset) {
  std::vector<std::string> out;
  for (const Statement& s : split_statements(reset).statements) out.emplace_back(s.sql);
  return out;
}

// One sync group as queued: the statements among its entries (borrowed from the migration, or
// a streamed batch it owns), and where its COMMIT is.
struct Group {
  SplitScript owned;
  const std::vector<Statement>* borrowed = nullptr;
  std::size_t count = 0;  // entries queued
  std::size_t first = 0;  // index of the first statement among them
  std::size_t commit = std::string_view::npos;  // index of the COMMIT
  const std::vector<Statement>& statements() const { return borrowed ? *borrowed : owned.statements; }
  const Statement* statement_at(std::size_t index) const {
    if (index < first || index - first >= statements().size()) return nullptr;
    return &statements()[index - first];
  }
};

// How the migration's groups went: the first failure and its group, the group whose results are
// being read, and whether COMMIT was sent.
struct Outcome {
  PipelineResults failed;
  const Group* group = nullptr;
  const Group* collecting = nullptr;
  bool commit_sent = false;
};

class Pipelined final : public ServerStrategy {
 public:
  Pipelined(Session& session, HistoryTable& history, const ExecuteOptions& options)
      : ServerStrategy(session, history, options), reset_(reset_statements(options.session_reset)) {}

  void apply(const PreparedMigration& p) override { apply(p, true); }

 private:
  void apply(const PreparedMigration& p, bool may_prepare_again) {
    const ResolvedMigration& m = *p.migration;
    session_.prepare(kAppendHistory, history_.append_prepared_sql());
    std::deque<Group> groups;
    Outcome outcome;
    session_.enter_pipeline();
    try {
      send(p, groups, outcome);
      session_.exit_pipeline();
    } catch (const PipelineLost& e) {
      session_.abandon_pipeline();
      throw lost(m, outcome, e);
    } catch (...) {  // interrupted, or the connection failed while queueing
      session_.abandon_pipeline();
      session_.exec_cleanup("ROLLBACK");
      throw;
    }
    if (!outcome.group) {
      // The reset before the history row is committed: the session is as the run started, and
      // stays so until something else is sent on it.
      reset_after_ = session_.round_trips();
      return;
    }
    // The server aborted the transaction at the failing statement and skipped the rest.
    session_.exec_cleanup("ROLLBACK");
    const PipelineResults& results = outcome.failed;
    if (*results.failed_index + 1 == outcome.group->commit && results.error->sqlstate == kNoSuchPrepared &&
        may_prepare_again) {
      // An earlier migration ran DEALLOCATE since the history INSERT was prepared: prepare it again.
      session_.forget_prepared(kAppendHistory);
      apply(p, false);
      return;
    }
    MigrationFailed failure =
        migration_error(m, outcome.group->statement_at(*results.failed_index), *results.error, &p.script.statements);
    each_error(session_, options_);
    throw failure;
  }

  // Queues the migration as one sync group, or a streamed one as a group per batch with the
  // history row and COMMIT in a last group; reads each group's results while the next one is
  // being run, so neither side's buffers grow with the migration. Stops sending at a failure.
  void send(const PreparedMigration& p, std::deque<Group>& groups, Outcome& outcome) {
    Group* pending = nullptr;  // queued and synced, results not read yet
    auto synced = [&](Group& g) {
      session_.sync();
      if (pending) collect(*pending, outcome);
      pending = &g;
    };
    Group& head = groups.emplace_back();
    open(p, head);
    if (!p.streamed) {
      head.borrowed = &p.script.statements;
      for (const Statement& s : p.script.statements) queue(head, s.sql);
      close(p, head, outcome);
      synced(head);
    } else {
      ScriptStream stream(strip_bom(p.migration->sql));
      for (Group* g = &head; !outcome.group && stream.next(g->owned); g = &groups.emplace_back()) {
        for (const Statement& s : g->owned.statements) queue(*g, s.sql);
        synced(*g);
        if (groups.size() > 2) groups.pop_front();  // its results are read
      }
      if (!outcome.group) {  // the stream ended: the group made for the next batch stays empty
        close(p, groups.back(), outcome);
        synced(groups.back());
      }
    }
    collect(*pending, outcome);
  }

  void queue(Group& g, std::string_view sql) {
    session_.queue(sql);
    ++g.count;
  }

  // BEGIN and the session reset, before the migration's first statement.
  void open(const PreparedMigration& p, Group& g) {
    queue(g, "BEGIN");
    if (fast_commit(options_, p)) queue(g, "SET LOCAL synchronous_commit = off");
    // Nothing was sent since the last migration's committed reset: the session is still as it was.
    if (session_.round_trips() != reset_after_) {
      for (const std::string& s : reset_) queue(g, s);
    }
    g.first = g.count;
  }

  // The reset, the history row and COMMIT, after the migration's last statement.
  void close(const PreparedMigration& p, Group& g, Outcome& outcome) {
    for (const std::string& s : reset_) queue(g, s);
    session_.queue_prepared(kAppendHistory, HistoryTable::append_parameters(history_row(*p.migration, options_, {})));
    g.commit = ++g.count;  // the history row took index count
    queue(g, "COMMIT");
    outcome.commit_sent = true;
  }

  void collect(const Group& g, Outcome& outcome) {
    outcome.collecting = &g;
    PipelineResults results = session_.collect();
    if (results.ok() || outcome.group) return;
    outcome.failed = std::move(results);
    outcome.group = &g;
  }

  ConnectError lost(const ResolvedMigration& m, const Outcome& outcome, const PipelineLost& e) const {
    // Only a fatal error the server reported before the COMMIT, or a COMMIT never sent, proves
    // the COMMIT never ran.
    const Group* g = outcome.collecting;
    if (e.failed_index && g && (g->commit == std::string_view::npos || *e.failed_index < g->commit)) {
      return lost_connection(m, g->statement_at(*e.failed_index), e,
                             m.script + " was not committed, so the server rolled it back");
    }
    if (!outcome.commit_sent) {
      return lost_connection(m, nullptr, e, m.script + " was not committed, so the server rolled it back");
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
