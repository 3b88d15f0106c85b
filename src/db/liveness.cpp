// Session::verify_alive: is an idle connection still there, without a round trip when possible.
// The migration lock's connection sits idle while migrations run; before each one strata must know
// it still holds the lock. A terminated backend (pg_terminate_backend, a restart) sends its FATAL
// and closes the socket, so an idle connection with nothing to read is as alive as a SELECT 1
// would show, and asking costs nothing: the per-migration check stays off the network.
#include <poll.h>

#include "db_internal.hpp"
#include "strata/error.hpp"

namespace strata {

void Session::verify_alive() {
  PGconn* conn = impl_->conn;
  const int fd = libpq().PQsocket(conn);
  if (fd >= 0 && libpq().PQstatus(conn) == CONNECTION_OK) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 0);
    if (ready == 0) return;  // nothing arrived on an idle connection: it is as it was
    if (ready > 0 && libpq().PQconsumeInput(conn) == 0)
      throw ConnectError("connection to " + impl_->display + " ended: " + db_detail::connection_message(conn));
  }
  // Something arrived while idle (a notice, a FATAL without the close yet), or poll could not
  // tell: ask the server, which throws when the connection is gone.
  query("SELECT 1");
}

}  // namespace strata
