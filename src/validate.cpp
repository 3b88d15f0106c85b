#include "strata/validate.hpp"

#include <algorithm>
#include <optional>

#include "strata/error.hpp"
#include "text.hpp"

// The rules and their order follow Flyway 10's MigrationInfoImpl.validate, ValidatePattern and
// ValidatePatternUtils; the messages are strata's own, one line each, with the fix beside them.

namespace strata {
namespace {

constexpr std::string_view kTypes[] = {"*", "repeatable", "versioned"};
constexpr std::string_view kStates[] = {"*", "missing", "pending", "ignored", "future"};

bool ignores_everywhere(const std::vector<IgnorePattern>& patterns, MigrationState state, std::string_view word) {
  // Flyway's isPendingIgnored & co.: "*:<state>", or patterns that together cover both kinds.
  bool versioned = false, repeatable = false;
  for (const IgnorePattern& p : patterns) {
    if (p.type == "*" && p.state == word) return true;
    versioned = versioned || p.matches(true, state);
    repeatable = repeatable || p.matches(false, state);
  }
  return versioned && repeatable;
}

std::string label(const MigrationInfo& info) {
  if (info.is_versioned()) return "version " + info.version_text();
  return "repeatable migration \"" + info.description() + "\"";
}

std::string where(const MigrationInfo& info) {
  if (info.resolved) return info.resolved->path.string();
  return info.script();
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// A pattern's state is one word in lower case; a state's name is compared to it without a copy.
bool equals_ignoring_case(std::string_view name, std::string_view lower_word) {
  return name.size() == lower_word.size() &&
         std::equal(name.begin(), name.end(), lower_word.begin(),
                    [](char a, char b) { return (a >= 'A' && a <= 'Z' ? char(a - 'A' + 'a') : a) == b; });
}

// fit_description keeps a description of at most this many bytes as it is (200 UTF-16 units
// are never fewer than 200 bytes).
constexpr std::size_t kDescriptionFitsBytes = 200;

std::string checksum_text(const std::optional<std::int32_t>& c) { return c ? std::to_string(*c) : "null"; }

// What every rule needs to know besides the migration: the patterns, the schema's versions and
// the arguments to paste into a suggested command.
struct Rules {
  Rules(const Reconciliation& rec, const ValidateOptions& options)
      : rec(rec),
        ignore(options.ignore),
        pending_ignored(ignores_everywhere(ignore, MigrationState::Pending, "pending")),
        ignored_ignored(ignores_everywhere(ignore, MigrationState::Ignored, "ignored")),
        missing_ignored(ignores_everywhere(ignore, MigrationState::Missing, "missing")),
        future_ignored(ignores_everywhere(ignore, MigrationState::Future, "future")),
        args(options.command_args),
        repair("`strata repair" + args + "`"),
        migrate("`strata migrate" + args + "`") {}

  // Above-target and deleted migrations, and whatever a pattern ignores, are never a problem.
  bool skips(const MigrationInfo& info) const {
    if (info.state == MigrationState::AboveTarget || info.state == MigrationState::Deleted) return true;
    return std::any_of(ignore.begin(), ignore.end(),
                       [&](const IgnorePattern& p) { return p.matches(info.is_versioned(), info.state); });
  }

  const Reconciliation& rec;
  const std::vector<IgnorePattern>& ignore;
  bool pending_ignored, ignored_ignored, missing_ignored, future_ignored;
  std::string args, repair, migrate;
};

using Found = std::optional<ValidationProblem>;

ValidationProblem problem(const MigrationInfo& info, ProblemKind kind, std::string message, std::string fix) {
  return ValidationProblem{kind,
                           where(info),
                           info.version_text(),
                           std::move(message),
                           std::move(fix),
                           std::string(problem_code(kind)),
                           info.description(),
                           info.resolved ? info.resolved->path : std::filesystem::path()};
}

Found failed_row(const MigrationInfo& info, const Rules& r) {
  if (!is_failed(info.state) || (r.future_ignored && info.state == MigrationState::FutureFailed)) return {};
  return problem(info, ProblemKind::FailedMigration,
                 label(info) + " (" + info.description() + ") is recorded as failed in the schema history",
                 "remove whatever it half-applied, then run " + r.repair + " to delete the failed row");
}

Found file_gone(const MigrationInfo& info, const Rules& r) {
  const AppliedMigration* applied = info.applied;
  const MigrationState s = info.state;
  if (info.resolved || !applied || is_synthetic_type(applied->type) || is_undo_type(applied->type)) return {};
  if (s == MigrationState::Superseded) return {};
  if (r.missing_ignored && (s == MigrationState::Missing || s == MigrationState::MissingFailed)) return {};
  if (r.future_ignored && (s == MigrationState::Future || s == MigrationState::FutureFailed)) return {};
  return problem(info, ProblemKind::AppliedNotResolved,
                 label(info) + " (" + applied->script + ") is applied but no such file is in the locations",
                 "restore the file, or run " + r.repair + " to mark it as deleted if it was removed on purpose");
}

Found below_current(const MigrationInfo& info, const Rules& r) {
  if (r.ignored_ignored || info.state != MigrationState::Ignored || !info.resolved) return {};
  return problem(info, ProblemKind::IgnoredNotApplied,
                 label(info) + " is not applied and is below the current version " +
                     (r.rec.current ? r.rec.current->text() : std::string("?")),
                 "run `strata migrate --out-of-order" + r.args +
                     "` to apply it, or set --ignore-migration-patterns='*:ignored' to skip it");
}

Found not_applied(const MigrationInfo& info, const Rules& r) {
  if (r.pending_ignored || info.state != MigrationState::Pending) return {};
  return problem(info, ProblemKind::Pending, label(info) + " is not applied yet",
                 "run " + r.migrate + ", or set --ignore-migration-patterns='*:pending'");
}

Found outdated(const MigrationInfo& info, const Rules& r) {
  if (r.pending_ignored || info.state != MigrationState::Outdated) return {};
  return problem(info, ProblemKind::Outdated, label(info) + " changed since it was last applied",
                 "run " + r.migrate + " to re-apply it");
}

// Whether the row records the file's description: the file's as the history stores it (a long
// one cut to fit), compared without a copy in the usual case of one that fits.
bool same_description(const std::string& file, const std::string& applied) {
  if (file.size() <= kDescriptionFitsBytes) return file == applied;
  return fit_description(file) == applied;
}

// The file and its row disagree on type, checksum or description (in that order). Every applied
// migration passes here on each migrate, so the messages are only built for a problem.
Found file_changed(const MigrationInfo& info, const Rules& r) {
  const AppliedMigration* applied = info.applied;
  const ResolvedMigration* file = info.resolved;
  if (!file || !applied || applied->type == "DELETE" || is_undo_type(applied->type)) return {};
  // The row was matched to the file by version, so the file's version stands for the row's.
  const std::optional<Version>& version = file->version;
  if (version && r.rec.baseline && !(*version > *r.rec.baseline)) return {};
  const bool versioned = info.is_versioned();
  const auto what = [&] { return versioned ? label(info) : applied->script; };
  const auto fix = [&] {
    return "revert the change to the file, or run " + r.repair +
           " to record the file as it is now if the change is intended";
  };
  if (file->type != canonical_type(applied->type)) {
    return problem(info, ProblemKind::TypeMismatch,
                   "type mismatch for " + what() + ": applied to database " + applied->type + ", resolved locally " +
                       file->type,
                   fix());
  }
  const bool compare_checksum = versioned || (r.pending_ignored && info.state != MigrationState::Outdated &&
                                              info.state != MigrationState::Superseded);
  if (compare_checksum && !checksum_matches(*file, applied->checksum)) {
    return problem(info, ProblemKind::ChecksumMismatch,
                   "checksum mismatch for " + what() + ": applied to database " + checksum_text(applied->checksum) +
                       ", resolved locally " + std::to_string(file->checksum),
                   fix());
  }
  if (same_description(file->description, applied->description)) return {};
  return problem(info, ProblemKind::DescriptionMismatch,
                 "description mismatch for " + what() + ": applied to database " + quoted(applied->description) +
                     ", resolved locally " + quoted(file->description),
                 fix());
}

using Rule = Found (*)(const MigrationInfo&, const Rules&);
// Flyway's MigrationInfoImpl.validate order.
constexpr Rule kRules[] = {failed_row, file_gone, below_current, not_applied, outdated, file_changed};

}  // namespace

bool IgnorePattern::matches(bool versioned, MigrationState s) const {
  if (state != "*" && !equals_ignoring_case(state_name(s), state)) return false;
  if (type == "*") return true;
  return versioned ? type == "versioned" : type == "repeatable";
}

std::vector<IgnorePattern> parse_ignore_patterns(const std::vector<std::string>& patterns) {
  std::vector<IgnorePattern> out;
  for (const std::string& text : patterns) {
    const std::size_t colon = text.find(':');
    if (colon == std::string::npos || text.find(':', colon + 1) != std::string::npos) {
      throw ConfigError("invalid ignoreMigrationPatterns entry '" + text +
                        "': expected <type>:<state>, e.g. *:missing or versioned:pending");
    }
    IgnorePattern p{lower(trim(std::string_view(text).substr(0, colon))),
                    lower(trim(std::string_view(text).substr(colon + 1))), text};
    if (std::find(std::begin(kTypes), std::end(kTypes), p.type) == std::end(kTypes)) {
      throw ConfigError("invalid migration type in ignoreMigrationPatterns entry '" + text +
                        "': expected *, repeatable or versioned");
    }
    if (std::find(std::begin(kStates), std::end(kStates), p.state) == std::end(kStates)) {
      throw ConfigError("invalid migration state in ignoreMigrationPatterns entry '" + text +
                        "': expected *, missing, pending, ignored or future");
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string_view problem_code(ProblemKind kind) noexcept {
  switch (kind) {
    case ProblemKind::FailedMigration: return "FAILED_MIGRATION";
    case ProblemKind::AppliedNotResolved: return "APPLIED_MIGRATION_NOT_RESOLVED";
    case ProblemKind::IgnoredNotApplied: return "RESOLVED_MIGRATION_NOT_APPLIED";
    case ProblemKind::Pending: return "RESOLVED_MIGRATION_NOT_APPLIED";
    case ProblemKind::Outdated: return "OUTDATED_REPEATABLE_MIGRATION";
    case ProblemKind::TypeMismatch: return "TYPE_MISMATCH";
    case ProblemKind::ChecksumMismatch: return "CHECKSUM_MISMATCH";
    case ProblemKind::DescriptionMismatch: return "DESCRIPTION_MISMATCH";
  }
  return "VALIDATE_ERROR";
}

std::vector<ValidationProblem> validate_migrations(const Reconciliation& rec, const ValidateOptions& options) {
  const Rules rules(rec, options);
  std::vector<ValidationProblem> out;
  for (const MigrationInfo& info : rec.infos) {
    if (rules.skips(info)) continue;
    // A migration reports the first rule it breaks, in Flyway's order.
    for (const Rule rule : kRules) {
      if (std::optional<ValidationProblem> p = rule(info, rules)) {
        out.push_back(std::move(*p));
        break;
      }
    }
  }
  return out;
}

}  // namespace strata
