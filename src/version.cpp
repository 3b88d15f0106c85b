#include "strata/version.hpp"

#include <algorithm>

namespace strata {

std::optional<Version> Version::parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Version v;
  v.text_.assign(text);
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const bool end = i == text.size();
    if (!end && text[i] >= '0' && text[i] <= '9') continue;
    if (!end && text[i] != '.' && text[i] != '_') return std::nullopt;
    if (i == start) return std::nullopt;  // an empty part
    const std::string_view part = text.substr(start, i - start);
    const std::size_t first = part.find_first_not_of('0');
    v.parts_.emplace_back(first == std::string_view::npos ? std::string_view("0") : part.substr(first));
    if (!end) v.text_[i] = '.';
    start = i + 1;
  }
  // "1.0.0" is "1": trailing zero parts never change the order, so drop them once here.
  while (v.parts_.size() > 1 && v.parts_.back() == "0") v.parts_.pop_back();
  return v;
}

namespace {

// Digit strings without leading zeros: the longer is the larger, else the first differing digit
// decides. Parts are a few digits long: a loop beats a call to memcmp.
std::strong_ordering compare_part(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return a.size() <=> b.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return a[i] <=> b[i];
  }
  return std::strong_ordering::equal;
}

}  // namespace

std::strong_ordering Version::operator<=>(const Version& other) const noexcept {
  const std::size_t n = std::max(parts_.size(), other.parts_.size());
  constexpr std::string_view zero = "0";
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view a = i < parts_.size() ? std::string_view(parts_[i]) : zero;
    const std::string_view b = i < other.parts_.size() ? std::string_view(other.parts_[i]) : zero;
    if (auto c = compare_part(a, b); c != 0) return c;
  }
  return std::strong_ordering::equal;
}

bool Version::operator==(const Version& other) const noexcept {
  return (*this <=> other) == std::strong_ordering::equal;
}

}  // namespace strata
