#pragma once
// Private to src/: the string helpers that settings and connection strings both parse with, kept
// in one place so the two cannot drift apart on what counts as whitespace or case.
#include <cctype>
#include <string>
#include <string_view>

namespace strata {

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace strata
