// Steps 6 and 7 of reconcile: each migration's state, in Flyway's info order.
#include <algorithm>

#include "reconcile/steps.hpp"

namespace strata::reconciling {
namespace {

// Flyway's MigrationVersion treats "nothing applied" (EMPTY) as lower than any version and a
// missing baseline (null) as lower than any version too; an empty optional plays both roles.
bool less(const Version& v, const std::optional<Version>& bound) { return bound && v < *bound; }

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

bool entry_less(const Entry& a, const Entry& b) {
  if (a.group != b.group) return a.group < b.group;
  if (a.group == 1) return a.rank < b.rank;
  if (a.version && b.version) return *a.version < *b.version;
  if (a.version || b.version) return a.version != nullptr;
  return *a.description < *b.description;
}

}  // namespace

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
  stable_sort_unless_sorted(entries.begin(), entries.end(), entry_less);
  return entries;
}

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

}  // namespace strata::reconciling
