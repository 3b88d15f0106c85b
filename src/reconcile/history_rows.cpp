// Steps 2 and 3 of reconcile: the history rows, what repair's DELETE rows say, and what the
// rows say about the schema.
#include <algorithm>
#include <span>

#include "reconcile/steps.hpp"
#include "strata/error.hpp"

namespace strata::reconciling {
namespace {

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

[[noreturn]] void corrupt(const std::string& message) { throw ValidationFailed(message); }

// Calls visit(group) for each run of `members` that `same` holds together after sorting by
// `before`; rank order is kept inside a group, so no quadratic scan is needed.
template <class Before, class Same, class Visit>
void for_each_group(std::vector<std::uint32_t> members, Before before, Same same, Visit visit) {
  stable_sort_unless_sorted(members.begin(), members.end(), before);
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

}  // namespace

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
  stable_sort_unless_sorted(rows.begin(), rows.end(),
                            [](const Row& a, const Row& b) { return a.row->installed_rank < b.row->installed_rank; });
  return rows;
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

}  // namespace strata::reconciling
