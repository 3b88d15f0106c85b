#pragma once
// Large migrations in bounded memory: above kStreamAbove bytes a migration is split twice, once
// before anything runs to judge it (keeping only the statements routing and error messages look
// at), and again batch by batch as it runs. Private to src/execute/.
#include <cstddef>
#include <functional>
#include <string_view>

#include "strata/script.hpp"
#include "strata/strategy.hpp"

namespace strata::execute_detail {

// Migrations larger than this are streamed; smaller ones keep every statement from the start.
constexpr std::size_t kStreamAbove = std::size_t{1} << 20;

// What the pre-flight keeps of a streamed script: its defect, parser verdict and skipped lines,
// and of its statements only the first transactional one, the first non-transactional one, the
// first COPY, the first that breaks a pipeline, the first with transaction control, and every DO
// block, function or procedure (to place errors raised in their bodies).
SplitScript digest_of(std::string_view text);

// A statement that begins or ends a transaction itself, DEALLOCATE, or any COPY: see
// pipelinable() in src/execute/pipelined.cpp.
bool breaks_the_pipeline(const Statement& s);

// Calls `each` with the statements of `p` in order: p.script's at once, or for a streamed
// migration each batch as it is split again (valid only during the call).
void for_each_batch(const PreparedMigration& p, const std::function<void(const std::vector<Statement>&)>& each);

}  // namespace strata::execute_detail
