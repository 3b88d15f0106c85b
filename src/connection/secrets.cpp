// Where a connection string of any form keeps its passwords, and every error or display of one
// scrubbed of them.
#include <algorithm>

#include "connection/parts.hpp"
#include "strata/connection.hpp"
#include "strata/error.hpp"
#include "strata/log.hpp"
#include "text.hpp"

namespace strata::connection {
namespace {

// URI userinfo: scheme://user:password@host. The last '@' before the query counts, so an
// unencoded '@', '/' or '#' inside the password is still covered.
std::optional<Span> userinfo_password(std::string_view s) {
  const auto scheme = s.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const std::size_t start = scheme + 3;
  const std::size_t query = s.find('?', start);
  const std::size_t at = s.substr(0, query == std::string_view::npos ? s.size() : query).rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  const std::size_t colon = s.find(':', start);
  if (colon >= at) return std::nullopt;
  return Span{colon + 1, at - colon - 1};
}

// A key=value value of libpq's syntax starting at `p`: quoted ('...' with backslash escapes) or up
// to the next whitespace.
Span keyword_value(std::string_view s, std::size_t p) {
  while (p < s.size() && is_space(s[p])) ++p;
  if (p < s.size() && s[p] == '\'') {
    std::size_t q = p + 1;
    while (q < s.size() && s[q] != '\'') q += (s[q] == '\\' && q + 1 < s.size()) ? 2 : 1;
    return {p + 1, std::min(q, s.size()) - (p + 1)};
  }
  std::size_t q = p;
  while (q < s.size() && !is_space(s[q])) ++q;
  return {p, q - p};
}

// ?password=... (URI/JDBC query) and password=... / password='...' (libpq key=value).
void add_keyword_passwords(std::string_view s, std::string_view key, std::vector<Span>& spans) {
  const std::string hay = lower(s);
  for (std::size_t i = hay.find(key); i != std::string::npos; i = hay.find(key, i + 1)) {
    const bool query = i > 0 && (s[i - 1] == '?' || s[i - 1] == '&' || s[i - 1] == ';');
    const bool keyword = i == 0 || is_space(s[i - 1]);
    if (!query && !keyword) continue;
    std::size_t p = i + key.size();
    if (keyword)
      while (p < s.size() && is_space(s[p])) ++p;
    if (p >= s.size() || s[p] != '=') continue;
    ++p;
    if (!query) {
      spans.push_back(keyword_value(s, p));
      continue;
    }
    std::size_t end = s.find('&', p);
    if (end == std::string_view::npos) end = s.size();
    spans.push_back({p, end - p});
  }
}

std::vector<Span> merged(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](Span a, Span b) { return a.pos < b.pos; });
  std::vector<Span> out;
  for (Span sp : spans) {
    if (sp.len == 0) continue;
    if (!out.empty() && sp.pos <= out.back().pos + out.back().len) {
      const std::size_t end = std::max(out.back().pos + out.back().len, sp.pos + sp.len);
      out.back().len = end - out.back().pos;
    } else {
      out.push_back(sp);
    }
  }
  return out;
}

}  // namespace

// Errs towards covering too much: a false positive hides a harmless detail, a false negative
// leaks a secret.
std::vector<Span> secret_spans(std::string_view s) {
  std::vector<Span> spans;
  if (std::optional<Span> userinfo = userinfo_password(s)) spans.push_back(*userinfo);
  add_keyword_passwords(s, "password", spans);
  add_keyword_passwords(s, "sslpassword", spans);
  return merged(std::move(spans));
}

// libpq's parse errors quote pieces of the input, so the password may appear decoded too.
std::string scrub(std::string text, std::string_view url) {
  std::vector<std::string> pieces;
  for (Span sp : secret_spans(url)) {
    std::string raw(url.substr(sp.pos, sp.len));
    if (auto decoded = percent_decode(raw, false)) pieces.push_back(*decoded);
    pieces.push_back(std::move(raw));
  }
  std::sort(pieces.begin(), pieces.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& piece : pieces) {
    if (piece.empty()) continue;
    for (std::size_t p = text.find(piece); p != std::string::npos; p = text.find(piece, p + 3))
      text.replace(p, piece.size(), "***");
  }
  return log::redact(text);
}

void malformed(std::string_view url, std::string_view reason) {
  std::string why(trim(reason));
  throw ConfigError(scrub("malformed connection URL '" + redact_url(url) + "': " + why, url));
}

}  // namespace strata::connection

namespace strata {

std::string redact_url(std::string_view url) {
  std::string out(url);
  auto spans = connection::secret_spans(url);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->pos, it->len, "***");
  return out;
}

}  // namespace strata
