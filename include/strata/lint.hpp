#pragma once
// Safe-migration lint: each statement's parse tree checked for what locks or rewrites a live
// table, with the safer way to write it (docs/lint.md has a page per rule). No database
// dependency: the server version and the lock_timeout setting come in LintSettings.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/script.hpp"

namespace strata {

struct Config;

enum class LintSeverity { Warning, Error };
std::string_view severity_name(LintSeverity severity) noexcept;

struct LintFinding {
  std::string file;
  int line = 0;    // 1-based, in the file as written
  int column = 0;  // 1-based
  std::string rule;
  LintSeverity severity = LintSeverity::Warning;
  std::string message;
  std::string fix;  // the safe alternative
};

struct LintRuleDoc {
  std::string_view id;
  LintSeverity severity;
  std::string_view message;
  std::string_view fix;
};
// Every rule, in the order docs/lint.md lists them.
std::vector<LintRuleDoc> lint_rules();

struct LintSettings {
  int server_major = 15;                // the connected server's, else lintTargetVersion
  bool lock_timeout_configured = false;  // --lock-timeout / lockTimeout is set
  std::vector<std::string> ignored_rules;  // lint.ignore
};

enum class LintMode { Off, Warn, Error };

// lint (default warn), lintFailOn (default error), and lint.ignore, lintTargetVersion and
// lockTimeout of `config`; lint_settings throws ConfigError for a lintTargetVersion that is not a
// PostgreSQL major version.
LintMode lint_mode(const Config& config);
LintSeverity lint_fail_on(const Config& config);
LintSettings lint_settings(const Config& config);

// Lints scripts in the order they run. What earlier scripts declared (column types, validated
// NOT NULL checks) is remembered; the tables they created stay "new" only with
// carry_new_tables (migrate's pre-flight: created by an earlier migration of the same run).
class Linter {
 public:
  explicit Linter(LintSettings settings, bool carry_new_tables = false);
  ~Linter();
  Linter(Linter&&) noexcept;
  // `text` as it runs; `original` and `splices` (strata/migration.hpp) map its positions back to
  // the file as written when placeholders were replaced. Suppressions are read from the text.
  std::vector<LintFinding> lint(const std::string& file, std::string_view text,
                                const std::vector<Splice>& splices = {}, std::string_view original = {});

 private:
  struct State;
  LintSettings settings_;
  bool carry_new_tables_;
  std::unique_ptr<State> state_;
};

// "file:line:col: warning: RULE: message (fix: ...)", compiler style.
std::string format_finding(const LintFinding& finding);
// {"findings":[{file,line,column,rule,severity,message,fix}...], "warnings":N, "errors":N}
std::string findings_json(const std::vector<LintFinding>& findings);

}  // namespace strata

namespace strata {

struct ResolvedMigration;

// Lints `plan` in the order it runs, each file's text as it will run (placeholders replaced when
// they are), positions in the file as written; each finding names the file's path.
std::vector<LintFinding> lint_migrations(const std::vector<const ResolvedMigration*>& plan, Linter& linter);

// Whether any finding reaches `threshold`.
bool reaches(const std::vector<LintFinding>& findings, LintSeverity threshold);

}  // namespace strata
