#include "lint/rules.hpp"

namespace strata::lint_detail {

// DROP INDEX takes ACCESS EXCLUSIVE on the index's table; CONCURRENTLY waits for readers instead.
extern const Rule kRequireConcurrentIndexDeletion{
    "require-concurrent-index-deletion", LintSeverity::Warning,
    "DROP INDEX without CONCURRENTLY locks the table against reads and writes",
    "DROP INDEX CONCURRENTLY, alone in its migration",
    [](const RuleInput& in) {
      if (in.type != "DropStmt" || in.node.value("removeType", "") != "OBJECT_INDEX") return false;
      if (in.node.value("concurrent", false)) return false;
      for (const json& o : in.node.value("objects", json::array())) {
        const json items = o.value("List", json::object()).value("items", json::array());
        const std::string name = items.empty() ? "" : items.back().value("String", json::object()).value("sval", "");
        if (!in.schema.new_indexes.count(name)) return true;
      }
      return false;
    }};

}  // namespace strata::lint_detail
