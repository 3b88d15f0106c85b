// Connection strings: every form users copy in (URI, JDBC, libpq key=value) becomes one libpq
// conninfo string, and every error or display of one is scrubbed of its passwords.
#include "strata/connection.hpp"

#include "libpq.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "strata/error.hpp"
#include "strata/log.hpp"
#include "text.hpp"

namespace strata {
namespace {

// ---------------------------------------------------------------------------------------------
// Redaction of connection strings.

struct Span {
  std::size_t pos, len;
};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Where passwords sit in a connection string of any form. Errs towards covering too much: a
// false positive hides a harmless detail, a false negative leaks a secret.
std::vector<Span> secret_spans(std::string_view s) {
  std::vector<Span> spans;

  // URI userinfo: scheme://user:password@host. The last '@' before the query counts, so an
  // unencoded '@', '/' or '#' inside the password is still covered.
  if (auto scheme = s.find("://"); scheme != std::string_view::npos) {
    std::size_t start = scheme + 3;
    std::size_t query = s.find('?', start);
    std::size_t at = s.substr(0, query == std::string_view::npos ? s.size() : query).rfind('@');
    if (at != std::string_view::npos && at >= start) {
      std::size_t colon = s.find(':', start);
      if (colon < at) spans.push_back({colon + 1, at - colon - 1});
    }
  }

  // ?password=... (URI/JDBC query) and password=... / password='...' (libpq key=value).
  for (std::string_view key : {std::string_view("password"), std::string_view("sslpassword")}) {
    std::string hay = lower(s);
    for (std::size_t i = hay.find(key); i != std::string::npos; i = hay.find(key, i + 1)) {
      bool query = i > 0 && (s[i - 1] == '?' || s[i - 1] == '&' || s[i - 1] == ';');
      bool keyword = i == 0 || is_space(s[i - 1]);
      if (!query && !keyword) continue;
      std::size_t p = i + key.size();
      if (keyword)
        while (p < s.size() && is_space(s[p])) ++p;
      if (p >= s.size() || s[p] != '=') continue;
      ++p;
      if (query) {
        std::size_t end = s.find('&', p);
        if (end == std::string_view::npos) end = s.size();
        spans.push_back({p, end - p});
        continue;
      }
      while (p < s.size() && is_space(s[p])) ++p;
      if (p < s.size() && s[p] == '\'') {
        std::size_t q = p + 1;
        while (q < s.size() && s[q] != '\'') q += (s[q] == '\\' && q + 1 < s.size()) ? 2 : 1;
        spans.push_back({p + 1, std::min(q, s.size()) - (p + 1)});
      } else {
        std::size_t q = p;
        while (q < s.size() && !is_space(s[q])) ++q;
        spans.push_back({p, q - p});
      }
    }
  }

  std::sort(spans.begin(), spans.end(), [](Span a, Span b) { return a.pos < b.pos; });
  std::vector<Span> merged;
  for (Span sp : spans) {
    if (sp.len == 0) continue;
    if (!merged.empty() && sp.pos <= merged.back().pos + merged.back().len) {
      std::size_t end = std::max(merged.back().pos + merged.back().len, sp.pos + sp.len);
      merged.back().len = end - merged.back().pos;
    } else {
      merged.push_back(sp);
    }
  }
  return merged;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; `plus_is_space` for pgjdbc's values, which it decodes as
// application/x-www-form-urlencoded (java.net.URLDecoder).
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

// `text` with every password in `url` (as written and decoded) and every registered secret
// removed: libpq's parse errors quote pieces of the input.
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

// ---------------------------------------------------------------------------------------------
// Connection strings.

using Params = std::vector<std::pair<std::string, std::string>>;  // libpq keyword -> value

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

[[noreturn]] void malformed(std::string_view url, std::string_view reason) {
  std::string why(trim(reason));
  throw ConfigError(scrub("malformed connection URL '" + redact_url(url) + "': " + why, url));
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

// pgjdbc parameters with a libpq keyword of the same meaning.
constexpr std::pair<std::string_view, std::string_view> kJdbcParams[] = {
    {"user", "user"},
    {"password", "password"},
    {"sslmode", "sslmode"},
    {"sslrootcert", "sslrootcert"},
    {"sslcert", "sslcert"},
    {"sslkey", "sslkey"},
    {"sslpassword", "sslpassword"},
    {"connectTimeout", "connect_timeout"},
    {"ApplicationName", "application_name"},
    {"options", "options"},
    {"gssEncMode", "gssencmode"},
};

// A value inside libpq's `options`, where whitespace separates arguments and '\' escapes.
std::string escape_option(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (is_space(c) || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// jdbc:postgresql://host1[:port1][,host2[:port2]]/database?key=value&...  (pgjdbc's grammar:
// host and port default to localhost:5432, values are form-urlencoded).
Params parse_jdbc(std::string_view url) {
  constexpr std::string_view kPrefix = "jdbc:postgresql:";
  if (!url.starts_with(kPrefix)) malformed(url, "only jdbc:postgresql: URLs are supported");
  std::string_view rest = url.substr(kPrefix.size());
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  Params params;
  std::string hosts, ports, database;
  auto add_host = [&](std::string_view host, std::string_view port) {
    if (port.empty()) port = "5432";
    if (!std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      malformed(url, "invalid port '" + std::string(port) + "'");
    if (host.empty()) host = "localhost";
    if (!hosts.empty()) {
      hosts += ',';
      ports += ',';
    }
    hosts += host;
    ports += port;
  };

  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    // pgjdbc has no userinfo, but users copy it over from postgresql:// URLs; honour it.
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      authority = authority.substr(at + 1);
      auto colon = userinfo.find(':');
      auto user = percent_decode(userinfo.substr(0, colon), false);
      if (!user) malformed(url, "invalid percent-encoding in the user name");
      if (!user->empty()) set_param(params, "user", *user);
      if (colon != std::string_view::npos) {
        auto pw = percent_decode(userinfo.substr(colon + 1), false);
        if (!pw) malformed(url, "invalid percent-encoding in the password");
        set_param(params, "password", *pw);
      }
    }
    if (authority.empty()) add_host("", "");
    while (!authority.empty()) {
      std::size_t comma = authority.find(',');
      std::string_view spec = authority.substr(0, comma);
      authority = comma == std::string_view::npos ? std::string_view{} : authority.substr(comma + 1);
      if (spec.starts_with('[')) {  // IPv6 literal
        std::size_t close = spec.find(']');
        if (close == std::string_view::npos) malformed(url, "unterminated IPv6 address");
        std::string_view after = spec.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) malformed(url, "unexpected text after IPv6 address");
        add_host(spec.substr(1, close - 1), after.empty() ? after : after.substr(1));
      } else {
        std::size_t colon = spec.rfind(':');
        add_host(spec.substr(0, colon), colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1));
      }
    }
    auto db = percent_decode(path, true);
    if (!db) malformed(url, "invalid percent-encoding in the database name");
    database = *db;
  } else {
    // jdbc:postgresql:database — pgjdbc connects to localhost:5432.
    add_host("", "");
    auto db = percent_decode(rest, true);
    if (!db) malformed(url, "invalid percent-encoding in the database name");
    database = *db;
  }
  set_param(params, "host", hosts);
  set_param(params, "port", ports);
  if (!database.empty()) set_param(params, "dbname", database);

  std::optional<std::string> ssl, sslfactory, current_schema;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view token = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (token.empty()) continue;
    std::size_t eq = token.find('=');
    std::string key(token.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : token.substr(eq + 1), true);
    if (!value) malformed(url, "invalid percent-encoding in the value of '" + key + "'");
    if (key == "ssl") { ssl = *value; continue; }
    if (key == "sslfactory") { sslfactory = *value; continue; }
    if (key == "currentSchema") { current_schema = *value; continue; }
    bool known = false;
    for (auto [jdbc, libpq] : kJdbcParams)
      if (key == jdbc) {
        set_param(params, libpq, *value);
        known = true;
      }
    if (!known) log::warn("ignoring JDBC URL parameter '" + log::redact(key) + "': strata has no libpq equivalent for it");
  }

  if (current_schema && !current_schema->empty()) {
    std::string options = param(params, "options") ? *param(params, "options") + " " : "";
    set_param(params, "options", options + "-c search_path=" + escape_option(*current_schema));
  }
  // pgjdbc's ssl=true (or a bare "ssl") means verify-full unless sslmode says otherwise; its
  // NonValidatingFactory accepts any certificate, which is libpq's require.
  bool non_validating = sslfactory && *sslfactory == "org.postgresql.ssl.NonValidatingFactory";
  if (sslfactory && !non_validating) log::warn("ignoring JDBC URL parameter 'sslfactory': strata uses libpq's TLS");
  bool ssl_on = ssl && (ssl->empty() || lower(*ssl) == "true");
  if (!param(params, "sslmode") && ssl_on) set_param(params, "sslmode", non_validating ? "require" : "verify-full");
  if (non_validating) {
    const std::string* mode = param(params, "sslmode");
    if (mode && (*mode == "verify-ca" || *mode == "verify-full")) set_param(params, "sslmode", "require");
  }
  return params;
}

// libpq keyword=value syntax: quote when a value is empty or holds whitespace, quote or backslash.
std::string conninfo_value(std::string_view v) {
  bool plain = !v.empty() && std::none_of(v.begin(), v.end(), [](char c) { return is_space(c) || c == '\'' || c == '\\'; });
  if (plain) return std::string(v);
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string conninfo_of(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += ' ';
    out += k;
    out += '=';
    out += conninfo_value(v);
  }
  return out;
}

// Fills what the string leaves out with libpq's own defaults (PG* variables, OS user), so the
// display names the server libpq will actually reach.
std::string display_of(const Params& params) {
  auto get = [&](std::string_view key) -> std::string {
    const std::string* v = param(params, key);
    return v ? *v : std::string();
  };
  std::string user = get("user"), host = get("host"), port = get("port"), db = get("dbname");
  if (host.empty()) host = get("hostaddr");
  if (user.empty() || host.empty() || port.empty() || db.empty()) {
    if (PQconninfoOption* defaults = libpq().PQconndefaults()) {
      for (PQconninfoOption* o = defaults; o->keyword != nullptr; ++o) {
        if (o->val == nullptr || *o->val == '\0') continue;
        std::string_view k = o->keyword;
        if (k == "user" && user.empty()) user = o->val;
        else if (k == "host" && host.empty()) host = o->val;
        else if (k == "port" && port.empty()) port = o->val;
        else if (k == "dbname" && db.empty()) db = o->val;
      }
      libpq().PQconninfoFree(defaults);
    }
  }
  if (db.empty()) db = user;  // libpq's rule

  std::vector<std::string> hosts, ports;
  auto split = [](const std::string& s, std::vector<std::string>& out) {
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(item);
    if (out.empty()) out.emplace_back();
  };
  split(host, hosts);
  split(port, ports);

  std::string out = "postgresql://";
  if (!user.empty()) out += percent_encode(user) + "@";
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i) out += ',';
    const std::string& h = hosts[i];
    out += h.find(':') != std::string::npos && h.front() != '/' ? "[" + h + "]" : percent_encode(h);
    const std::string& p = ports.size() == hosts.size() ? ports[i] : ports.front();
    if (!p.empty()) out += ":" + p;
  }
  out += "/" + percent_encode(db);
  return log::redact(out);
}

Params connection_params(std::string_view url, const std::optional<std::string>& user,
                         const std::optional<std::string>& password) {
  // An empty override counts as absent so an empty FLYWAY_PASSWORD does not defeat .pgpass.
  const bool has_user = user && !user->empty();
  const bool has_password = password && !password->empty();
  if (has_password) log::add_secret(*password);
  for (Span sp : secret_spans(url)) {
    std::string raw(url.substr(sp.pos, sp.len));
    if (auto decoded = percent_decode(raw, false)) log::add_secret(*decoded);
    log::add_secret(raw);
  }

  std::string_view u = trim(url);
  Params params;
  if (u.empty()) {
    // Nothing to parse: libpq takes PG* variables and .pgpass as they are.
  } else if (u.starts_with("jdbc:")) {
    params = parse_jdbc(u);
  } else if (u.starts_with("postgresql://") || u.starts_with("postgres://")) {
    params = parse_libpq(u);
  } else if (auto scheme = u.find("://"); scheme != std::string_view::npos && u.find('=') > scheme) {
    malformed(u, "unsupported scheme '" + std::string(u.substr(0, scheme)) + "' (use postgresql://, postgres://, jdbc:postgresql:// or key=value)");
  } else {
    params = parse_libpq(u);
  }

  for (const char* key : {"password", "sslpassword"})
    if (const std::string* v = param(params, key)) log::add_secret(*v);
  // libpq only checks ports when connecting; a typo there is a configuration error.
  if (const std::string* port = param(params, "port"))
    if (!std::all_of(port->begin(), port->end(), [](char c) { return c == ',' || std::isdigit(static_cast<unsigned char>(c)); }))
      malformed(u, "invalid port '" + *port + "'");
  if (has_user) set_param(params, "user", *user);
  if (has_password) set_param(params, "password", *password);
  if (!param(params, "application_name")) set_param(params, "application_name", "strata");
  return params;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string redact_url(std::string_view url) {
  std::string out(url);
  auto spans = secret_spans(url);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->pos, it->len, "***");
  return out;
}

ConnectionSettings make_connection_settings(std::string_view url, const std::optional<std::string>& user,
                                            const std::optional<std::string>& password,
                                            const std::optional<std::string>& connect_timeout) {
  Params params = connection_params(url, user, password);
  if (connect_timeout && !param(params, "connect_timeout")) set_param(params, "connect_timeout", *connect_timeout);
  ConnectionSettings settings;
  settings.conninfo = conninfo_of(params);
  settings.display = display_of(params);
  return settings;
}

}  // namespace strata
