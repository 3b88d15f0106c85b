// The server names where inside a PL/pgSQL body an error was raised ("PL/pgSQL function
// inline_code_block line 3 at RAISE"), counting from the body's first line; the file line is that
// plus the line the body starts on, when the body is in the script.
#include <cctype>
#include <cstdlib>

#include "execute/shared.hpp"

namespace strata::execute_detail {
namespace {

// "s.\"My Fn\"(integer)" -> "My Fn"; "f(integer)" -> "f".
std::string routine_name(std::string_view signature) {
  signature = signature.substr(0, signature.find('('));
  if (!signature.empty() && signature.back() == '"') {
    const std::size_t open = signature.rfind('"', signature.size() - 2);
    return std::string(signature.substr(open + 1, signature.size() - open - 2));
  }
  const std::size_t dot = signature.rfind('.');
  if (dot != std::string_view::npos) signature.remove_prefix(dot + 1);
  std::string name(signature);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// The statement whose body the frame names: the failing DO block, or the latest CREATE of the
// function before the failing statement.
const Statement* body_of(std::string_view function, const Statement* failing, const std::vector<Statement>* statements) {
  if (function == "inline_code_block") return failing && failing->body_offset != std::string_view::npos ? failing : nullptr;
  if (!statements) return nullptr;
  const std::string name = routine_name(function);
  const Statement* found = nullptr;
  for (const Statement& s : *statements) {
    if (failing && s.offset > failing->offset) break;
    if (s.routine == name && s.body_offset != std::string_view::npos) found = &s;
  }
  return found;
}

}  // namespace

int body_line(const std::string& context, const Statement* failing, const std::vector<Statement>* statements,
              const ScriptSource& script) {
  // Frames come innermost first; Session gives the CONTEXT on one line, so they are found by text.
  constexpr std::string_view kFrame = "PL/pgSQL function ";
  const std::string_view text = context;
  for (std::size_t at = text.find(kFrame); at != std::string_view::npos; at = text.find(kFrame, at + 1)) {
    const std::size_t name = at + kFrame.size();
    const std::size_t line_at = text.find(" line ", name);
    if (line_at == std::string_view::npos) break;
    const int line = std::atoi(std::string(text.substr(line_at + 6, 12)).c_str());
    const Statement* body = body_of(text.substr(name, line_at - name), failing, statements);
    if (line > 0 && body) return script.position(body->body_offset).line + line - 1;
  }
  return 0;
}

}  // namespace strata::execute_detail
