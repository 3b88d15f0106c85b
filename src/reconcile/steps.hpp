#pragma once
// The steps of `reconcile` (src/reconcile.cpp runs them in order) and what they hand each other.
// Private to strata_core; pure like reconcile itself.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "strata/reconcile.hpp"

namespace strata::reconciling {

// A history row's type as far as the rules care (history.hpp has the full list).
enum class RowType : std::uint8_t { Sql, Schema, Baseline, Delete, Undo, Other };

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// std::stable_sort, after one pass that finds the range already in order: files arrive sorted
// by version, and rows by installed_rank and (nearly always) by version too.
template <class It, class Less>
void stable_sort_unless_sorted(It first, It last, Less less) {
  if (!std::is_sorted(first, last, less)) std::stable_sort(first, last, less);
}

// Step 1 (files.cpp): the files, keyed as Flyway keys them: versioned by (version, type),
// repeatables by description.
struct Files {
  std::vector<const ResolvedMigration*> versioned;   // sorted by (version, type)
  std::vector<const ResolvedMigration*> repeatable;  // sorted by description, one per description
  std::optional<Version> highest;                    // the highest file version

  // Index into `versioned` / `repeatable`, or kNone. `hint` is where the caller expects it (the
  // one after its last match): checked first, it saves the binary search when rows and files
  // come in one order.
  std::size_t find_versioned(const Version& v, const std::string& type, std::size_t hint = kNone) const;
  std::size_t find_repeatable(const std::string& description) const;
};

Files index_files(const std::vector<ResolvedMigration>& resolved);

// Step 2 (history_rows.cpp): the history rows, in installed_rank order, with what repair's DELETE
// rows say. Throws ValidationFailed for an invalid version or two DELETE rows for one row.
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

std::vector<Row> read_rows(const std::vector<AppliedMigration>& applied);
void mark_deleted(std::vector<Row>& rows);

// Step 3 (history_rows.cpp): what the applied rows say about the schema: its version, its
// baseline, and which rows came out of order.
struct Applied {
  // The schema version, as Flyway's `current()`. Failed, missing and future rows raise it too;
  // deleted ones do not.
  std::optional<Version> current;
  std::optional<Version> baseline;  // the newest BASELINE row's version
};

Applied scan_applied(std::vector<Row>& rows);

// Step 4 (reconcile.cpp): the target as a limit on versions to apply.
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

Limit upto(const Version& v);

// Step 5 (reconcile.cpp): match rows to files; whatever no live row claims is left to apply.
struct Claimed {
  std::vector<char> versioned;   // parallel to Files::versioned
  std::vector<char> repeatable;  // parallel to Files::repeatable
};

// Step 6 (states.cpp): each migration's state, in Flyway's info order.
struct Context {
  std::optional<Version> current;
  std::optional<Version> highest_file;
  std::optional<Version> baseline;
  Limit limit;
  bool out_of_order = false;
};

// Flyway's info order: files below (or at) the baseline first, then every history row by
// installed_rank, then the remaining files: versioned by version, repeatables by description.
struct Entry {
  MigrationInfo info;
  int group = 0;
  int rank = 0;
  const Version* version = nullptr;
  const std::string* description = nullptr;
};

std::vector<Entry> list_in_info_order(const std::vector<Row>& rows, const Files& files, const Claimed& claimed,
                                      const Context& ctx);

// Step 7 (states.cpp): target `next` becomes the version of the first pending migration; a
// repeatable (no versioned one pending) leaves no limit at all, as Flyway's null target does.
void apply_next_target(std::vector<Entry>& entries, Context& ctx);

}  // namespace strata::reconciling
