#include "script/lexer.hpp"

namespace strata::script_detail {
namespace {

bool ident_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

struct Scan {
  std::string_view text;
  std::size_t i = 0;
  StatementEnd result;

  bool at(std::size_t k, char c) const { return k < text.size() && text[k] == c; }

  // Only blanks between the line's start and `k`.
  bool starts_line(std::size_t k) const {
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t')) --k;
    return k == 0 || text[k - 1] == '\n' || text[k - 1] == '\r';
  }

  void fail(std::size_t opened_at, std::string_view cause) {
    result.unterminated = true;
    result.opened_at = opened_at;
    result.cause = cause;
    i = text.size();
  }

  void block_comment() {
    const std::size_t open = i;
    int depth = 1;
    i += 2;
    while (i < text.size() && depth > 0) {
      if (at(i, '/') && at(i + 1, '*')) { ++depth; i += 2; }
      else if (at(i, '*') && at(i + 1, '/')) { --depth; i += 2; }
      else ++i;
    }
    if (depth > 0) fail(open, "unterminated /* comment: it is never closed with */");
  }

  void quoted(char quote) {
    const std::size_t open = i;
    const bool escapes = quote == '\'' && i > 0 && (text[i - 1] == 'E' || text[i - 1] == 'e') &&
                         (i < 2 || !ident_char(text[i - 2]));
    ++i;
    while (i < text.size()) {
      if (escapes && text[i] == '\\') { i += 2; continue; }
      if (text[i] == quote) {
        if (at(i + 1, quote)) { i += 2; continue; }
        ++i;
        return;
      }
      ++i;
    }
    fail(open, quote == '"' ? "unterminated quoted identifier: the \" opened here is never closed"
                            : "unterminated quoted string: the ' opened here is never closed");
  }

  void dollar() {
    std::size_t j = i + 1;
    while (j < text.size() && ident_char(text[j]) && !(j == i + 1 && text[j] >= '0' && text[j] <= '9')) ++j;
    if (!at(j, '$')) { ++i; return; }  // a parameter ($1) or an operator, not a quote
    const std::string_view tag = text.substr(i, j - i + 1);
    const std::size_t close = text.find(tag, j + 1);
    if (close == std::string_view::npos) {
      fail(i, "unterminated dollar-quoted string: the opening tag here has no closing tag");
      return;
    }
    i = close + tag.size();
  }
};

}  // namespace

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

StatementEnd scan_statement(std::string_view text, std::size_t begin) {
  Scan s{text, begin, {}};
  while (s.i < text.size()) {
    const char c = text[s.i];
    if (c == '-' && s.at(s.i + 1, '-')) {
      while (s.i < text.size() && text[s.i] != '\n') ++s.i;
    } else if (c == '/' && s.at(s.i + 1, '*')) {
      s.block_comment();
    } else if (c == '\'' || c == '"') {
      s.quoted(c);
    } else if (c == '$' && (s.i == 0 || !ident_char(text[s.i - 1]))) {
      s.dollar();
    } else if (c == ';') {
      s.result.end = s.i;
      return s.result;
    } else if (c == '\\' && s.starts_line(s.i)) {
      s.result.end = s.i;
      s.result.meta_command = true;
      return s.result;
    } else {
      ++s.i;
    }
  }
  s.result.end = text.size();
  return s.result;
}

MetaCommandLine meta_command_line(std::string_view text, std::size_t at) {
  std::size_t name_end = at + 1;
  while (name_end < text.size() && !is_blank(text[name_end]) && text[name_end] != '\\') ++name_end;
  const std::size_t eol = text.find('\n', at);
  return {text.substr(at, name_end - at), eol == std::string_view::npos ? text.size() : eol};
}

std::size_t first_token(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_blank(text[i])) {
      ++i;
    } else if (text.substr(i, 2) == "--") {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (text.substr(i, 2) == "/*") {
      Scan s{text, i, {}};
      s.block_comment();
      i = s.i;
    } else {
      return i;
    }
  }
  return text.size();
}

bool starts_with_keyword(std::string_view statement, std::string_view word) {
  const std::size_t at = first_token(statement);
  if (statement.size() - at < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    const char c = statement[at + k];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != word[k]) return false;
  }
  return at + word.size() == statement.size() || !ident_char(statement[at + word.size()]);
}

bool second_keyword_is(std::string_view statement, std::string_view word) {
  std::size_t at = first_token(statement);
  while (at < statement.size() && ident_char(statement[at])) ++at;
  return starts_with_keyword(statement.substr(at), word);
}

bool mentions(std::string_view text, std::string_view word) {
  if (word.empty()) return true;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t at = 0; at + word.size() <= text.size(); ++at) {
    if (lower(text[at]) != word[0]) continue;
    std::size_t k = 1;
    while (k < word.size() && lower(text[at + k]) == word[k]) ++k;
    if (k == word.size()) return true;
  }
  return false;
}

}  // namespace strata::script_detail
