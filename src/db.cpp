// The only file that talks to PostgreSQL. It uses libpq, the C library libpqxx is built on:
// libpqxx 6.4 raises its sql_error from inside exec() with only the SQLSTATE, and keeps the
// PGresult (statement position, DETAIL, HINT, CONTEXT) and the raw connection private, while
// users need those to find the failing line. Keeping all of it here means the rest of strata
// never sees either library.
#include "strata/db.hpp"

#include "db_internal.hpp"
#include "libpq.hpp"

#include <algorithm>
#include <thread>

#include "interrupt_internal.hpp"
#include "strata/error.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"

namespace strata {
namespace {

std::string trim_trailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// libpq explains over several lines ("...failed: Connection refused\n\tIs the server running...");
// an error is one line.
std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty() && out.back() != ' ') out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string field(const PGresult* r, int code) {
  const char* v = libpq().PQresultErrorField(r, code);
  return v ? std::string(v) : std::string();
}

// RAISE NOTICE and friends, shown the way Flyway shows them ("DB: message"); a server WARNING
// stays a warning.
void forward_notice(void*, const PGresult* r) {
  std::string message = field(r, PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) return;
  if (field(r, PG_DIAG_SEVERITY_NONLOCALIZED) == "WARNING") {
    log::warn("DB: " + message);
  } else {
    log::info("DB: " + message);
  }
}

}  // namespace

namespace db_detail {

std::string connection_message(PGconn* conn) { return one_line(trim_trailing(libpq().PQerrorMessage(conn))); }

SqlError result_error(PGconn* conn, const PGresult* r) {
  std::string message = r ? field(r, PG_DIAG_MESSAGE_PRIMARY) : std::string();
  if (message.empty()) message = trim_trailing(libpq().PQerrorMessage(conn));
  SqlError e(message);
  if (r) {
    e.sqlstate = field(r, PG_DIAG_SQLSTATE);
    e.detail = field(r, PG_DIAG_MESSAGE_DETAIL);
    e.hint = field(r, PG_DIAG_MESSAGE_HINT);
    e.context = one_line(field(r, PG_DIAG_CONTEXT));
    std::string pos = field(r, PG_DIAG_STATEMENT_POSITION);
    if (!pos.empty()) e.position = std::atoi(pos.c_str());
  }
  return e;
}

[[noreturn]] void throw_result_error(PGconn* conn, const PGresult* r) {
  if (libpq().PQstatus(conn) == CONNECTION_BAD) {
    ConnectError lost("lost the connection to the database: " + connection_message(conn));
    if (r) lost.sqlstate = field(r, PG_DIAG_SQLSTATE);
    throw lost;
  }
  SqlError e = result_error(conn, r);
  if (e.sqlstate == "57014" && interrupted_signal() != 0) throw Interrupted(interrupted_signal());
  throw e;
}

Rows rows_of(const PGresult* r) {
  const Libpq& pq = libpq();  // once: a history of 10,000 rows has 100,000 cells
  Rows rows;
  const int n = pq.PQntuples(r);
  const int m = pq.PQnfields(r);
  rows.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Row& row = rows[static_cast<std::size_t>(i)];
    row.reserve(static_cast<std::size_t>(m));
    for (int j = 0; j < m; ++j) {
      if (pq.PQgetisnull(r, i, j)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::in_place, pq.PQgetvalue(r, i, j), static_cast<std::size_t>(pq.PQgetlength(r, i, j)));
      }
    }
  }
  return rows;
}

void drain(PGconn* conn) noexcept {
  while (PGresult* rest = libpq().PQgetResult(conn)) libpq().PQclear(rest);
}

}  // namespace db_detail

using db_detail::ResultGuard;
using db_detail::throw_result_error;

Session::Session(const ConnectionSettings& settings) : impl_(std::make_unique<Impl>()) {
  impl_->display = settings.display;
  int attempt = 0;
  std::chrono::seconds wait{1};
  while (true) {
    throw_if_interrupted();
    PGconn* conn = libpq().PQconnectdb(settings.conninfo.c_str());
    if (conn && libpq().PQstatus(conn) == CONNECTION_OK) {
      impl_->conn = conn;
      break;
    }
    std::string reason = conn ? trim_trailing(libpq().PQerrorMessage(conn)) : "out of memory";
    libpq().PQfinish(conn);
    reason = one_line(reason);
    if (attempt >= settings.connect_retries) {
      throw ConnectError("cannot connect to " + settings.display + ": " + reason);
    }
    ++attempt;
    log::warn("cannot connect to " + settings.display + " (" + reason + "); retrying in " +
                  std::to_string(wait.count()) + "s",
              {{"attempt", attempt}, {"of", settings.connect_retries}});
    // In slices, so Ctrl-C or SIGTERM during a long back-off is acted on at once.
    for (auto slept = std::chrono::milliseconds(0); slept < wait; slept += std::chrono::milliseconds(100)) {
      throw_if_interrupted();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    wait = std::min(wait * 2, std::max(std::chrono::seconds(1), settings.connect_retries_interval));
  }
  libpq().PQsetNoticeReceiver(impl_->conn, forward_notice, nullptr);
  impl_->cancel = libpq().PQgetCancel(impl_->conn);
  const char* u = libpq().PQuser(impl_->conn);
  const char* d = libpq().PQdb(impl_->conn);
  impl_->user = u ? u : "";
  impl_->database = d ? d : "";
  // Every connection a run opens is named in --verbose output (tests count them).
  log::debug("Opened a connection to " + impl_->display + ", backend pid " +
             std::to_string(libpq().PQbackendPID(impl_->conn)));
}

Session::~Session() {
  if (!impl_) return;
  if (impl_->conn) {
    try {
      const std::uint64_t n = round_trips();
      log::debug("Closed the connection to " + impl_->display + " after " + std::to_string(n) +
                 (n == 1 ? " round trip" : " round trips"));
    } catch (...) {  // a destructor never throws; the line is only for --verbose
    }
  }
  set_active_cancel(nullptr);
  if (impl_->cancel) libpq().PQfreeCancel(impl_->cancel);
  if (impl_->conn) libpq().PQfinish(impl_->conn);
}

void Session::exec(std::string_view sql) {
  // A signal is acted on before anything new is sent; a statement that has already succeeded
  // (a COMMIT above all) is never reported as interrupted.
  throw_if_interrupted();
  std::string text(sql);
  ++impl_->round_trips;
  set_active_cancel(impl_->cancel);
  PGresult* r = libpq().PQexec(impl_->conn, text.c_str());
  set_active_cancel(nullptr);
  ResultGuard guard{r};
  switch (r ? libpq().PQresultStatus(r) : PGRES_FATAL_ERROR) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return;
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT: {
      // Finish the copy so the connection stays usable, then refuse. COPY OUT has to be drained:
      // until then every PQgetResult reports COPY OUT again.
      if (libpq().PQresultStatus(r) == PGRES_COPY_IN) {
        libpq().PQputCopyEnd(impl_->conn, "COPY ... FROM STDIN is sent with its rows through copy_in");
      } else {
        char* row = nullptr;
        while (libpq().PQgetCopyData(impl_->conn, &row, 0) > 0) libpq().PQfreemem(row);
      }
      db_detail::drain(impl_->conn);
      SqlError e("COPY ... FROM STDIN without its data rows, or COPY ... TO STDOUT, cannot run in a migration");
      e.sqlstate = "0A000";
      throw e;
    }
    default:
      throw_result_error(impl_->conn, r);
  }
}

void Session::exec_cleanup(std::string_view sql) noexcept {
  try {
    std::string text(sql);
    ++impl_->round_trips;
    PGresult* r = libpq().PQexec(impl_->conn, text.c_str());
    if (r) libpq().PQclear(r);
  } catch (...) {
  }
}

Rows Session::query(std::string_view sql, const std::vector<Value>& params) {
  throw_if_interrupted();
  std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  ++impl_->round_trips;
  set_active_cancel(impl_->cancel);
  PGresult* r = libpq().PQexecParams(impl_->conn, text.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  set_active_cancel(nullptr);
  ResultGuard guard{r};
  ExecStatusType status = r ? libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw_result_error(impl_->conn, r);
  return db_detail::rows_of(r);
}

void Session::prepare(const std::string& name, std::string_view sql) {
  throw_if_interrupted();
  const std::string text(sql);
  const auto known = impl_->prepared.find(name);
  if (known != impl_->prepared.end()) {
    if (known->second == text) return;
    exec("DEALLOCATE " + quote_ident(name));
    impl_->prepared.erase(known);
  }
  ++impl_->round_trips;
  db_detail::CancelScope scope(impl_->cancel);
  PGresult* r = libpq().PQprepare(impl_->conn, name.c_str(), text.c_str(), 0, nullptr);
  ResultGuard guard{r};
  if (!r || libpq().PQresultStatus(r) != PGRES_COMMAND_OK) throw_result_error(impl_->conn, r);
  impl_->prepared.emplace(name, text);
}

void Session::forget_prepared(const std::string& name) { impl_->prepared.erase(name); }

std::uint64_t Session::round_trips() const { return impl_->round_trips; }

void Session::check_for_dead_client() {
  if (db_detail::check_for_dead_client(impl_->conn)) ++impl_->round_trips;
}

std::string Session::literal(std::string_view text) const {
  char* escaped = libpq().PQescapeLiteral(impl_->conn, text.data(), text.size());
  if (!escaped) throw SqlError("cannot quote a value: " + one_line(trim_trailing(libpq().PQerrorMessage(impl_->conn))));
  std::string out(escaped);
  libpq().PQfreemem(escaped);
  return out;
}

std::string Session::user() const { return impl_->user; }
std::string Session::database() const { return impl_->database; }
int Session::server_version() const { return libpq().PQserverVersion(impl_->conn); }
const std::string& Session::display() const { return impl_->display; }
int Session::backend_pid() const { return libpq().PQbackendPID(impl_->conn); }

void Session::cancel() noexcept {
  if (impl_ && impl_->cancel) {
    char buf[256];
    libpq().PQcancel(impl_->cancel, buf, sizeof buf);
  }
}

std::string quote_ident(std::string_view ident) {
  std::string out;
  out.reserve(ident.size() + 2);
  out.push_back('"');
  for (char c : ident) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace strata
