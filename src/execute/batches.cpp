#include "execute/batches.hpp"

#include <algorithm>
#include <array>

#include "script/lexer.hpp"

namespace strata::execute_detail {

bool breaks_the_pipeline(const Statement& s) {
  static constexpr std::array<std::string_view, 9> kWords = {"begin", "start", "commit", "end", "rollback",
                                                              "abort", "prepare", "deallocate", "copy"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return script_detail::starts_with_keyword(s.sql, w); });
}

namespace {

// Which of the firsts digest_of keeps a statement is.
struct Firsts {
  bool transactional = false, non_transactional = false, copy = false, breaker = false, control = false;

  // Whether `s` is the first of anything still missing (and marks it found).
  bool keeps(const Statement& s) {
    bool keep = !s.routine.empty() || s.body_offset != std::string_view::npos;
    auto first = [&keep](bool& seen, bool is) {
      if (is && !seen) seen = keep = true;
    };
    first(transactional, s.kind == StatementKind::Transactional);
    first(non_transactional, s.kind == StatementKind::NoTransaction);
    first(copy, s.kind == StatementKind::CopyFromStdin);
    first(control, s.transaction_control_offset != std::string_view::npos);
    if (!breaker && breaks_the_pipeline(s)) breaker = keep = true;
    return keep;
  }
};

}  // namespace

SplitScript digest_of(std::string_view text) {
  SplitScript digest;
  Firsts firsts;
  ScriptStream stream(text);
  SplitScript batch;
  while (stream.next(batch)) {
    for (Statement& s : batch.statements)
      if (firsts.keeps(s)) digest.statements.push_back(std::move(s));
    digest.skipped.insert(digest.skipped.end(), batch.skipped.begin(), batch.skipped.end());
    if (!batch.parsed && digest.parsed) {
      digest.parsed = false;
      digest.parse_error = std::move(batch.parse_error);
      digest.parse_error_offset = batch.parse_error_offset;
    }
    if (batch.defect) digest.defect = std::move(batch.defect);
  }
  return digest;
}

void for_each_batch(const PreparedMigration& p, const std::function<void(const std::vector<Statement>&)>& each) {
  if (!p.streamed) return each(p.script.statements);
  ScriptStream stream(strip_bom(p.migration->sql));
  SplitScript batch;
  while (stream.next(batch)) each(batch.statements);
}

}  // namespace strata::execute_detail
