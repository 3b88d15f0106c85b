#pragma once
// A statement's kind from its libpg_query parse tree (JSON). Private to src/script*.
#include <nlohmann/json_fwd.hpp>

#include "script/routine_body.hpp"
#include "strata/script.hpp"

namespace strata::script_detail {

struct Classified {
  StatementKind kind = StatementKind::Transactional;
  // NoTransaction: the command as PostgreSQL names it when it refuses it in a transaction block.
  std::string_view requirement;
  RoutineBody routine;  // DO, CREATE FUNCTION/PROCEDURE, CALL
};

// `stmt` is a RawStmt's "stmt" member, e.g. {"IndexStmt": {...}}.
Classified classify(const nlohmann::json& stmt);

}  // namespace strata::script_detail
