#pragma once
// Flyway migration versions: dot- or underscore-separated non-negative integers, compared part by
// part numerically, missing trailing parts counting as zero ("1" == "1.0" == "1_0_0", "1.01" == "1.1").
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class Version {
 public:
  // nullopt when `text` is not a version (empty, empty part, a non-digit, a sign, ...).
  static std::optional<Version> parse(std::string_view text);

  // The version as the history table stores it: the original text with '_' turned into '.'.
  const std::string& text() const noexcept { return text_; }

  std::strong_ordering operator<=>(const Version& other) const noexcept;
  bool operator==(const Version& other) const noexcept;

 private:
  std::string text_;
  // Each part without leading zeros ("0" for zero); trailing zero parts removed.
  std::vector<std::string> parts_;
};

}  // namespace strata
