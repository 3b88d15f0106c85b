#pragma once
// The pieces of src/connection*.cpp that share one vocabulary: libpq keyword/value pairs, percent
// coding, where a connection string keeps its passwords. Private to strata_core.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::connection {

using Params = std::vector<std::pair<std::string, std::string>>;  // libpq keyword -> value, in order

const std::string* param(const Params& params, std::string_view key);
void set_param(Params& params, std::string_view key, std::string value);

bool is_space(char c);
// Percent-decoding; `plus_is_space` for pgjdbc's values, which it decodes as
// application/x-www-form-urlencoded (java.net.URLDecoder). Nullopt for a broken escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);
std::string percent_encode(std::string_view s);

struct Span {
  std::size_t pos, len;
};
// Where passwords sit in a connection string of any form, sorted and merged.
std::vector<Span> secret_spans(std::string_view s);
// `text` with every password in `url` (as written and decoded) and every registered secret removed.
std::string scrub(std::string text, std::string_view url);
// Throws ConfigError quoting `url` redacted.
[[noreturn]] void malformed(std::string_view url, std::string_view reason);

// The forms a connection string comes in: postgresql:// or postgres:// URL and key=value (libpq
// parses both), and jdbc:postgresql: (pgjdbc's grammar).
Params parse_libpq(std::string_view text);
Params parse_jdbc(std::string_view url);

// libpq's keyword=value conninfo, and a postgresql:// URL naming the server libpq will reach
// (libpq's defaults filled in, no password) for display.
std::string conninfo_of(const Params& params);
std::string display_of(const Params& params);

}  // namespace strata::connection
