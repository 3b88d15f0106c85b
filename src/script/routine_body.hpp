#pragma once
// PL/pgSQL bodies in a script: where a DO block's or a function's body starts (so the server's
// "PL/pgSQL function ... line N" points into the file) and whether it commits or rolls back (only
// allowed outside a transaction block). Private to src/script*.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace strata::script_detail {

struct RoutineBody {
  // DO, CREATE FUNCTION or CREATE PROCEDURE with a body in the text; CALL names `routine` only.
  bool has_body = false;
  std::size_t begin = 0;    // byte offset of the body's first character in the statement text
  int control_line = 0;     // body line (1 = the line the body starts on) of its first COMMIT or ROLLBACK
  bool control_is_commit = true;
  std::string routine;      // CREATE FUNCTION/PROCEDURE: the name created; CALL: the name called
  bool is_procedure = false;
  bool is_call = false;
  bool is_do = false;
};

// `stmt` is the statement's RawStmt "stmt" member, `sql` the text it was parsed from.
RoutineBody inspect_routine(const nlohmann::json& stmt, std::string_view sql);

// The first COMMIT or ROLLBACK of a PL/pgSQL body, by libpg_query's PL/pgSQL parser: its body
// line (0: none, or the body is not PL/pgSQL it can read) and whether it is a COMMIT.
std::pair<int, bool> first_transaction_control(std::string_view plpgsql_body);

}  // namespace strata::script_detail
