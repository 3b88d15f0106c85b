#include "lint/suppress.hpp"

#include <algorithm>
#include <regex>

namespace strata::lint_detail {
namespace {

constexpr LintRuleDoc kWithoutReason{
    "lint-ignore-without-reason", LintSeverity::Warning,
    "a strata:lint-ignore comment without a reason",
    "say why the risk is accepted: -- strata:lint-ignore RULE the table is empty in production"};

}  // namespace

LintRuleDoc suppression_rule_doc() { return kWithoutReason; }

bool Suppressions::ignores(std::string_view rule, int line, const std::vector<std::string>& ignored_rules) const {
  if (std::find(ignored_rules.begin(), ignored_rules.end(), rule) != ignored_rules.end()) return true;
  auto names = [&](int at) {
    auto it = rules_by_line.find(at);
    return it != rules_by_line.end() && std::find(it->second.begin(), it->second.end(), rule) != it->second.end();
  };
  if (names(line)) return true;
  for (int above = line - 1; std::binary_search(comment_lines.begin(), comment_lines.end(), above); --above)
    if (names(above)) return true;
  return false;
}

Suppressions read_suppressions(const std::string& file, std::string_view text) {
  static const std::regex kIgnore(R"(--\s*strata:lint-ignore\s+([A-Za-z0-9_-]+)[ \t]*([^\r\n]*))");
  Suppressions out;
  int line = 1;
  for (std::size_t begin = 0; begin <= text.size(); ++line) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(begin, end - begin);
    const std::size_t first = row.find_first_not_of(" \t");
    if (first != std::string_view::npos && row.substr(first, 2) == "--") out.comment_lines.push_back(line);
    // std::regex costs more than splitting and parsing the statements: run it only on the rare
    // line that holds the marker the pattern starts with.
    const std::string content = row.find("strata:lint-ignore") == std::string_view::npos ? std::string() : std::string(row);
    std::smatch m;
    if (!content.empty() && std::regex_search(content, m, kIgnore)) {
      out.rules_by_line[line].push_back(m[1].str());
      if (m[2].str().find_first_not_of(" \t") == std::string::npos)
        out.defects.push_back({file, line, static_cast<int>(m.position(0)) + 1, std::string(kWithoutReason.id),
                               kWithoutReason.severity, std::string(kWithoutReason.message),
                               std::string(kWithoutReason.fix)});
    }
    begin = end + 1;
  }
  return out;
}

}  // namespace strata::lint_detail
