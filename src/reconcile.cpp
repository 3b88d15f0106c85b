#include "strata/reconcile.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>

#include "strata/error.hpp"

// The rules below follow Flyway's MigrationInfoServiceImpl.refresh, MigrationInfoImpl (getState,
// compareTo), BaseAppliedMigration.getState and ResolvedMigration.getState (Flyway 9.x-10.x; the
// logic is unchanged through 13.0). Where the code looks odd, it is usually because Flyway is.
// `reconcile` at the bottom runs the steps in order; each step above it reads alone.

namespace strata {
namespace {

enum class RowType : std::uint8_t { Sql, Schema, Baseline, Delete, Undo, Other };

RowType classify(const std::string& type) {
  if (type == "SQL") return RowType::Sql;
  if (type == "SCHEMA") return RowType::Schema;
  if (type == "BASELINE") return RowType::Baseline;
  if (type == "DELETE") return RowType::Delete;
  // Teams' undo rows (UNDO_SQL, UNDO_JDBC, UNDO_SCRIPT): kept apart so the table can drop them.
  if (type.rfind("UNDO_", 0) == 0) return RowType::Undo;
  return RowType::Other;
}

// Flyway's "synthetic" types are never matched by repair's deleted marking.
bool synthetic(RowType t) {
  return t == RowType::Schema || t == RowType::Baseline || t == RowType::Delete;
}

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

[[noreturn]] void corrupt(const std::string& message) { throw ValidationFailed(message); }

// Flyway's MigrationVersion treats "nothing applied" (EMPTY) as lower than any version and a
// missing baseline (null) as lower than any version too; an empty optional plays both roles.
bool less(const Version& v, const std::optional<Version>& bound) { return bound && v < *bound; }

// ---------------------------------------------------------------------------------------------
// Step 1: the files, keyed as Flyway keys them: versioned by (version, type), repeatables by
// description.

struct Files {
  std::vector<const ResolvedMigration*> versioned;   // sorted by (version, type)
  std::vector<const ResolvedMigration*> repeatable;  // sorted by description, one per description
  std::optional<Version> highest;                    // the highest file version

  // Index into `versioned` / `repeatable`, or kNone.
  std::size_t find_versioned(const Version& v, const std::string& type) const;
  std::size_t find_repeatable(const std::string& description) const;
};

bool versioned_before(const ResolvedMigration& m, const Version& v, const std::string& type) {
  if (auto c = *m.version <=> v; c != 0) return c < 0;
  return m.type < type;
}

std::size_t Files::find_versioned(const Version& v, const std::string& type) const {
  auto it = std::partition_point(versioned.begin(), versioned.end(),
                                 [&](const ResolvedMigration* m) { return versioned_before(*m, v, type); });
  if (it == versioned.end() || !(*(*it)->version == v) || (*it)->type != type) return kNone;
  return static_cast<std::size_t>(it - versioned.begin());
}

std::size_t Files::find_repeatable(const std::string& description) const {
  auto it = std::lower_bound(repeatable.begin(), repeatable.end(), description,
                             [](const ResolvedMigration* m, const std::string& d) { return m->description < d; });
  if (it == repeatable.end() || (*it)->description != description) return kNone;
  return static_cast<std::size_t>(it - repeatable.begin());
}

Files index_files(const std::vector<ResolvedMigration>& resolved) {
  Files f;
  for (const ResolvedMigration& m : resolved) {
    if (!m.version) {
      f.repeatable.push_back(&m);
      continue;
    }
    f.versioned.push_back(&m);
    if (!f.highest || *m.version > *f.highest) f.highest = m.version;
  }
  std::stable_sort(f.versioned.begin(), f.versioned.end(), [](const ResolvedMigration* a, const ResolvedMigration* b) {
    return versioned_before(*a, *b->version, b->type);
  });
  std::stable_sort(f.repeatable.begin(), f.repeatable.end(),
                   [](const ResolvedMigration* a, const ResolvedMigration* b) { return a->description < b->description; });
  // Flyway keeps repeatables in a map by description: of two with the same one, the last wins.
  auto& rr = f.repeatable;
  std::size_t out = 0;
  for (std::size_t i = 0; i < rr.size(); ++i) {
    if (i + 1 < rr.size() && rr[i + 1]->description == rr[i]->description) continue;
    rr[out++] = rr[i];
  }
  rr.resize(out);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Step 2: the history rows, in installed_rank order, with what repair's DELETE rows say.

struct Row {
  const AppliedMigration* row = nullptr;
  std::optional<Version> version;
  const ResolvedMigration* resolved = nullptr;
  RowType type = RowType::Other;
  bool deleted = false;       // repair wrote a DELETE row for it
  bool out_of_order = false;  // applied after a higher version
  bool latest = false;        // repeatables: the newest row for its description
  bool hidden = false;        // a versioned DELETE row: Flyway folds it into the row it deletes
};

std::vector<Row> read_rows(const std::vector<AppliedMigration>& applied) {
  std::vector<Row> rows(applied.size());
  for (std::size_t i = 0; i < applied.size(); ++i) {
    Row& r = rows[i];
    r.row = &applied[i];
    r.type = classify(applied[i].type);
    if (!applied[i].version) continue;
    r.version = Version::parse(*applied[i].version);
    if (!r.version) {
      corrupt("Corrupted schema history: invalid version '" + *applied[i].version + "' at installed_rank " +
              std::to_string(applied[i].installed_rank));
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.row->installed_rank < b.row->installed_rank; });
  return rows;
}

// Calls visit(group) for each run of `members` that `same` holds together after sorting by
// `before`; rank order is kept inside a group, so no quadratic scan is needed.
template <class Before, class Same, class Visit>
void for_each_group(std::vector<std::uint32_t> members, Before before, Same same, Visit visit) {
  std::stable_sort(members.begin(), members.end(), before);
  for (std::size_t g = 0; g < members.size();) {
    std::size_t end = g + 1;
    while (end < members.size() && same(members[g], members[end])) ++end;
    visit(std::span<const std::uint32_t>(members).subspan(g, end - g));
    g = end;
  }
}

void mark_deleted_version(std::vector<Row>& rows, std::span<const std::uint32_t> group) {
  std::uint32_t last = kNone;  // newest non-synthetic row of this version so far
  for (std::uint32_t i : group) {
    Row& r = rows[i];
    if (r.type == RowType::Delete && r.row->success) {
      // Flyway 9+ repair: a DELETE row with the version marks the newest earlier row deleted
      // and is not listed itself. Two for one row means the history is corrupt.
      r.hidden = true;
      if (last == kNone) continue;
      if (rows[last].deleted) corrupt("Corrupted schema history: multiple delete entries for version " + r.version->text());
      rows[last].deleted = true;
    } else if (!synthetic(r.type)) {
      last = i;
    }
  }
}

void mark_deleted_repeatable(std::vector<Row>& rows, std::span<const std::uint32_t> group) {
  // Every row counts for "latest", DELETE rows included (Flyway's skip condition never holds).
  rows[group.back()].latest = true;
  std::uint32_t last = kNone;
  for (std::uint32_t i : group) {
    Row& r = rows[i];
    if (r.type == RowType::Delete && r.row->success) {
      // Unlike the versioned case, the DELETE row stays listed and repeats are not an error.
      if (last != kNone) rows[last].deleted = true;
    } else if (!synthetic(r.type)) {
      last = i;
    }
  }
}

void mark_deleted(std::vector<Row>& rows) {
  std::vector<std::uint32_t> versioned;
  std::vector<std::uint32_t> repeatable;
  for (std::uint32_t i = 0; i < rows.size(); ++i) (rows[i].version ? versioned : repeatable).push_back(i);
  for_each_group(
      std::move(versioned), [&](std::uint32_t a, std::uint32_t b) { return *rows[a].version < *rows[b].version; },
      [&](std::uint32_t a, std::uint32_t b) { return *rows[a].version == *rows[b].version; },
      [&](std::span<const std::uint32_t> group) { mark_deleted_version(rows, group); });
  for_each_group(
      std::move(repeatable),
      [&](std::uint32_t a, std::uint32_t b) { return rows[a].row->description < rows[b].row->description; },
      [&](std::uint32_t a, std::uint32_t b) { return rows[a].row->description == rows[b].row->description; },
      [&](std::span<const std::uint32_t> group) { mark_deleted_repeatable(rows, group); });
}

// ---------------------------------------------------------------------------------------------
// Step 3: what the applied rows say about the schema: its version, its baseline, and which rows
// came out of order.

struct Applied {
  // The schema version, as Flyway's `current()`. Failed, missing and future rows raise it too;
  // deleted ones do not.
  std::optional<Version> current;
  std::optional<Version> baseline;  // the newest BASELINE row's version
};

Applied scan_applied(std::vector<Row>& rows) {
  Applied out;
  for (Row& r : rows) {
    if (!r.version || r.hidden) continue;
    if (r.type == RowType::Baseline && (!out.baseline || *r.version > *out.baseline)) out.baseline = r.version;
    if (!out.current || *r.version > *out.current) {
      if (r.type != RowType::Delete && !r.deleted) out.current = r.version;
    } else {
      r.out_of_order = true;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Step 4: the target as a limit on versions to apply.

struct Limit {
  enum class Kind { None, Empty, Upto } kind = Kind::None;
  Version version;  // Upto only
  bool above(const Version& v) const {
    switch (kind) {
      case Kind::None: return false;
      case Kind::Empty: return true;
      case Kind::Upto: return v > version;
    }
    return false;
  }
};

Limit upto(const Version& v) {
  Limit limit;
  limit.kind = Limit::Kind::Upto;
  limit.version = v;
  return limit;
}

// `next` is left open here: it becomes a limit once the pending migrations are known (step 7).
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

// ---------------------------------------------------------------------------------------------
// Step 5: match rows to files; whatever no live row claims is left to apply.

struct Claimed {
  std::vector<char> versioned;   // parallel to Files::versioned
  std::vector<char> repeatable;  // parallel to Files::repeatable
};

Claimed match_rows_to_files(std::vector<Row>& rows, const Files& files) {
  Claimed claimed{std::vector<char>(files.versioned.size(), 0), std::vector<char>(files.repeatable.size(), 0)};
  for (Row& r : rows) {
    if (r.hidden) continue;
    const bool live = !r.deleted && r.type != RowType::Delete;
    if (r.version) {
      const std::size_t at = files.find_versioned(*r.version, canonical_type(r.row->type));
      if (at == kNone) continue;
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

// ---------------------------------------------------------------------------------------------
// Step 6: decide each migration's state.

struct Context {
  std::optional<Version> current;
  std::optional<Version> highest_file;
  std::optional<Version> baseline;
  Limit limit;
  bool out_of_order = false;
};

MigrationState applied_state(const Row& r, const Context& ctx) {
  if (r.deleted) return MigrationState::Deleted;
  const bool success = r.row->success;
  if (r.type == RowType::Delete) return MigrationState::Success;
  if (r.type == RowType::Baseline) return MigrationState::Baseline;
  const bool versioned = r.version.has_value();
  if (!r.resolved && (versioned || r.latest)) {
    if (r.type == RowType::Schema) return MigrationState::Schema;
    if (!versioned || less(*r.version, ctx.highest_file)) {
      return success ? MigrationState::Missing : MigrationState::MissingFailed;
    }
    return success ? MigrationState::Future : MigrationState::FutureFailed;
  }
  if (!success) return MigrationState::Failed;
  if (r.type == RowType::Schema) return MigrationState::Schema;
  if (!versioned) {
    if (!r.latest) return MigrationState::Superseded;
    return r.resolved && checksum_matches(*r.resolved, r.row->checksum) ? MigrationState::Success
                                                                        : MigrationState::Outdated;
  }
  return r.out_of_order ? MigrationState::OutOfOrder : MigrationState::Success;
}

MigrationState unapplied_state(const ResolvedMigration& m, const Context& ctx) {
  if (!m.version) return MigrationState::Pending;
  const Version& v = *m.version;
  // Flyway compares with the pending baseline (a baseline *migration*, which strata never
  // resolves) while nothing is applied, and with the applied baseline afterwards.
  if (ctx.current && ctx.baseline) {
    if (v < *ctx.baseline) return MigrationState::BelowBaseline;
    if (v == *ctx.baseline) return MigrationState::BaselineIgnored;
  }
  if (ctx.limit.above(v)) return MigrationState::AboveTarget;
  if (less(v, ctx.current) && !ctx.out_of_order) return MigrationState::Ignored;
  return MigrationState::Pending;
}

// Flyway's info order: files below (or at) the baseline first, then every history row by
// installed_rank, then the remaining files: versioned by version, repeatables by description.
struct Entry {
  MigrationInfo info;
  int group = 0;
  int rank = 0;
  const Version* version = nullptr;
  const std::string* description = nullptr;
};

bool entry_less(const Entry& a, const Entry& b) {
  if (a.group != b.group) return a.group < b.group;
  if (a.group == 1) return a.rank < b.rank;
  if (a.version && b.version) return *a.version < *b.version;
  if (a.version || b.version) return a.version != nullptr;
  return *a.description < *b.description;
}

std::vector<Entry> list_in_info_order(const std::vector<Row>& rows, const Files& files, const Claimed& claimed,
                                      const Context& ctx) {
  std::vector<Entry> entries;
  entries.reserve(rows.size() + files.versioned.size() + files.repeatable.size());
  for (const Row& r : rows) {
    if (!r.hidden) entries.push_back(Entry{{r.resolved, r.row, applied_state(r, ctx)}, 1, r.row->installed_rank});
  }
  for (std::size_t i = 0; i < files.versioned.size(); ++i) {
    if (claimed.versioned[i]) continue;
    const ResolvedMigration* m = files.versioned[i];
    const MigrationState state = unapplied_state(*m, ctx);
    const bool below = state == MigrationState::BelowBaseline || state == MigrationState::BaselineIgnored;
    entries.push_back(Entry{{m, nullptr, state}, below ? 0 : 2, 0, &*m->version});
  }
  for (std::size_t i = 0; i < files.repeatable.size(); ++i) {
    const ResolvedMigration* m = files.repeatable[i];
    if (!claimed.repeatable[i]) entries.push_back(Entry{{m, nullptr, MigrationState::Pending}, 2, 0, nullptr, &m->description});
  }
  std::stable_sort(entries.begin(), entries.end(), entry_less);
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Step 7: target `next` becomes the version of the first pending migration; a repeatable (no
// versioned one pending) leaves no limit at all, as Flyway's null target does.

void apply_next_target(std::vector<Entry>& entries, Context& ctx) {
  for (const Entry& e : entries) {
    if (e.info.state != MigrationState::Pending) continue;
    if (e.version) ctx.limit = upto(*e.version);
    break;
  }
  for (Entry& e : entries) {
    if (!e.info.applied && e.version) e.info.state = unapplied_state(*e.info.resolved, ctx);
  }
}

// ---------------------------------------------------------------------------------------------
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
