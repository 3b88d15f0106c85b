#include "strata/reconcile.hpp"

#include <algorithm>

#include "reconcile/steps.hpp"
#include "strata/error.hpp"

// The rules follow Flyway's MigrationInfoServiceImpl.refresh, MigrationInfoImpl (getState,
// compareTo), BaseAppliedMigration.getState and ResolvedMigration.getState (Flyway 9.x-10.x; the
// logic is unchanged through 13.0). Where the code looks odd, it is usually because Flyway is.
// `reconcile` at the bottom runs the steps in order (src/reconcile/steps.hpp lists them).

namespace strata {
namespace reconciling {

Limit upto(const Version& v) {
  Limit limit;
  limit.kind = Limit::Kind::Upto;
  limit.version = v;
  return limit;
}

namespace {

// Step 4: the target as a limit. `next` is left open here: it becomes a limit once the pending migrations are known (step 7).
Limit target_limit(const Target& target, const std::optional<Version>& current, const Files& files,
                   const std::vector<Row>& rows) {
  if (target.kind == Target::Kind::Current) return current ? upto(*current) : Limit{Limit::Kind::Empty, {}};
  if (target.kind != Target::Kind::Version || !target.version) return {};
  // Flyway's failOnMissingTarget (default true): a target that names no migration is a typo far
  // more often than an intent, and would silently apply everything below it.
  const Version& want = *target.version;
  const bool known =
      std::any_of(files.versioned.begin(), files.versioned.end(), [&](const ResolvedMigration* m) { return *m->version == want; }) ||
      std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.version && *r.version == want; });
  if (!known) {
    throw ConfigError("no migration with target version " + want.text() +
                      " could be found; check --target, or that the migration exists");
  }
  return upto(want);
}

// Step 5: match rows to files; whatever no live row claims is left to apply.
Claimed match_rows_to_files(std::vector<Row>& rows, const Files& files) {
  Claimed claimed{std::vector<char>(files.versioned.size(), 0), std::vector<char>(files.repeatable.size(), 0)};
  std::size_t next_versioned = 0;  // rows in rank order usually follow the files' version order
  for (Row& r : rows) {
    if (r.hidden) continue;
    const bool live = !r.deleted && r.type != RowType::Delete;
    if (r.version) {
      const std::size_t at = files.find_versioned(*r.version, canonical_type(r.row->type), next_versioned);
      if (at == kNone) continue;
      next_versioned = at + 1;
      r.resolved = files.versioned[at];
      if (live) claimed.versioned[at] = 1;
    } else {
      const std::size_t at = files.find_repeatable(r.row->description);
      if (at == kNone) continue;
      r.resolved = files.repeatable[at];
      // Only an unchanged file whose newest run is this row is done; a failed run counts.
      if (live && r.latest && checksum_matches(*r.resolved, r.row->checksum)) claimed.repeatable[at] = 1;
    }
  }
  return claimed;
}

// Step 8: the plan, and the failed row that blocks it.
Reconciliation summarize(const std::vector<Entry>& entries, const Context& ctx, bool only_next) {
  Reconciliation out;
  out.infos.reserve(entries.size());
  std::size_t failed_count = 0;
  MigrationState first_failed_state = MigrationState::Failed;
  for (const Entry& e : entries) {
    const MigrationInfo& info = e.info;
    out.infos.push_back(info);
    if (info.state == MigrationState::Pending && !(only_next && !out.pending.empty())) out.pending.push_back(info.resolved);
    if (is_failed(info.state) && failed_count++ == 0) {
      out.failed = info.applied;
      first_failed_state = info.state;
    }
  }
  // Migrate tolerates a lone failed future migration under the default ignoreMigrationPatterns
  // (*:future) and only warns; any other failed row stops it.
  if (failed_count == 1 && first_failed_state == MigrationState::FutureFailed) out.failed = nullptr;
  out.current = ctx.current;
  out.baseline = ctx.baseline;
  return out;
}

}  // namespace
}  // namespace reconciling

void require_known_types(const std::vector<AppliedMigration>& applied) {
  for (const AppliedMigration& row : applied) {
    if (is_known_type(row.type)) continue;
    const std::string what = row.version ? "version " + *row.version : "repeatable \"" + row.description + "\"";
    ValidationFailed e("schema history row installed_rank " + std::to_string(row.installed_rank) + " (" + what +
                       ", type " + row.type + ") has a type strata does not know; a newer Flyway or a hand edit wrote it");
    e.hint = "strata will not migrate, validate or repair while it is there: find out what the row records, then "
             "correct its type or delete it by hand";
    throw e;
  }
}

Reconciliation reconcile(const std::vector<ResolvedMigration>& resolved,
                         const std::vector<AppliedMigration>& applied, const ReconcileOptions& options) {
  using namespace reconciling;
  require_known_types(applied);
  const Files files = index_files(resolved);
  std::vector<Row> rows = read_rows(applied);
  mark_deleted(rows);
  const Applied schema = scan_applied(rows);

  Context ctx;
  ctx.current = schema.current;
  ctx.baseline = schema.baseline;
  ctx.highest_file = files.highest;
  ctx.out_of_order = options.out_of_order;
  ctx.limit = target_limit(options.target, schema.current, files, rows);

  const Claimed claimed = match_rows_to_files(rows, files);
  std::vector<Entry> entries = list_in_info_order(rows, files, claimed, ctx);
  const bool only_next = options.target.kind == Target::Kind::Next;
  if (only_next) apply_next_target(entries, ctx);
  return summarize(entries, ctx, only_next);
}

}  // namespace strata
