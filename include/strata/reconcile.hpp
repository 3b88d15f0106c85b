#pragma once
// reconcile: files on disk + rows in the history -> per-migration states and the ordered plan.
// A pure function: no I/O of any kind.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/history.hpp"
#include "strata/migration.hpp"
#include "strata/version.hpp"

namespace strata {

// Flyway's MigrationState values (display names in `state_name`).
enum class MigrationState {
  Pending,
  AboveTarget,
  BelowBaseline,
  BaselineIgnored,  // "Ignored (Baseline)": file at exactly the applied baseline version
  Baseline,
  Ignored,
  Missing,        // applied successfully, file gone
  MissingFailed,  // "Failed (Missing)"
  Success,
  Failed,
  OutOfOrder,     // applied successfully out of order
  Future,         // applied, newer than any file
  FutureFailed,   // "Failed (Future)"
  Outdated,       // repeatable whose file changed since it was applied
  Superseded,     // older row of a repeatable that was applied again
  Deleted,        // marked deleted by repair (a DELETE row)
  Schema,         // Flyway's rank-0 schema-creation row ("Success" in Flyway's display)
};

std::string_view state_name(MigrationState state) noexcept;
// Failed, "Failed (Missing)" or "Failed (Future)": a success = false row.
bool is_failed(MigrationState state) noexcept;  // "Pending", "Above Target", ...

struct Target {
  enum class Kind { Latest, Current, Next, Version };
  Kind kind = Kind::Latest;
  std::optional<strata::Version> version;  // Kind::Version only
  // "latest", "current", "next" or a version; throws ConfigError otherwise.
  static Target parse(std::string_view text);
};

struct ReconcileOptions {
  Target target;
  bool out_of_order = false;
  // Skip pending versions below the baseline when a baseline row exists (Flyway does).
};

// One line of `info`: a file, a history row, or both.
struct MigrationInfo {
  const ResolvedMigration* resolved = nullptr;  // null: no file for it
  const AppliedMigration* applied = nullptr;    // null: never applied (or this file's latest run)
  MigrationState state = MigrationState::Pending;

  bool is_versioned() const;
  std::optional<Version> version() const;
  std::string version_text() const;  // "" for repeatables
  const std::string& description() const;
  const std::string& type() const;
  const std::string& script() const;
};

struct Reconciliation {
  // Every migration, in Flyway's info order. Pointers point into the inputs of `reconcile`,
  // which must outlive this.
  std::vector<MigrationInfo> infos;
  // What migrate would apply, in order: pending versioned ones (<= target), then new or
  // outdated repeatables ordered by description. With target `next`, only the first of them.
  std::vector<const ResolvedMigration*> pending;
  // The schema version, as Flyway's `current()`: the highest version among applied rows that
  // are not deleted, failed rows included (a failed non-transactional V3 makes it 3).
  std::optional<Version> current;
  // A failed row (non-transactional migration that failed) blocks migrate until repair: the
  // first failed row in info order, except a lone "Failed (Future)" one, which Flyway's default
  // ignoreMigrationPatterns (*:future) lets through with a warning.
  const AppliedMigration* failed = nullptr;
  // The version of the newest BASELINE row, if any.
  std::optional<Version> baseline;
};

// Whether a history row's checksum stands for this file: its checksum, or (repeatables with
// placeholders) the checksum of its raw text.
bool checksum_matches(const ResolvedMigration& resolved, const std::optional<std::int32_t>& applied);

// Flyway refuses to read a history row whose type it does not know (is_known_type), and so does
// strata: guessing would report the row's file as missing, and repair's DELETE row would have the
// next migrate apply it again. Throws ValidationFailed naming the first such row (installed_rank,
// version, type), with no repair suggested. `reconcile` calls it first; a command that changes
// rows before it reconciles (repair) calls it on the rows it loaded.
void require_known_types(const std::vector<AppliedMigration>& applied);

// Throws ValidationFailed for an unknown row type (require_known_types) or a corrupt history,
// ConfigError for a target version that names no migration.
Reconciliation reconcile(const std::vector<ResolvedMigration>& resolved,
                         const std::vector<AppliedMigration>& applied,
                         const ReconcileOptions& options);

}  // namespace strata
