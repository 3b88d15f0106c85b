// jdbc:postgresql://host1[:port1][,host2[:port2]]/database?key=value&...  (pgjdbc's grammar:
// host and port default to localhost:5432, values are form-urlencoded), as libpq parameters.
#include <algorithm>
#include <cctype>
#include <string>

#include "connection/parts.hpp"
#include "strata/log.hpp"
#include "text.hpp"

namespace strata::connection {
namespace {

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

std::string decoded(std::string_view url, std::string_view text, bool plus_is_space, const std::string& what) {
  std::optional<std::string> value = percent_decode(text, plus_is_space);
  if (!value) malformed(url, "invalid percent-encoding in " + what);
  return *value;
}

// Hosts and ports as libpq's comma-separated lists.
struct Hosts {
  std::string_view url;  // for errors
  std::string hosts, ports;

  void add(std::string_view host, std::string_view port) {
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
  }

  // host, host:port, [ipv6] or [ipv6]:port
  void add_spec(std::string_view spec) {
    if (!spec.starts_with('[')) {
      const std::size_t colon = spec.rfind(':');
      add(spec.substr(0, colon), colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1));
      return;
    }
    const std::size_t close = spec.find(']');
    if (close == std::string_view::npos) malformed(url, "unterminated IPv6 address");
    std::string_view after = spec.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) malformed(url, "unexpected text after IPv6 address");
    add(spec.substr(1, close - 1), after.empty() ? after : after.substr(1));
  }
};

// pgjdbc has no userinfo, but users copy it over from postgresql:// URLs; honour it.
void read_userinfo(std::string_view url, std::string_view userinfo, Params& params) {
  const auto colon = userinfo.find(':');
  const std::string user = decoded(url, userinfo.substr(0, colon), false, "the user name");
  if (!user.empty()) set_param(params, "user", user);
  if (colon != std::string_view::npos) {
    set_param(params, "password", decoded(url, userinfo.substr(colon + 1), false, "the password"));
  }
}

// What comes before '?': //[userinfo@]hosts[/database], or a bare database on localhost:5432.
void read_location(std::string_view url, std::string_view rest, Params& params) {
  Hosts hosts{url, {}, {}};
  std::string_view database = rest;
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    database = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      read_userinfo(url, authority.substr(0, at), params);
      authority = authority.substr(at + 1);
    }
    if (authority.empty()) hosts.add("", "");
    while (!authority.empty()) {
      const std::size_t comma = authority.find(',');
      hosts.add_spec(authority.substr(0, comma));
      authority = comma == std::string_view::npos ? std::string_view{} : authority.substr(comma + 1);
    }
  } else {
    hosts.add("", "");
  }
  const std::string dbname = decoded(url, database, true, "the database name");
  set_param(params, "host", hosts.hosts);
  set_param(params, "port", hosts.ports);
  if (!dbname.empty()) set_param(params, "dbname", dbname);
}

// Query parameters libpq has no keyword for, applied once all are read.
struct Extras {
  std::optional<std::string> ssl, sslfactory, current_schema;
};

Extras read_query(std::string_view url, std::string_view query, Params& params) {
  Extras extras;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view token = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (token.empty()) continue;
    const std::size_t eq = token.find('=');
    const std::string key(token.substr(0, eq));
    std::string value = decoded(url, eq == std::string_view::npos ? std::string_view{} : token.substr(eq + 1), true,
                                "the value of '" + key + "'");
    if (key == "ssl") extras.ssl = std::move(value);
    else if (key == "sslfactory") extras.sslfactory = std::move(value);
    else if (key == "currentSchema") extras.current_schema = std::move(value);
    else {
      auto known = std::find_if(std::begin(kJdbcParams), std::end(kJdbcParams), [&](auto p) { return p.first == key; });
      if (known != std::end(kJdbcParams)) set_param(params, known->second, std::move(value));
      else log::warn("ignoring JDBC URL parameter '" + log::redact(key) + "': strata has no libpq equivalent for it");
    }
  }
  return extras;
}

void apply_extras(const Extras& extras, Params& params) {
  if (extras.current_schema && !extras.current_schema->empty()) {
    std::string options = param(params, "options") ? *param(params, "options") + " " : "";
    set_param(params, "options", options + "-c search_path=" + escape_option(*extras.current_schema));
  }
  // pgjdbc's ssl=true (or a bare "ssl") means verify-full unless sslmode says otherwise; its
  // NonValidatingFactory accepts any certificate, which is libpq's require.
  const auto& factory = extras.sslfactory;
  const bool non_validating = factory && *factory == "org.postgresql.ssl.NonValidatingFactory";
  if (factory && !non_validating) log::warn("ignoring JDBC URL parameter 'sslfactory': strata uses libpq's TLS");
  const bool ssl_on = extras.ssl && (extras.ssl->empty() || lower(*extras.ssl) == "true");
  if (!param(params, "sslmode") && ssl_on) set_param(params, "sslmode", non_validating ? "require" : "verify-full");
  if (non_validating) {
    const std::string* mode = param(params, "sslmode");
    if (mode && (*mode == "verify-ca" || *mode == "verify-full")) set_param(params, "sslmode", "require");
  }
}

}  // namespace

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
  read_location(url, rest, params);
  apply_extras(read_query(url, query, params), params);
  return params;
}

}  // namespace strata::connection
