#pragma once
// validate: what Flyway's validate finds wrong between the files and the history, read off a
// Reconciliation. A pure function: no I/O.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "strata/reconcile.hpp"

namespace strata {

// One of Flyway's ignoreMigrationPatterns, "<type>:<state>": type *, versioned or repeatable;
// state *, missing, pending, ignored or future (case-insensitive).
struct IgnorePattern {
  std::string type;   // lower case
  std::string state;  // lower case
  std::string text;   // as written
  bool matches(bool versioned, MigrationState state) const;
};

// Throws ConfigError naming the bad pattern and what is allowed.
std::vector<IgnorePattern> parse_ignore_patterns(const std::vector<std::string>& patterns);

enum class ProblemKind {
  FailedMigration,     // a success = false row
  AppliedNotResolved,  // applied, file gone
  IgnoredNotApplied,   // unapplied version below the current one, out-of-order off
  Pending,             // unapplied (standalone validate only)
  Outdated,            // repeatable changed since applied (standalone validate only)
  TypeMismatch,
  ChecksumMismatch,
  DescriptionMismatch,
};

struct ValidationProblem {
  ProblemKind kind;
  std::string file;     // the migration's path on disk, else its history `script`
  std::string version;  // "" for repeatables
  std::string message;  // one line: what is wrong
  std::string fix;      // one line: the command (or setting) that fixes it
  std::string code;     // Flyway's error code, e.g. CHECKSUM_MISMATCH
  std::string description;     // the migration's, as info shows it
  std::filesystem::path path;  // the file on disk; empty when there is none
};

struct ValidateOptions {
  std::vector<IgnorePattern> ignore;  // migrate adds *:pending, as Flyway's validateOnMigrate does
  // Inserted into each suggested command after its verb, e.g. " -e prod", so the fix can be
  // pasted as is.
  std::string command_args;
};

// Flyway's MigrationInfoImpl.validate over every migration, in info order.
std::vector<ValidationProblem> validate_migrations(const Reconciliation& rec, const ValidateOptions& options);

std::string_view problem_code(ProblemKind kind) noexcept;

}  // namespace strata
