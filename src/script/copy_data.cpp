#include "script/copy_data.hpp"

#include "script/lexer.hpp"

namespace strata::script_detail {

CopyRows find_copy_rows(std::string_view text, std::size_t statement, std::size_t after) {
  CopyRows rows;
  std::size_t i = after;
  // The rest of the statement's line may hold a comment; data there would be ambiguous.
  while (i < text.size() && text[i] != '\n') {
    if (text.substr(i, 2) == "--") {
      i = text.find('\n', i);
      if (i == std::string_view::npos) i = text.size();
    } else if (is_blank(text[i])) {
      ++i;
    } else {
      rows.problem = "text after COPY ... FROM STDIN; on the same line: its data rows start on the next line";
      rows.problem_at = i;
      return rows;
    }
  }
  rows.begin = i < text.size() ? i + 1 : text.size();
  for (std::size_t line = rows.begin; line < text.size();) {
    std::size_t eol = text.find('\n', line);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view content = text.substr(line, eol - line);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (content == "\\.") {
      rows.end = line;
      rows.resume = eol < text.size() ? eol + 1 : text.size();
      return rows;
    }
    line = eol + 1;
  }
  rows.problem = "COPY ... FROM STDIN has no line `\\.` ending its data rows";
  rows.problem_at = statement;
  return rows;
}

}  // namespace strata::script_detail
