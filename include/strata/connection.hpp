#pragma once
// connection: the connection strings users copy from Flyway, psql or a JDBC config, turned into
// the one libpq conninfo strata connects with. Touches neither disk nor network: libpq is asked
// only to parse and for its defaults.
#include <optional>
#include <string>
#include <string_view>

#include "strata/db.hpp"

namespace strata {

// Connection string forms: postgresql://, postgres://, jdbc:postgresql://host:port/db?..., libpq
// key=value, or empty (libpq's PG* variables and .pgpass). `user`/`password` override the URL's.
// `connect_timeout` (seconds) applies only where the string sets none: the string is the more
// specific of the two. Throws ConfigError for a malformed URL (the message shows it redacted).
ConnectionSettings make_connection_settings(std::string_view url,
                                            const std::optional<std::string>& user,
                                            const std::optional<std::string>& password,
                                            const std::optional<std::string>& connect_timeout = std::nullopt);

// `url` with any password (URI userinfo, ?password=, password=...) replaced by "***".
std::string redact_url(std::string_view url);

}  // namespace strata
