#pragma once
// What the files of Session (src/db.cpp, src/db/*.cpp) share. Private to them.
#include <map>
#include <string>

#include "interrupt_internal.hpp"
#include "libpq.hpp"
#include "strata/db.hpp"

namespace strata {

struct Session::Impl {
  PGconn* conn = nullptr;
  PGcancel* cancel = nullptr;
  std::string display;
  std::string user;
  std::string database;
  bool pipeline = false;
  std::size_t queued = 0;  // statements queued since the last collect
  std::size_t syncs = 0;   // syncs not yet collected
  std::uint64_t round_trips = 0;
  std::map<std::string, std::string, std::less<>> prepared;  // name -> statement text
};

namespace db_detail {

// Throws ConnectError when the connection is gone, else SqlError with the server's fields.
[[noreturn]] void throw_result_error(PGconn* conn, const PGresult* r);
// The SqlError `r` carries (the connection is known to be alive).
SqlError result_error(PGconn* conn, const PGresult* r);
// Reads and frees every pending result, so the connection is ready for the next command.
void drain(PGconn* conn) noexcept;
std::string connection_message(PGconn* conn);
Rows rows_of(const PGresult* r);
// Turns on the server's dead-client check for this connection (src/db/dead_client.cpp); false
// when the server is too old to have one and nothing was sent.
bool check_for_dead_client(PGconn* conn) noexcept;

// Lets a signal cancel what the session runs while the scope lasts.
struct CancelScope {
  explicit CancelScope(PGcancel* cancel) { set_active_cancel(cancel); }
  ~CancelScope() { set_active_cancel(nullptr); }
};

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() { libpq().PQclear(r); }
};

}  // namespace db_detail
}  // namespace strata
