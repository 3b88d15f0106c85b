// A run of a migration outside a transaction that dies in the middle of a concurrent index build
// (SIGKILL, a lost connection: the server then aborts the build) leaves an INVALID index and no
// history row. The next run applies the migration again, and `CREATE INDEX CONCURRENTLY IF NOT
// EXISTS` would then keep the INVALID index and record success. So before the migration's first
// statement the leftovers of its own builds are dropped; a VALID index is never touched.
#include "execute/invalid_index_heal.hpp"

#include <thread>

#include "strata/concurrent_index.hpp"
#include "strata/db.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/wait_watch.hpp"

namespace strata::execute_detail {
namespace {

constexpr const char* kColumns =
    "SELECT n.nspname, c.relname, i.indrelid::text FROM pg_catalog.pg_index i"
    " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace";
// What REINDEX CONCURRENTLY names its new (and, after the swap, its old) copy of an index.
constexpr const char* kReindexCopy = "'_cc(new|old)[0-9]*$'";

std::string candidates_sql(ConcurrentIndexTarget::Kind kind) {
  const std::string invalid = std::string(kColumns) + " WHERE NOT i.indisvalid AND ";
  switch (kind) {
    case ConcurrentIndexTarget::Kind::Create:
      return invalid + "i.indrelid = pg_catalog.to_regclass($1) AND c.relname = $2";
    case ConcurrentIndexTarget::Kind::ReindexTable:
      return invalid + "i.indrelid = pg_catalog.to_regclass($1) AND c.relname ~ " + kReindexCopy;
    case ConcurrentIndexTarget::Kind::ReindexIndex:
      // A copy's name is the index's, cut to fit 63 bytes, plus the suffix.
      return invalid + "c.relname ~ " + kReindexCopy +
             " AND (i.indrelid, true) IN (SELECT t.indrelid, pg_catalog.starts_with(tc.relname,"
             " pg_catalog.regexp_replace(c.relname, " + kReindexCopy + ", ''))"
             " FROM pg_catalog.pg_index t JOIN pg_catalog.pg_class tc ON tc.oid = t.indexrelid"
             " WHERE t.indexrelid = pg_catalog.to_regclass($1))";
  }
  return {};
}

bool plain_identifier(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string shown(const std::string& name) { return plain_identifier(name) ? name : quote_ident(name); }

// The other sessions building an index on `table_oid` (pg_stat_progress_create_index). A build
// by another role shows no table without pg_read_all_stats: counted too, to be safe.
std::vector<int> builders(Session& session, const std::string& table_oid) {
  std::vector<int> pids;
  for (const Row& r : session.query(
           "SELECT p.pid FROM pg_catalog.pg_stat_progress_create_index p"
           " WHERE p.pid <> pg_catalog.pg_backend_pid()"
           " AND p.datid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())"
           " AND (p.relid = $1::oid OR p.relid IS NULL) ORDER BY 1",
           {table_oid}))
    pids.push_back(std::stoi(r.at(0).value_or("0")));
  return pids;
}

MigrationFailed heal_failed(const PreparedMigration& p, const LeftoverIndex& x, const std::string& message,
                            const SqlError* cause) {
  SqlError e(message);
  if (cause) {
    e.sqlstate = cause->sqlstate;
    e.detail = cause->detail;
    e.hint = cause->hint;
  }
  MigrationFailed failure = migration_error(*p.migration, x.statement, e);
  const std::string note = "nothing of " + p.migration->script + " ran; the INVALID index " + x.shown +
                           " was left by an interrupted run of it";
  failure.detail = failure.detail.empty() ? note : failure.detail + "; " + note;
  return failure;
}

// Until no other session builds an index on the leftover's table, or the wait runs out.
void wait_for_builders(Session& session, const ExecuteOptions& options, const PreparedMigration& p,
                       const LeftoverIndex& x) {
  const auto start = Clock::now();
  auto report = start;
  for (std::vector<int> pids = builders(session, x.table_oid); !pids.empty(); pids = builders(session, x.table_oid)) {
    const Blocker builder = activity_of(session, pids.front());
    if (since(start) >= options.invalid_index_build_wait) {
      throw heal_failed(p, x, "the INVALID index " + x.shown + " cannot be dropped: " + describe(builder) +
                                  " is still building an index on its table after " +
                                  std::to_string(since(start).count() / 1000) + "s; end that session or wait for it, then migrate again",
                        nullptr);
    }
    if (Clock::now() >= report) {
      log::warn(p.migration->script + ": waiting for " + describe(builder) + ", which is building an index on the table of the INVALID index " +
                    x.shown + ", before dropping it",
                {{"migration", p.migration->script}, {"index", x.shown}, {"building_pid", builder.pid}});
      report += options.wait_report_interval;
    }
    throw_if_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

std::vector<LeftoverIndex> leftover_indexes(Session& session, const ExecuteOptions& options,
                                            const PreparedMigration& p) {
  std::vector<std::pair<ConcurrentIndexTarget, const Statement*>> targets;
  for (const Statement& s : p.script.statements)
    if (s.kind == StatementKind::NoTransaction)
      if (auto t = concurrent_index_target(s.sql)) targets.emplace_back(std::move(*t), &s);
  std::vector<LeftoverIndex> found;
  if (targets.empty()) return found;
  if (!options.session_reset.empty()) session.exec(options.session_reset);  // the run's search_path
  for (const auto& [t, statement] : targets) {
    const std::string relation = t.schema.empty() ? quote_ident(t.relation) : quote_ident(t.schema) + "." + quote_ident(t.relation);
    std::vector<Value> params{relation};
    if (t.kind == ConcurrentIndexTarget::Kind::Create) params.emplace_back(t.index);
    for (const Row& r : session.query(candidates_sql(t.kind), params)) {
      LeftoverIndex x;
      x.name = quote_ident(r.at(0).value_or("")) + "." + quote_ident(r.at(1).value_or(""));
      x.shown = shown(r.at(0).value_or("")) + "." + shown(r.at(1).value_or(""));
      x.table_oid = r.at(2).value_or("0");
      x.statement = statement;
      bool seen = false;
      for (const LeftoverIndex& y : found) seen = seen || y.name == x.name;
      if (!seen) found.push_back(std::move(x));
    }
  }
  return found;
}

void heal_invalid_indexes(Session& session, const ExecuteOptions& options, const PreparedMigration& p) {
  for (const LeftoverIndex& x : leftover_indexes(session, options, p)) {
    try {
      wait_for_builders(session, options, p, x);
      // The session that was building it may have finished it meanwhile.
      if (session.query("SELECT 1 FROM pg_catalog.pg_index WHERE indexrelid = pg_catalog.to_regclass($1) AND NOT indisvalid",
                        {x.name}).empty())
        continue;
      log::info("dropping invalid index " + x.shown + " left by an interrupted run of " + p.migration->script,
                {{"migration", p.migration->script}, {"index", x.shown}});
      session.exec("DROP INDEX CONCURRENTLY IF EXISTS " + x.name);
    } catch (const SqlError& e) {
      throw heal_failed(p, x, "cannot drop the INVALID index " + x.shown + ": " + e.what(), &e);
    }
  }
}

}  // namespace strata::execute_detail
