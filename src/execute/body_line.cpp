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
  constexpr std::string_view kFrame = "PL/pgSQL function ";
  std::string_view rest = context;
  while (!rest.empty()) {
    const std::size_t eol = rest.find('\n');
    const std::string_view frame = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    if (!frame.starts_with(kFrame)) continue;
    const std::size_t at = frame.find(" line ");
    if (at == std::string_view::npos) continue;
    const int line = std::atoi(std::string(frame.substr(at + 6)).c_str());
    const Statement* body = body_of(frame.substr(kFrame.size(), at - kFrame.size()), failing, statements);
    if (line > 0 && body) return script.position(body->body_offset).line + line - 1;
  }
  return 0;
}

}  // namespace strata::execute_detail
