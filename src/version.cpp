#include "strata/version.hpp"

#include <algorithm>

namespace strata {

std::optional<Version> Version::parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Version v;
  v.text_.reserve(text.size());
  std::string part;
  auto finish_part = [&]() -> bool {
    if (part.empty()) return false;
    auto first = part.find_first_not_of('0');
    v.parts_.push_back(first == std::string::npos ? std::string("0") : part.substr(first));
    part.clear();
    return true;
  };
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      part.push_back(c);
      v.text_.push_back(c);
    } else if (c == '.' || c == '_') {
      if (!finish_part()) return std::nullopt;
      v.text_.push_back('.');
    } else {
      return std::nullopt;
    }
  }
  if (!finish_part()) return std::nullopt;
  // "1.0.0" is "1": trailing zero parts never change the order, so drop them once here.
  while (v.parts_.size() > 1 && v.parts_.back() == "0") v.parts_.pop_back();
  return v;
}

std::strong_ordering Version::operator<=>(const Version& other) const noexcept {
  const std::size_t n = std::max(parts_.size(), other.parts_.size());
  static const std::string zero = "0";
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& a = i < parts_.size() ? parts_[i] : zero;
    const std::string& b = i < other.parts_.size() ? other.parts_[i] : zero;
    // Digit strings without leading zeros: the longer is the larger, else compare as text.
    if (a.size() != b.size()) return a.size() <=> b.size();
    if (int c = a.compare(b); c != 0) return c <=> 0;
  }
  return std::strong_ordering::equal;
}

bool Version::operator==(const Version& other) const noexcept {
  return (*this <=> other) == std::strong_ordering::equal;
}

}  // namespace strata
