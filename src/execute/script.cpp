// A script as written and as sent, and running one (a callback) in the session's transaction.
#include "execute/shared.hpp"
#include "strata/db.hpp"
#include "strata/interrupt.hpp"

namespace strata {

TextPosition ScriptSource::position(std::size_t offset) const {
  const std::string_view run = strip_bom(sent);
  if (written.empty() || !splices) return position_at(run, offset);
  // Splices count from the very start of the texts, byte-order mark included.
  const std::size_t raw = original_offset(*splices, offset + (sent.size() - run.size()));
  const std::string_view file = strip_bom(written);
  const std::size_t mark = written.size() - file.size();
  return position_at(file, raw > mark ? raw - mark : 0);
}

ScriptSource callback_source(const ResolvedCallback& c) {
  return {c.sql, c.original_sql, c.original_sql.empty() ? nullptr : &c.splices};
}

void execute_script(Session& session, const ScriptSource& script, const std::string& file, const std::string& what) {
  const SplitScript split = split_statements(strip_bom(script.sent));
  execute_detail::refuse_defect(split, script, file);
  const Statement* current = nullptr;
  try {
    for (const Statement& s : split.statements) {
      throw_if_interrupted();
      current = &s;
      execute_detail::run_statement(session, s);
    }
  } catch (const SqlError& e) {
    throw execute_detail::script_error(what, file, script, current, e, &split.statements);
  }
}

}  // namespace strata
