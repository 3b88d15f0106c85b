#pragma once
// wait_watch: says what a session waits for while it waits, so that a migration blocked by another
// session's lock never looks like a hang. Usage around anything that may block on the server:
//   WaitWatcher watch(connection_settings, backend_pid, interval);
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "strata/db.hpp"

namespace strata {

inline constexpr std::chrono::milliseconds default_wait_report_interval{5000};

// Another session as pg_stat_activity shows it.
struct Blocker {
  int pid = 0;
  std::string application_name;
  std::string client;           // client address, or "local socket"
  std::string state;            // e.g. "idle in transaction"
  std::int64_t state_seconds = 0;  // how long it has been in `state`
  std::string connected_since;  // backend_start, to the second
  std::string query;            // its current or last query; "<insufficient privilege>" when hidden
};

// The sessions `pid` is blocked by (pg_blocking_pids), asked over `probe`.
std::vector<Blocker> blockers_of(Session& probe, int pid);
// The sessions holding the advisory lock `key` (bigint form) in `probe`'s database.
std::vector<Blocker> advisory_lock_holders(Session& probe, std::int64_t key);
// The session `pid` as pg_stat_activity shows it to `probe`; a bare Blocker{pid} when it has gone.
Blocker activity_of(Session& probe, int pid);
// One line: "pid 123 (application_name 'psql', client 127.0.0.1, state 'idle in transaction' for
// 12s, connected since 2026-01-01 10:00:00+00, query: LOCK TABLE t)".
std::string describe(const Blocker& blocker);
std::string describe(const std::vector<Blocker>& blockers);

// While it lives, a thread wakes every `interval` and, when `backend_pid` is blocked, logs a
// warning naming each blocker. Its own connection is opened at the first wake-up only, so a
// statement that finishes within the interval costs nothing. Failures of the watcher itself are
// logged at debug level and never disturb the watched work.
class WaitWatcher {
 public:
  WaitWatcher(const ConnectionSettings& settings, int backend_pid,
              std::chrono::milliseconds interval = default_wait_report_interval);
  ~WaitWatcher();  // stops and joins the thread, closes its connection
  WaitWatcher(const WaitWatcher&) = delete;
  WaitWatcher& operator=(const WaitWatcher&) = delete;

 private:
  void watch(std::stop_token stop);

  ConnectionSettings settings_;
  int backend_pid_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts after every member it reads is ready
};

}  // namespace strata
