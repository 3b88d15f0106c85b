// client_connection_check_interval on every connection strata opens. When strata dies (SIGKILL,
// OOM killer, a lost host), PostgreSQL would otherwise keep running the statement under way — a
// long CREATE INDEX CONCURRENTLY, or a migration's statement holding its locks — until it next
// writes to the client. With the check on, the server polls the socket while the statement runs
// and aborts it within about a second of the client's death.
#include "db_internal.hpp"

#include <string>

#include "strata/log.hpp"

namespace strata::db_detail {

bool check_for_dead_client(PGconn* conn) noexcept {
  if (libpq().PQserverVersion(conn) < 140000) return false;  // the setting is new in PostgreSQL 14
  // A value the user chose for this connection (options, PGOPTIONS: source 'client'), or any
  // value already on, is kept.
  const std::string sql =
      "SELECT pg_catalog.set_config('client_connection_check_interval', '" +
      std::to_string(kClientConnectionCheckInterval.count()) +
      "', false) FROM pg_catalog.pg_settings WHERE name = 'client_connection_check_interval'"
      " AND setting = '0' AND source <> 'client'";
  PGresult* r = libpq().PQexec(conn, sql.c_str());
  if (!r || libpq().PQresultStatus(r) != PGRES_TUPLES_OK)
    log::debug("could not set client_connection_check_interval: " + connection_message(conn));
  libpq().PQclear(r);
  return true;
}

}  // namespace strata::db_detail
