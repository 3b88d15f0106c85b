// Session::copy_in: a COPY ... FROM STDIN the user wrote, sent as written, with its rows streamed
// after it. The server's errors keep their fields: a bad row's CONTEXT names its line in the data.
#include <algorithm>
#include <cstdlib>

#include "db_internal.hpp"
#include "strata/error.hpp"
#include "strata/interrupt.hpp"

namespace strata {
namespace {

// libpq copies each chunk into its output buffer; 1 MiB keeps that buffer small for big dumps.
constexpr std::size_t kChunk = std::size_t{1} << 20;

// A COPY TO STDOUT must be read to its end before the connection takes another command.
void drain_copy_out(PGconn* conn) {
  char* row = nullptr;
  while (libpq().PQgetCopyData(conn, &row, 0) > 0) libpq().PQfreemem(row);
  db_detail::drain(conn);
}

void send_rows(PGconn* conn, std::string_view data) {
  for (std::size_t at = 0; at < data.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, data.size() - at);
    if (libpq().PQputCopyData(conn, data.data() + at, static_cast<int>(n)) != 1) return;  // the result says why
  }
}

}  // namespace

std::uint64_t Session::copy_in(std::string_view sql, std::string_view data) {
  throw_if_interrupted();
  PGconn* conn = impl_->conn;
  const std::string text(sql);
  db_detail::CancelScope scope(impl_->cancel);
  impl_->round_trips += 2;  // the statement, then its rows
  PGresult* start = libpq().PQexec(conn, text.c_str());
  db_detail::ResultGuard start_guard{start};
  const ExecStatusType started = start ? libpq().PQresultStatus(start) : PGRES_FATAL_ERROR;
  if (started == PGRES_COPY_OUT) drain_copy_out(conn);
  if (started == PGRES_COPY_OUT || started == PGRES_COMMAND_OK || started == PGRES_TUPLES_OK) {
    SqlError e("copy_in needs a COPY ... FROM STDIN statement; the server ran something else");
    e.sqlstate = "0A000";
    throw e;
  }
  if (started != PGRES_COPY_IN) db_detail::throw_result_error(conn, start);

  send_rows(conn, data);
  libpq().PQputCopyEnd(conn, nullptr);
  PGresult* end = libpq().PQgetResult(conn);
  db_detail::ResultGuard end_guard{end};
  if (end && libpq().PQresultStatus(end) == PGRES_COMMAND_OK) {
    const std::uint64_t rows = std::strtoull(libpq().PQcmdTuples(end), nullptr, 10);
    db_detail::drain(conn);
    return rows;
  }
  if (libpq().PQstatus(conn) == CONNECTION_BAD) db_detail::throw_result_error(conn, end);
  SqlError e = db_detail::result_error(conn, end);
  db_detail::drain(conn);
  if (e.sqlstate == "57014" && interrupted_signal() != 0) throw Interrupted(interrupted_signal());
  throw e;
}

}  // namespace strata
