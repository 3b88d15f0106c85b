#include "strata/validate.hpp"

#include <algorithm>

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

std::string checksum_text(const std::optional<std::int32_t>& c) { return c ? std::to_string(*c) : "null"; }

}  // namespace

bool IgnorePattern::matches(bool versioned, MigrationState s) const {
  if (state != "*" && lower(state_name(s)) != state) return false;
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
  const auto& ignore = options.ignore;
  const bool pending_ignored = ignores_everywhere(ignore, MigrationState::Pending, "pending");
  const bool ignored_ignored = ignores_everywhere(ignore, MigrationState::Ignored, "ignored");
  const bool missing_ignored = ignores_everywhere(ignore, MigrationState::Missing, "missing");
  const bool future_ignored = ignores_everywhere(ignore, MigrationState::Future, "future");
  const std::string args = options.command_args;
  const std::string repair = "`strata repair" + args + "`";
  const std::string migrate = "`strata migrate" + args + "`";

  std::vector<ValidationProblem> out;
  for (const MigrationInfo& info : rec.infos) {
    const MigrationState state = info.state;
    if (state == MigrationState::AboveTarget || state == MigrationState::Deleted) continue;
    const bool versioned = info.is_versioned();
    if (std::any_of(ignore.begin(), ignore.end(), [&](const IgnorePattern& p) { return p.matches(versioned, state); })) {
      continue;
    }
    auto add = [&](ProblemKind kind, std::string message, std::string fix) {
      ValidationProblem p{kind,
                          where(info),
                          info.version_text(),
                          std::move(message),
                          std::move(fix),
                          std::string(problem_code(kind)),
                          info.description(),
                          info.resolved ? info.resolved->path : std::filesystem::path()};
      out.push_back(std::move(p));
    };

    if (is_failed(state) && !(future_ignored && state == MigrationState::FutureFailed)) {
      add(ProblemKind::FailedMigration,
          label(info) + " (" + info.description() + ") is recorded as failed in the schema history",
          "remove whatever it half-applied, then run " + repair + " to delete the failed row");
      continue;
    }

    const AppliedMigration* applied = info.applied;
    const bool synthetic = applied && (is_synthetic_type(applied->type) || is_undo_type(applied->type));
    if (!info.resolved && applied && !synthetic && state != MigrationState::Superseded &&
        !(missing_ignored && (state == MigrationState::Missing || state == MigrationState::MissingFailed)) &&
        !(future_ignored && (state == MigrationState::Future || state == MigrationState::FutureFailed))) {
      add(ProblemKind::AppliedNotResolved,
          label(info) + " (" + applied->script + ") is applied but no such file is in the locations",
          "restore the file, or run " + repair + " to mark it as deleted if it was removed on purpose");
      continue;
    }

    if (!ignored_ignored && state == MigrationState::Ignored && info.resolved) {
      add(ProblemKind::IgnoredNotApplied,
          label(info) + " is not applied and is below the current version " +
              (rec.current ? rec.current->text() : std::string("?")),
          "run " + std::string("`strata migrate --out-of-order") + args +
              "` to apply it, or set --ignore-migration-patterns='*:ignored' to skip it");
      continue;
    }

    if (!pending_ignored && state == MigrationState::Pending) {
      add(ProblemKind::Pending, label(info) + " is not applied yet",
          "run " + migrate + ", or set --ignore-migration-patterns='*:pending'");
      continue;
    }

    if (!pending_ignored && state == MigrationState::Outdated) {
      add(ProblemKind::Outdated, label(info) + " changed since it was last applied",
          "run " + migrate + " to re-apply it");
      continue;
    }

    if (info.resolved && applied && applied->type != "DELETE" && !is_undo_type(applied->type)) {
      const std::optional<Version> version = info.version();
      if (version && rec.baseline && !(*version > *rec.baseline)) continue;
      const std::string what = versioned ? label(info) : applied->script;
      const std::string fix = "revert the change to the file, or run " + repair +
                              " to record the file as it is now if the change is intended";
      if (info.resolved->type != canonical_type(applied->type)) {
        add(ProblemKind::TypeMismatch,
            "type mismatch for " + what + ": applied to database " + applied->type + ", resolved locally " +
                info.resolved->type,
            fix);
        continue;
      }
      if ((versioned || (pending_ignored && state != MigrationState::Outdated && state != MigrationState::Superseded)) &&
          !checksum_matches(*info.resolved, applied->checksum)) {
        add(ProblemKind::ChecksumMismatch,
            "checksum mismatch for " + what + ": applied to database " + checksum_text(applied->checksum) +
                ", resolved locally " + std::to_string(info.resolved->checksum),
            fix);
        continue;
      }
      if (fit_description(info.resolved->description) != applied->description) {
        add(ProblemKind::DescriptionMismatch,
            "description mismatch for " + what + ": applied to database " + quoted(applied->description) +
                ", resolved locally " + quoted(info.resolved->description),
            fix);
        continue;
      }
    }
  }
  return out;
}

}  // namespace strata
