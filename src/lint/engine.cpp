// The Linter: each statement parsed once, judged by every rule, then recorded in the schema facts
// later statements are judged against.
#include <pg_query.h>

#include <algorithm>
#include <array>

#include "lint/rules.hpp"
#include "lint/suppress.hpp"
#include "script/lexer.hpp"

namespace strata {
namespace lint_detail {

extern const Rule kRequireConcurrentIndexCreation, kRequireConcurrentIndexDeletion, kAddingFieldWithVolatileDefault,
    kAddingSerialOrIdentityColumn, kAddingGeneratedStoredColumn, kChangingColumnType, kSettingNotNull,
    kAddingForeignKeyConstraint, kAddingCheckConstraint, kAddingUniqueConstraint, kRenamingTable, kRenamingColumn,
    kDroppingColumn, kVacuumFull, kCluster, kReindexWithoutConcurrently, kLockTable, kTruncate, kDropCascade,
    kAccessExclusiveWithoutLockTimeout, kMultipleAccessExclusiveTables, kTransactionControl;

std::span<const Rule* const> all_rules() {
  static const Rule* const kRules[] = {
      &kRequireConcurrentIndexCreation, &kRequireConcurrentIndexDeletion, &kAddingFieldWithVolatileDefault,
      &kAddingSerialOrIdentityColumn,   &kAddingGeneratedStoredColumn,    &kChangingColumnType,
      &kSettingNotNull,                 &kAddingForeignKeyConstraint,     &kAddingCheckConstraint,
      &kAddingUniqueConstraint,         &kRenamingTable,                  &kRenamingColumn,
      &kDroppingColumn,                 &kVacuumFull,                     &kCluster,
      &kReindexWithoutConcurrently,     &kLockTable,                      &kTruncate,
      &kDropCascade,                    &kAccessExclusiveWithoutLockTimeout, &kMultipleAccessExclusiveTables,
      &kTransactionControl};
  return kRules;
}

namespace {

// The statement's one parse tree node ({"IndexStmt": {...}}), or null when the parser rejects it
// (a placeholder not replaced yet): the lint then has nothing to say about it.
json parse_statement(std::string_view sql) {
  const std::string input(sql);
  PgQueryParseResult result = pg_query_parse(input.c_str());
  json stmt;
  if (!result.error) {
    const json tree = json::parse(result.parse_tree);
    const json stmts = tree.value("stmts", json::array());
    if (stmts.size() == 1) stmt = stmts.front().value("stmt", json::object());
  }
  pg_query_free_parse_result(result);
  return stmt;
}

// Bytes of whitespace and comments before the statement's first keyword.
std::size_t leading_trivia(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return sql.size();
    } else if (sql.substr(i, 2) == "/*") {
      const std::size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return sql.size();
      i = end + 2;
    } else {
      break;
    }
  }
  return i;
}

// Only these statements can be a node some rule or schema fact reads (rules.hpp, tree.cpp):
// CreateStmt, CreateTableAsStmt, IndexStmt, AlterTableStmt, RenameStmt, ClusterStmt, LockStmt,
// TruncateStmt, VacuumStmt, DropStmt, ReindexStmt, TransactionStmt and VariableSetStmt. Everything
// else (the INSERTs of a data migration, a function's body, a view, a grant) is judged without
// parsing it. A new rule on another node type adds its first keyword here.
constexpr std::array<std::string_view, 18> kReadKeywords{
    "alter", "analyse", "analyze", "begin",  "cluster", "commit", "create", "drop",     "end",
    "lock",  "reindex", "reset",   "rollback", "set",   "start",  "truncate", "vacuum", "abort"};

// CREATE statements of these kinds make none of the nodes above ("or": CREATE OR REPLACE, which
// exists for no table or index).
constexpr std::array<std::string_view, 14> kCreateNotRead{
    "function", "procedure", "or",     "trigger", "view", "type",   "domain",
    "extension", "schema",   "policy", "rule",    "role", "sequence", "aggregate"};

bool no_rule_reads(std::string_view sql) {
  using script_detail::second_keyword_is;
  using script_detail::starts_with_keyword;
  const auto starts = [sql](std::string_view word) { return starts_with_keyword(sql, word); };
  if (std::none_of(kReadKeywords.begin(), kReadKeywords.end(), starts)) return true;
  return starts_with_keyword(sql, "create") &&
         std::any_of(kCreateNotRead.begin(), kCreateNotRead.end(),
                     [sql](std::string_view word) { return second_keyword_is(sql, word); });
}

// Line and column of increasing offsets, counted on from the last one instead of from the start.
struct LineCursor {
  std::string_view text;
  std::size_t offset = 0;
  TextPosition position;

  TextPosition at(std::size_t to) {
    if (to < offset) {
      offset = 0;
      position = {};
    }
    position = advance_position(position, text.substr(offset), to - offset);
    offset = to;
    return position;
  }
};

}  // namespace
}  // namespace lint_detail

using namespace lint_detail;

struct Linter::State {
  Schema schema;
};

Linter::Linter(LintSettings settings, bool carry_new_tables)
    : settings_(std::move(settings)), carry_new_tables_(carry_new_tables), state_(std::make_unique<State>()) {}
Linter::~Linter() = default;
Linter::Linter(Linter&&) noexcept = default;

std::vector<LintFinding> Linter::lint(const std::string& file, std::string_view text, const std::vector<Splice>& splices,
                                      std::string_view original) {
  const std::string_view shown = original.empty() ? text : original;
  Schema& schema = state_->schema;
  if (!carry_new_tables_) {
    schema.new_tables.clear();
    schema.new_indexes.clear();
  }
  schema.lock_timeout_set = false;
  schema.exclusive_tables.clear();
  const Suppressions suppressions = read_suppressions(file, shown);
  std::vector<LintFinding> findings = suppressions.defects;
  // Batch by batch: a script of a million INSERTs is never split, nor parsed, at once.
  ScriptStream stream(text);
  SplitScript split;
  LineCursor cursor{shown, 0, {}};
  while (stream.next(split)) {
    for (const Statement& statement : split.statements) {
      if (statement.kind == StatementKind::NoTransaction) schema.exclusive_tables.clear();  // runs on its own
      if (no_rule_reads(statement.sql)) continue;
      const json stmt = parse_statement(statement.sql);
      if (!stmt.is_object() || stmt.empty()) continue;
      const RuleInput in{stmt.begin().key(), stmt.begin().value(), schema, settings_};
      std::size_t offset = statement.offset + leading_trivia(statement.sql);
      if (!splices.empty()) offset = original_offset(splices, offset);
      const TextPosition at = cursor.at(offset);
      for (const Rule* rule : all_rules()) {
        if (!rule->triggers(in)) continue;
        if (suppressions.ignores(rule->id, at.line, settings_.ignored_rules)) continue;
        findings.push_back({file, at.line, at.column, std::string(rule->id), rule->severity,
                            std::string(rule->message), std::string(rule->fix)});
      }
      record_statement(schema, in);
    }
  }
  return findings;
}

std::vector<LintRuleDoc> lint_rules() {
  std::vector<LintRuleDoc> docs;
  for (const Rule* rule : all_rules()) docs.push_back({rule->id, rule->severity, rule->message, rule->fix});
  docs.push_back(suppression_rule_doc());
  return docs;
}

}  // namespace strata
