// Connection strings: every form users copy in (URI, JDBC, libpq key=value) becomes one libpq
// conninfo string, and every error or display of one is scrubbed of its passwords. The forms,
// the secrets and the conninfo writer live in src/connection/.
#include "strata/connection.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "connection/parts.hpp"
#include "strata/log.hpp"
#include "text.hpp"

namespace strata {

using namespace connection;

namespace {

// Registers every password the inputs carry as a secret before anything can print them.
void register_secrets(std::string_view url, const std::optional<std::string>& password) {
  if (password && !password->empty()) log::add_secret(*password);
  for (Span sp : secret_spans(url)) {
    std::string raw(url.substr(sp.pos, sp.len));
    if (auto decoded = percent_decode(raw, false)) log::add_secret(*decoded);
    log::add_secret(raw);
  }
}

Params parse_any(std::string_view u) {
  if (u.empty()) return {};  // libpq takes PG* variables and .pgpass as they are
  if (u.starts_with("jdbc:")) return parse_jdbc(u);
  if (u.starts_with("postgresql://") || u.starts_with("postgres://")) return parse_libpq(u);
  if (auto scheme = u.find("://"); scheme != std::string_view::npos && u.find('=') > scheme) {
    malformed(u, "unsupported scheme '" + std::string(u.substr(0, scheme)) +
                     "' (use postgresql://, postgres://, jdbc:postgresql:// or key=value)");
  }
  return parse_libpq(u);
}

Params connection_params(std::string_view url, const std::optional<std::string>& user,
                         const std::optional<std::string>& password) {
  register_secrets(url, password);
  const std::string_view u = trim(url);
  Params params = parse_any(u);
  for (const char* key : {"password", "sslpassword"})
    if (const std::string* v = param(params, key)) log::add_secret(*v);
  // libpq only checks ports when connecting; a typo there is a configuration error.
  if (const std::string* port = param(params, "port"))
    if (!std::all_of(port->begin(), port->end(), [](char c) { return c == ',' || std::isdigit(static_cast<unsigned char>(c)); }))
      malformed(u, "invalid port '" + *port + "'");
  // An empty override counts as absent so an empty FLYWAY_PASSWORD does not defeat .pgpass.
  if (user && !user->empty()) set_param(params, "user", *user);
  if (password && !password->empty()) set_param(params, "password", *password);
  // libpq's fallback: PGAPPNAME or an application_name the user gives still wins.
  if (!param(params, "application_name")) set_param(params, "fallback_application_name", "strata");
  return params;
}

}  // namespace

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
