// How each migration runs, decided before any runs: in a transaction, statement by statement, or
// mixed; and whether its script may run at all (parser verdict, group). Flyway's rules, with the
// refusals pointing at both lines of the conflict.
#include "execute/routing.hpp"

#include "execute/shared.hpp"
#include "script/lexer.hpp"
#include "strata/log.hpp"

namespace strata::execute_detail {
namespace {

constexpr int kBundledGrammar = 160000;  // the parser is PostgreSQL 15's: newer servers know more

// `sqlstate`: what the server would have said, for a syntax error the parser found first.
[[noreturn]] void refuse(const PreparedMigration& p, std::size_t offset, const std::string& cause,
                         bool with_column = false, const std::string& sqlstate = {}) {
  const ResolvedMigration& m = *p.migration;
  const TextPosition pos = source_of(m).position(offset);
  InputError e(m.path.string() + ":" + std::to_string(pos.line) +
               (with_column ? ":" + std::to_string(pos.column) : std::string()) + ": " + cause);
  e.file = m.path.string();
  e.line = pos.line;
  e.column = pos.column;
  e.sqlstate = sqlstate;
  throw e;
}

// Where a statement's first token is: a statement's text starts with the comments before it.
std::size_t start_of(const Statement& s) { return s.offset + script_detail::first_token(s.sql); }

int line_of(const PreparedMigration& p, std::size_t offset) { return source_of(*p.migration).position(offset).line; }

std::string conf_name(const ResolvedMigration& m) {
  return m.config_path.empty() ? m.path.filename().string() + ".conf" : m.config_path.filename().string();
}

const Statement* first(const SplitScript& s, bool non_transactional) {
  for (const Statement& st : s.statements)
    if ((st.kind == StatementKind::NoTransaction) == non_transactional) return &st;
  return nullptr;
}

const Statement* first_transaction_control(const SplitScript& s) {
  for (const Statement& st : s.statements)
    if (st.transaction_control_offset != std::string_view::npos) return &st;
  return nullptr;
}

// "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
std::string refused_in_block(const Statement& s) {
  return std::string(s.requirement) + " cannot run inside a transaction block";
}

}  // namespace

void check_parsed(const PreparedMigration& p, const RoutingOptions& options) {
  if (p.script.parsed) return;
  const ResolvedMigration& m = *p.migration;
  if (options.server_version >= kBundledGrammar) {
    const TextPosition pos = source_of(m).position(p.script.parse_error_offset);
    log::warn("the PostgreSQL 15 parser cannot read " + m.script + ":" + std::to_string(pos.line) + ": " +
                  p.script.parse_error + "; the server is newer, so " + m.script +
                  " is split lexically and the server judges it",
              {{"migration", m.script}});
    return;
  }
  refuse(p, p.script.parse_error_offset, p.script.parse_error + " (nothing was applied)", true, "42601");
}

ExecutionMode decide_mode(const PreparedMigration& p, const RoutingOptions& options) {
  const ResolvedMigration& m = *p.migration;
  const Statement* non_tx = first(p.script, true);
  const Statement* tx = first(p.script, false);
  if (m.execute_in_transaction == false) return ExecutionMode::NoTransaction;
  if (m.execute_in_transaction == true) {
    if (non_tx)
      refuse(p, start_of(*non_tx), refused_in_block(*non_tx) + ", and " + conf_name(m) + " sets executeInTransaction=true");
    return ExecutionMode::InTransaction;
  }
  if (!options.execute_in_transaction) return ExecutionMode::NoTransaction;
  // Under mixed=true such a statement runs alone outside a transaction like any other that must.
  const Statement* control = options.mixed ? nullptr : first_transaction_control(p.script);
  if (control) {
    const bool in_do = control->requirement.find("DO block") != std::string_view::npos;
    const std::string verb = control->requirement.starts_with("ROLLBACK") ? "rolls back" : "commits";
    refuse(p, start_of(*control),
           (in_do ? "this DO block " + verb + " inside it at line "
                  : "this CALL runs a procedure that commits or rolls back at line ") +
               std::to_string(line_of(p, control->transaction_control_offset)) +
               ", which PostgreSQL allows only outside a transaction block; set executeInTransaction=false for this "
               "script (" + conf_name(m) + ")");
  }
  if (!non_tx) return ExecutionMode::InTransaction;
  if (!tx) return ExecutionMode::NoTransaction;
  if (options.mixed) return ExecutionMode::Mixed;
  refuse(p, start_of(*non_tx), refused_in_block(*non_tx) + ", and line " + std::to_string(line_of(p, start_of(*tx))) +
                                "'s statement needs one; split the file, or set mixed=true");
}

void check_group(const std::vector<PreparedMigration>& prepared, const RoutingOptions& options) {
  if (!options.group) return;
  for (const PreparedMigration& p : prepared) {
    if (p.mode == ExecutionMode::InTransaction) continue;
    const Statement* non_tx = first(p.script, true);
    refuse(p, non_tx ? start_of(*non_tx) : 0,
           "group=true runs every pending migration in one transaction, but " + p.migration->script +
               " runs outside a transaction" + (non_tx ? " (" + refused_in_block(*non_tx) + ")" : std::string()) +
               "; migrate it without group first, or set group=false");
  }
}

}  // namespace strata::execute_detail
