// libpq keyword/value pairs, percent coding, and the forms libpq itself parses: postgresql:// and
// postgres:// URLs and key=value strings.
#include <cctype>
#include <string>

#include "connection/parts.hpp"
#include "libpq.hpp"

namespace strata::connection {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string* param(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return &v;
  return nullptr;
}

void set_param(Params& params, std::string_view key, std::string value) {
  for (auto& [k, v] : params)
    if (k == key) {
      v = std::move(value);
      return;
    }
  params.emplace_back(std::string(key), std::move(value));
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Params parse_libpq(std::string_view text) {
  char* err = nullptr;
  PQconninfoOption* options = libpq().PQconninfoParse(std::string(text).c_str(), &err);
  if (options == nullptr) {
    std::string reason = err ? err : "libpq could not parse it";
    if (err) libpq().PQfreemem(err);
    malformed(text, reason);
  }
  Params params;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o)
    if (o->val != nullptr) params.emplace_back(o->keyword, o->val);
  libpq().PQconninfoFree(options);
  return params;
}

}  // namespace strata::connection
