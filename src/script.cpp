#include "strata/script.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace strata {

std::string_view kind_name(StatementKind kind) noexcept {
  switch (kind) {
    case StatementKind::Transactional: return "transactional";
    case StatementKind::NoTransaction: return "no-transaction";
    case StatementKind::CopyFromStdin: return "copy-from-stdin";
  }
  return "unknown";
}

std::string_view strip_bom(std::string_view text) noexcept {
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    return text.substr(3);
  }
  return text;
}

std::size_t original_offset(const std::vector<Splice>& splices, std::size_t offset) noexcept {
  auto after = std::upper_bound(splices.begin(), splices.end(), offset,
                                [](std::size_t o, const Splice& s) { return o < s.out_begin; });
  if (after == splices.begin()) return offset;
  const Splice& s = *std::prev(after);
  if (offset < s.out_end) return s.raw_begin;
  return s.raw_end + (offset - s.out_end);
}

TextPosition position_at(std::string_view text, std::size_t byte_offset) noexcept {
  TextPosition pos;
  byte_offset = std::min(byte_offset, text.size());
  for (std::size_t i = 0; i < byte_offset; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if (c == '\r') {
      // \r\n counts once; a lone \r ends a line too, as Flyway's line reader sees it.
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      ++pos.line;
      pos.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++pos.column;
    }
  }
  return pos;
}

TextPosition advance_position(TextPosition from, std::string_view text, std::size_t length) noexcept {
  const TextPosition step = position_at(text, length);
  if (step.line > 1) return {from.line + step.line - 1, step.column};
  return {from.line, from.column + step.column - 1};
}

std::size_t byte_offset_of_char(std::string_view text, int char_position) noexcept {
  if (char_position <= 1) return 0;
  int chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (++chars == char_position) return i;
    }
  }
  return text.size();
}

}  // namespace strata
