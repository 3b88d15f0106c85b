#include "strata/scaffold.hpp"

#include <algorithm>
#include <ctime>

#include "strata/error.hpp"

namespace strata {
namespace {

// Decimal digits plus one, at any length (a timestamp does not fit an int).
std::string plus_one(std::string digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return digits;
    }
    *it = '0';
  }
  return "1" + digits;
}

// The highest version with its last part one more.
std::string bump_last_part(const Version& highest) {
  const std::string& text = highest.text();
  const std::size_t dot = text.rfind('.');
  const std::size_t start = dot == std::string::npos ? 0 : dot + 1;
  std::string last = text.substr(start);
  last.erase(0, std::min(last.find_first_not_of('0'), last.size() - 1));  // "007" counts as 7
  return text.substr(0, start) + plus_one(last);
}

bool word_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '.' || c == '/' || c == '\\' || c == ':' ||
         c == ',' || c == ';' || c == '_';
}

bool kept(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || u >= 0x80;
}

}  // namespace

bool is_timestamp_version(const Version& version) {
  const std::string& text = version.text();
  return text.size() >= 12 && text.find('.') == std::string::npos;
}

std::string timestamp_version(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

std::string next_version(const std::vector<Version>& existing, bool timestamp, std::chrono::system_clock::time_point now) {
  const auto highest = std::max_element(existing.begin(), existing.end());
  if (timestamp || (highest != existing.end() && is_timestamp_version(*highest))) {
    const std::string stamp = timestamp_version(now);
    if (highest == existing.end() || *Version::parse(stamp) > *highest) return stamp;
    return bump_last_part(*highest);
  }
  if (highest == existing.end()) return "1";
  return bump_last_part(*highest);
}

std::string description_file_part(std::string_view description) {
  std::string out;
  bool pending_separator = false;
  for (char c : description) {
    if (word_separator(c)) {
      pending_separator = !out.empty();
    } else if (kept(c)) {
      if (pending_separator) out += '_';
      pending_separator = false;
      out += c;
    }
  }
  if (out.empty()) {
    UsageError e("the description '" + std::string(description) + "' has no letter or digit to name a file with");
    e.hint = "strata new \"add orders table\"";
    throw e;
  }
  return out;
}

}  // namespace strata
