#include "strata/wait_watch.hpp"

#include <memory>
#include <stdexcept>

#include "libpq.hpp"
#include "strata/log.hpp"

namespace strata {
namespace {

// What is shown of each blocker; the query cut to one line of reasonable length.
constexpr const char* kActivityColumns =
    "a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local socket'), "
    "coalesce(a.state, 'unknown'), coalesce(extract(epoch FROM now() - a.state_change)::bigint, 0), "
    "coalesce(date_trunc('second', a.backend_start)::text, ''), "
    "left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 300)";

std::string blockers_sql() {
  return std::string("SELECT ") + kActivityColumns +
         " FROM unnest(pg_blocking_pids($1::int)) AS b(pid) JOIN pg_stat_activity a ON a.pid = b.pid ORDER BY a.pid";
}

// A bigint advisory key shows in pg_locks as classid (high half), objid (low half), objsubid 1.
std::string holders_sql() {
  return std::string("SELECT ") + kActivityColumns +
         " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
         " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
         " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
         " AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint ORDER BY a.pid";
}

std::vector<Blocker> to_blockers(const Rows& rows) {
  std::vector<Blocker> out;
  for (const Row& r : rows) {
    const auto text = [&](std::size_t i) { return r.at(i).value_or(""); };
    Blocker b;
    b.pid = std::stoi(text(0));
    b.application_name = text(1);
    b.client = text(2);
    b.state = text(3);
    b.state_seconds = std::stoll(text(4));
    b.connected_since = text(5);
    b.query = text(6);
    out.push_back(std::move(b));
  }
  return out;
}

// The watcher's own connection. Raw libpq rather than Session: a Session registers itself as
// the statement SIGINT/SIGTERM cancels, and the watcher must never take that place from the
// session it watches.
class Probe {
 public:
  explicit Probe(const std::string& conninfo) : conn_(libpq().PQconnectdb(conninfo.c_str())) {
    if (!conn_ || libpq().PQstatus(conn_) != CONNECTION_OK) {
      const std::string reason = conn_ ? libpq().PQerrorMessage(conn_) : "out of memory";
      if (conn_) libpq().PQfinish(conn_);
      throw std::runtime_error(reason);
    }
    // Never stuck behind the very lock it reports on.
    query("SELECT set_config('statement_timeout', '2000', false), set_config('lock_timeout', '1000', false)", {});
  }
  ~Probe() { libpq().PQfinish(conn_); }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  Rows query(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = libpq().PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                       nullptr, nullptr, 0);
    std::unique_ptr<PGresult, decltype(libpq().PQclear)> guard(r, libpq().PQclear);
    if (!r || libpq().PQresultStatus(r) != PGRES_TUPLES_OK) throw std::runtime_error(libpq().PQerrorMessage(conn_));
    Rows rows;
    for (int i = 0; i < libpq().PQntuples(r); ++i) {
      Row row;
      for (int j = 0; j < libpq().PQnfields(r); ++j) {
        if (libpq().PQgetisnull(r, i, j)) row.emplace_back(std::nullopt);
        else row.emplace_back(std::string(libpq().PQgetvalue(r, i, j), libpq().PQgetlength(r, i, j)));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 private:
  PGconn* conn_;
};

}  // namespace

std::vector<Blocker> blockers_of(Session& probe, int pid) {
  return to_blockers(probe.query(blockers_sql(), {std::to_string(pid)}));
}

std::vector<Blocker> advisory_lock_holders(Session& probe, std::int64_t key) {
  return to_blockers(probe.query(holders_sql(), {std::to_string(key)}));
}

Blocker activity_of(Session& probe, int pid) {
  const std::string sql = std::string("SELECT ") + kActivityColumns + " FROM pg_stat_activity a WHERE a.pid = $1::int";
  std::vector<Blocker> found = to_blockers(probe.query(sql, {std::to_string(pid)}));
  if (!found.empty()) return found.front();
  Blocker gone;
  gone.pid = pid;
  return gone;
}

std::string describe(const Blocker& b) {
  std::string out = "pid " + std::to_string(b.pid) + " (application_name '" + b.application_name + "', client " +
                    b.client + ", state '" + b.state + "' for " + std::to_string(b.state_seconds) + "s";
  if (!b.connected_since.empty()) out += ", connected since " + b.connected_since;
  if (!b.query.empty()) out += ", query: " + b.query;
  return out + ")";
}

std::string describe(const std::vector<Blocker>& blockers) {
  std::string out;
  for (const Blocker& b : blockers) out += (out.empty() ? "" : "; ") + describe(b);
  return out;
}

WaitWatcher::WaitWatcher(const ConnectionSettings& settings, int backend_pid, std::chrono::milliseconds interval)
    : settings_(settings),
      backend_pid_(backend_pid),
      interval_(interval),
      thread_([this](std::stop_token stop) { watch(stop); }) {}

WaitWatcher::~WaitWatcher() {
  thread_.request_stop();
  wake_.notify_all();
}

void WaitWatcher::watch(std::stop_token stop) {
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<Probe> probe;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, stop, interval_, [&] { return stop.stop_requested(); })) {
    try {
      if (!probe) probe = std::make_unique<Probe>(settings_.conninfo);
      const std::vector<Blocker> blockers = to_blockers(probe->query(blockers_sql(), {std::to_string(backend_pid_)}));
      if (blockers.empty()) continue;
      const auto waited =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
      log::warn("Still waiting after " + std::to_string(waited) + "s: backend pid " + std::to_string(backend_pid_) +
                    " is blocked by " + describe(blockers),
                {{"waited_s", static_cast<std::int64_t>(waited)},
                 {"backend_pid", backend_pid_},
                 {"blocking_pid", blockers.front().pid}});
    } catch (const std::exception& e) {
      log::debug(std::string("wait watcher: cannot ask the server what backend pid ") + std::to_string(backend_pid_) +
                 " waits for: " + e.what());
      probe.reset();
    }
  }
}

}  // namespace strata
