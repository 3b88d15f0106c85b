#pragma once
// lock: the advisory lock that serialises runners on one history table, with Flyway's key, held
// as a session lock on a connection of its own so no migration transaction ever waits on it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "strata/wait_watch.hpp"

namespace strata {

struct ConnectionSettings;
class Session;

// 77431708279161 + Java's String.hashCode() of the quoted table name.
std::int64_t flyway_lock_key(std::string_view quoted_table) noexcept;
// Java's String.hashCode() over the UTF-16 code units of UTF-8 `text`.
std::int32_t java_string_hash(std::string_view utf8_text) noexcept;

class MigrationLock {
 public:
  // Opens its own connection and polls pg_try_advisory_lock(key) until it succeeds or `timeout`
  // passes (then throws LockTimeout naming the table and the holder). While it waits it logs at
  // once, then every `report_interval`, which session holds the lock (pid, application_name,
  // client, state, since when).
  MigrationLock(const ConnectionSettings& settings, std::int64_t key, std::string_view table_display,
                std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100),
                std::chrono::milliseconds report_interval = default_wait_report_interval);
  // As above, on `session`, a connection opened for the lock alone (migrate opens it while it
  // prepares the plan, so the connection's set-up is not waited for on its own).
  MigrationLock(std::unique_ptr<Session> session, std::int64_t key, std::string_view table_display,
                std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100),
                std::chrono::milliseconds report_interval = default_wait_report_interval);
  ~MigrationLock();  // releases the lock and closes the connection

  // Throws ConnectError when the lock's connection has ended (a failover, or the backend was
  // terminated): the server released the lock with it, so another runner may hold it now.
  void ensure_held() const;
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  std::unique_ptr<Session> session_;
  std::int64_t key_;
};

}  // namespace strata
