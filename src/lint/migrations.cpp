#include "strata/lint.hpp"
#include "strata/migration.hpp"

namespace strata {

std::vector<LintFinding> lint_migrations(const std::vector<const ResolvedMigration*>& plan, Linter& linter) {
  std::vector<LintFinding> findings;
  for (const ResolvedMigration* m : plan) {
    std::vector<LintFinding> found = m->original_sql.empty()
                                         ? linter.lint(m->path.string(), m->sql)
                                         : linter.lint(m->path.string(), m->sql, m->splices, m->original_sql);
    findings.insert(findings.end(), found.begin(), found.end());
  }
  return findings;
}

bool reaches(const std::vector<LintFinding>& findings, LintSeverity threshold) {
  for (const LintFinding& f : findings)
    if (threshold == LintSeverity::Warning || f.severity == LintSeverity::Error) return true;
  return false;
}

}  // namespace strata
