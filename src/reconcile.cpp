#include "strata/reconcile.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "strata/error.hpp"

// The rules below follow Flyway's MigrationInfoServiceImpl.refresh, MigrationInfoImpl (getState,
// compareTo), BaseAppliedMigration.getState and ResolvedMigration.getState (Flyway 9.x-10.x; the
// logic is unchanged through 13.0). Where the code looks odd, it is usually because Flyway is.

namespace strata {

bool checksum_matches(const ResolvedMigration& r, const std::optional<std::int32_t>& applied) {
  if (!applied) return false;
  return *applied == r.checksum || (r.equivalent_checksum && *applied == *r.equivalent_checksum);
}

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

// Flyway's MigrationVersion treats "nothing applied" (EMPTY) as lower than any version and a
// missing baseline (null) as lower than any version too; an empty optional plays both roles.
bool less(const Version& v, const std::optional<Version>& bound) { return bound && v < *bound; }

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

struct Context {
  std::optional<Version> last_applied;
  std::optional<Version> last_resolved;
  std::optional<Version> applied_baseline;
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
    if (!versioned || less(*r.version, ctx.last_resolved)) {
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
  if (ctx.last_applied && ctx.applied_baseline) {
    if (v < *ctx.applied_baseline) return MigrationState::BelowBaseline;
    if (v == *ctx.applied_baseline) return MigrationState::BaselineIgnored;
  }
  if (ctx.limit.above(v)) return MigrationState::AboveTarget;
  if (less(v, ctx.last_applied) && !ctx.out_of_order) return MigrationState::Ignored;
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

[[noreturn]] void corrupt(const std::string& message) { throw ValidationFailed(message); }

}  // namespace

bool is_failed(MigrationState s) noexcept {
  return s == MigrationState::Failed || s == MigrationState::MissingFailed || s == MigrationState::FutureFailed;
}

std::string_view state_name(MigrationState state) noexcept {
  switch (state) {
    case MigrationState::Pending: return "Pending";
    case MigrationState::AboveTarget: return "Above Target";
    case MigrationState::BelowBaseline: return "Below Baseline";
    case MigrationState::BaselineIgnored: return "Ignored (Baseline)";
    case MigrationState::Baseline: return "Baseline";
    case MigrationState::Ignored: return "Ignored";
    case MigrationState::Missing: return "Missing";
    case MigrationState::MissingFailed: return "Failed (Missing)";
    case MigrationState::Success: return "Success";
    case MigrationState::Failed: return "Failed";
    case MigrationState::OutOfOrder: return "Out of Order";
    case MigrationState::Future: return "Future";
    case MigrationState::FutureFailed: return "Failed (Future)";
    case MigrationState::Outdated: return "Outdated";
    case MigrationState::Superseded: return "Superseded";
    case MigrationState::Deleted: return "Deleted";
    case MigrationState::Schema: return "Success";
  }
  return "Unknown";
}

Target Target::parse(std::string_view text) {
  auto is = [&](std::string_view word) {
    return text.size() == word.size() &&
           std::equal(text.begin(), text.end(), word.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? char(a - 'A' + 'a') : a) == b;
           });
  };
  Target t;
  // Flyway also reads Long.MAX_VALUE, the way it prints `latest`, as latest.
  if (is("latest") || text == "9223372036854775807") return t;
  if (is("current")) {
    t.kind = Kind::Current;
    return t;
  }
  if (is("next")) {
    t.kind = Kind::Next;
    return t;
  }
  if (auto v = Version::parse(text)) {
    t.kind = Kind::Version;
    t.version = std::move(v);
    return t;
  }
  throw ConfigError("invalid target '" + std::string(text) +
                    "': expected latest, current, next or a version such as 1.2");
}

bool MigrationInfo::is_versioned() const {
  if (applied) return applied->version.has_value();
  return resolved && resolved->version.has_value();
}

std::optional<Version> MigrationInfo::version() const {
  if (applied) return applied->version ? Version::parse(*applied->version) : std::nullopt;
  return resolved ? resolved->version : std::nullopt;
}

std::string MigrationInfo::version_text() const {
  if (applied) {
    if (!applied->version) return {};
    std::string text = *applied->version;
    std::replace(text.begin(), text.end(), '_', '.');
    return text;
  }
  return resolved && resolved->version ? resolved->version->text() : std::string();
}

const std::string& MigrationInfo::description() const {
  static const std::string empty;
  return applied ? applied->description : resolved ? resolved->description : empty;
}

const std::string& MigrationInfo::type() const {
  static const std::string empty;
  return applied ? canonical_type(applied->type) : resolved ? resolved->type : empty;
}

const std::string& MigrationInfo::script() const {
  static const std::string empty;
  return applied ? applied->script : resolved ? resolved->script : empty;
}

Reconciliation reconcile(const std::vector<ResolvedMigration>& resolved,
                         const std::vector<AppliedMigration>& applied, const ReconcileOptions& options) {
  Context ctx;
  ctx.out_of_order = options.out_of_order;

  // --- Files: versioned keyed by (version, type), repeatables by description. ---
  std::vector<const ResolvedMigration*> rv;
  std::vector<const ResolvedMigration*> rr;
  for (const ResolvedMigration& m : resolved) {
    if (m.version) {
      rv.push_back(&m);
      if (!ctx.last_resolved || *m.version > *ctx.last_resolved) ctx.last_resolved = m.version;
    } else {
      rr.push_back(&m);
    }
  }
  auto rv_less = [](const ResolvedMigration* a, const ResolvedMigration* b) {
    if (auto c = *a->version <=> *b->version; c != 0) return c < 0;
    return a->type < b->type;
  };
  std::stable_sort(rv.begin(), rv.end(), rv_less);
  std::stable_sort(rr.begin(), rr.end(),
                   [](const ResolvedMigration* a, const ResolvedMigration* b) { return a->description < b->description; });
  // Flyway keeps repeatables in a map by description: of two with the same one, the last wins.
  {
    std::size_t out = 0;
    for (std::size_t i = 0; i < rr.size(); ++i) {
      if (i + 1 < rr.size() && rr[i + 1]->description == rr[i]->description) continue;
      rr[out++] = rr[i];
    }
    rr.resize(out);
  }
  auto find_versioned = [&](const Version& v, const std::string& type) -> std::size_t {
    auto it = std::lower_bound(rv.begin(), rv.end(), std::pair<const Version*, const std::string*>(&v, &type),
                               [](const ResolvedMigration* m, const std::pair<const Version*, const std::string*>& key) {
                                 if (auto c = *m->version <=> *key.first; c != 0) return c < 0;
                                 return m->type < *key.second;
                               });
    if (it == rv.end() || !(*(*it)->version == v) || (*it)->type != type) return kNone;
    return static_cast<std::size_t>(it - rv.begin());
  };
  auto find_repeatable = [&](const std::string& description) -> std::size_t {
    auto it = std::lower_bound(rr.begin(), rr.end(), description,
                               [](const ResolvedMigration* m, const std::string& d) { return m->description < d; });
    if (it == rr.end() || (*it)->description != description) return kNone;
    return static_cast<std::size_t>(it - rr.begin());
  };

  // --- History rows, in installed_rank order. ---
  std::vector<Row> rows(applied.size());
  for (std::size_t i = 0; i < applied.size(); ++i) {
    Row& r = rows[i];
    r.row = &applied[i];
    r.type = classify(applied[i].type);
    if (applied[i].version) {
      r.version = Version::parse(*applied[i].version);
      if (!r.version) {
        corrupt("Corrupted schema history: invalid version '" + *applied[i].version + "' at installed_rank " +
                std::to_string(applied[i].installed_rank));
      }
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.row->installed_rank < b.row->installed_rank; });

  // Group rows by identity (version, or description for repeatables) keeping rank order inside
  // a group, so repair's DELETE rows find the row they delete without a quadratic scan.
  std::vector<std::uint32_t> by_version;
  std::vector<std::uint32_t> by_description;
  for (std::uint32_t i = 0; i < rows.size(); ++i) (rows[i].version ? by_version : by_description).push_back(i);
  std::stable_sort(by_version.begin(), by_version.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return *rows[a].version < *rows[b].version; });
  std::stable_sort(by_description.begin(), by_description.end(), [&](std::uint32_t a, std::uint32_t b) {
    return rows[a].row->description < rows[b].row->description;
  });

  for (std::size_t g = 0; g < by_version.size();) {
    std::size_t end = g + 1;
    while (end < by_version.size() && *rows[by_version[end]].version == *rows[by_version[g]].version) ++end;
    std::uint32_t last = kNone;  // newest non-synthetic row of this version so far
    for (std::size_t k = g; k < end; ++k) {
      Row& r = rows[by_version[k]];
      if (r.type == RowType::Delete && r.row->success) {
        // Flyway 9+ repair: a DELETE row with the version marks the newest earlier row deleted
        // and is not listed itself. Two for one row means the history is corrupt.
        r.hidden = true;
        if (last != kNone) {
          if (rows[last].deleted) {
            corrupt("Corrupted schema history: multiple delete entries for version " + r.version->text());
          }
          rows[last].deleted = true;
        }
      } else if (!synthetic(r.type)) {
        last = by_version[k];
      }
    }
    g = end;
  }
  for (std::size_t g = 0; g < by_description.size();) {
    std::size_t end = g + 1;
    const std::string& d = rows[by_description[g]].row->description;
    while (end < by_description.size() && rows[by_description[end]].row->description == d) ++end;
    // Every row counts for "latest", DELETE rows included (Flyway's skip condition never holds).
    rows[by_description[end - 1]].latest = true;
    std::uint32_t last = kNone;
    for (std::size_t k = g; k < end; ++k) {
      Row& r = rows[by_description[k]];
      if (r.type == RowType::Delete && r.row->success) {
        // Unlike the versioned case, the DELETE row stays listed and repeats are not an error.
        if (last != kNone) rows[last].deleted = true;
      } else if (!synthetic(r.type)) {
        last = by_description[k];
      }
    }
    g = end;
  }

  for (Row& r : rows) {
    if (!r.version || r.hidden) continue;
    if (r.type == RowType::Baseline && (!ctx.applied_baseline || *r.version > *ctx.applied_baseline)) {
      ctx.applied_baseline = r.version;
    }
    if (!ctx.last_applied || *r.version > *ctx.last_applied) {
      // Failed, missing and future rows raise the bar too; deleted ones do not.
      if (r.type != RowType::Delete && !r.deleted) ctx.last_applied = r.version;
    } else {
      r.out_of_order = true;
    }
  }

  switch (options.target.kind) {
    case Target::Kind::Latest:
    case Target::Kind::Next:  // resolved after sorting, from the first pending migration
      break;
    case Target::Kind::Current:
      if (ctx.last_applied) {
        ctx.limit.kind = Limit::Kind::Upto;
        ctx.limit.version = *ctx.last_applied;
      } else {
        ctx.limit.kind = Limit::Kind::Empty;
      }
      break;
    case Target::Kind::Version:
      if (options.target.version) {
        ctx.limit.kind = Limit::Kind::Upto;
        ctx.limit.version = *options.target.version;
        // Flyway's failOnMissingTarget (default true): a target that names no migration is a typo
        // far more often than an intent, and would silently apply everything below it.
        const Version& want = *options.target.version;
        const bool known =
            std::any_of(rv.begin(), rv.end(), [&](const ResolvedMigration* m) { return *m->version == want; }) ||
            std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.version && *r.version == want; });
        if (!known) {
          throw ConfigError("no migration with target version " + want.text() +
                            " could be found; check --target, or that the migration exists");
        }
      }
      break;
  }

  // --- Match rows to files; whatever no live row claims is left to apply. ---
  std::vector<char> rv_done(rv.size(), 0);
  std::vector<char> rr_done(rr.size(), 0);
  for (Row& r : rows) {
    if (r.hidden) continue;
    if (r.version) {
      std::size_t at = find_versioned(*r.version, canonical_type(r.row->type));
      if (at == kNone) continue;
      r.resolved = rv[at];
      if (!r.deleted && r.type != RowType::Delete) rv_done[at] = 1;
    } else {
      std::size_t at = find_repeatable(r.row->description);
      if (at == kNone) continue;
      r.resolved = rr[at];
      // Only an unchanged file whose newest run is this row is done; a failed run counts.
      if (!r.deleted && r.type != RowType::Delete && r.latest && checksum_matches(*rr[at], r.row->checksum)) {
        rr_done[at] = 1;
      }
    }
  }

  std::vector<Entry> entries;
  entries.reserve(rows.size() + rv.size() + rr.size());
  for (const Row& r : rows) {
    if (r.hidden) continue;
    Entry e;
    e.info.resolved = r.resolved;
    e.info.applied = r.row;
    e.info.state = applied_state(r, ctx);
    e.group = 1;
    e.rank = r.row->installed_rank;
    entries.push_back(e);
  }
  for (std::size_t i = 0; i < rv.size(); ++i) {
    if (rv_done[i]) continue;
    Entry e;
    e.info.resolved = rv[i];
    e.info.state = unapplied_state(*rv[i], ctx);
    e.group = e.info.state == MigrationState::BelowBaseline || e.info.state == MigrationState::BaselineIgnored ? 0 : 2;
    e.version = &*rv[i]->version;
    entries.push_back(e);
  }
  for (std::size_t i = 0; i < rr.size(); ++i) {
    if (rr_done[i]) continue;
    Entry e;
    e.info.resolved = rr[i];
    e.info.state = MigrationState::Pending;
    e.group = 2;
    e.description = &rr[i]->description;
    entries.push_back(e);
  }
  std::stable_sort(entries.begin(), entries.end(), entry_less);

  const bool next = options.target.kind == Target::Kind::Next;
  if (next) {
    // `next` becomes the version of the first pending migration; a repeatable (no versioned one
    // pending) leaves no limit at all, as Flyway's null target does.
    for (const Entry& e : entries) {
      if (e.info.state != MigrationState::Pending) continue;
      if (e.version) {
        ctx.limit.kind = Limit::Kind::Upto;
        ctx.limit.version = *e.version;
      }
      break;
    }
    for (Entry& e : entries) {
      if (!e.info.applied && e.version) e.info.state = unapplied_state(*e.info.resolved, ctx);
    }
  }

  Reconciliation out;
  out.infos.reserve(entries.size());
  std::size_t failed_count = 0;
  const Version* current = nullptr;
  const AppliedMigration* first_failed = nullptr;
  MigrationState first_failed_state = MigrationState::Failed;
  for (const Entry& e : entries) {
    const MigrationInfo& info = e.info;
    out.infos.push_back(info);
    if (info.state == MigrationState::Pending && !(next && !out.pending.empty())) {
      out.pending.push_back(info.resolved);
    }
    if (is_failed(info.state)) {
      if (failed_count++ == 0) {
        first_failed = info.applied;
        first_failed_state = info.state;
      }
    }
  }
  for (const Row& r : rows) {
    if (r.hidden || !r.version || r.deleted || r.type == RowType::Delete) continue;
    if (!current || *r.version > *current) current = &*r.version;
  }
  if (current) out.current = *current;
  out.baseline = ctx.applied_baseline;
  // Migrate tolerates a lone failed future migration under the default ignoreMigrationPatterns
  // (*:future) and only warns; any other failed row stops it.
  if (first_failed && !(failed_count == 1 && first_failed_state == MigrationState::FutureFailed)) {
    out.failed = first_failed;
  }
  return out;
}

}  // namespace strata
