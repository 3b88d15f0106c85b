// The dry-run strategy: sends nothing, writes what the other strategies would send. The output
// is a psql script: statements end in ';', COPY rows follow their statement up to `\.`, and a
// migration that runs in a transaction is wrapped in BEGIN/COMMIT with its history row.
#include <ostream>

#include "execute/batches.hpp"
#include "execute/shared.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

// A ';' after a trailing "-- comment" would be commented out; the newline keeps it a terminator.
void write_sql(std::ostream& out, std::string_view sql) {
  const std::size_t last_line = sql.rfind('\n');
  const std::string_view tail = last_line == std::string_view::npos ? sql : sql.substr(last_line + 1);
  out << sql << (tail.find("--") != std::string_view::npos ? "\n;\n" : ";\n");
}

void write_statement(std::ostream& out, const Statement& s) {
  write_sql(out, s.sql);
  if (s.kind == StatementKind::CopyFromStdin) out << s.copy_data << "\\.\n";
}

class DryRun final : public MigrationStrategy {
 public:
  DryRun(std::ostream& out, const HistoryTable& history, const ExecuteOptions& options)
      : out_(out), history_(history), options_(options) {}

  void apply(const PreparedMigration& p) override {
    const ResolvedMigration& m = *p.migration;
    const bool transaction = p.mode == ExecutionMode::InTransaction;
    out_ << "\n-- " << m.script << (transaction ? "" : " (outside a transaction, statement by statement)") << "\n";
    if (transaction) out_ << "BEGIN;\n";
    if (!options_.session_reset.empty()) write_sql(out_, options_.session_reset);
    write_dry_run_callbacks(out_, options_, CallbackEvent::BeforeEachMigrate);
    for_each_batch(p, [this](const std::vector<Statement>& statements) {
      for (const Statement& s : statements) write_statement(out_, s);
    });
    write_dry_run_callbacks(out_, options_, CallbackEvent::AfterEachMigrate);
    if (!options_.session_reset.empty()) write_sql(out_, options_.session_reset);
    write_sql(out_, history_.append_statement(history_row(m, options_, std::chrono::milliseconds(0))));
    if (transaction) out_ << "COMMIT;\n";
    out_.flush();
  }

 private:
  std::ostream& out_;
  const HistoryTable& history_;
  const ExecuteOptions& options_;
};

}  // namespace

void write_dry_run_callbacks(std::ostream& out, const ExecuteOptions& options, CallbackEvent event) {
  if (!options.callbacks) return;
  for (const ResolvedCallback* c : callbacks_for(*options.callbacks, event)) {
    const ScriptSource source = callback_source(*c);
    const SplitScript split = split_statements(strip_bom(source.sent));
    refuse_defect(split, source, c->path.string());
    out << "-- callback " << c->script << "\n";
    for (const Statement& s : split.statements) write_statement(out, s);
  }
}

std::unique_ptr<MigrationStrategy> dry_run_strategy(std::ostream& out, const HistoryTable& history,
                                                    const ExecuteOptions& options) {
  return std::make_unique<DryRun>(out, history, options);
}

}  // namespace strata
