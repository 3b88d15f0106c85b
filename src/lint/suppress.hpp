#pragma once
// `-- strata:lint-ignore RULE reason` comments, and lint.ignore. Private to src/lint.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "strata/lint.hpp"

namespace strata::lint_detail {

struct Suppressions {
  std::map<int, std::vector<std::string>> rules_by_line;  // line of the comment -> rules it ignores
  std::vector<int> comment_lines;                           // lines that are only a `--` comment, sorted
  std::vector<LintFinding> defects;                         // suppressions without a reason

  // Whether `rule` is ignored for a statement starting at `line`: by lint.ignore, or by a
  // suppression in the run of comment lines right above it (or on the same line, before it).
  bool ignores(std::string_view rule, int line, const std::vector<std::string>& ignored_rules) const;
};

Suppressions read_suppressions(const std::string& file, std::string_view text);
LintRuleDoc suppression_rule_doc();

}  // namespace strata::lint_detail
