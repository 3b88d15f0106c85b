#pragma once
// Who blocks a migration: once the server gives up waiting for a lock, the waiter's
// pg_blocking_pids() is empty, so a connection of its own looks while the migration runs and
// remembers every session it saw blocking it. Private to src/execute/.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "strata/db.hpp"

namespace strata::execute_detail {

class BlockerWatch {
 public:
  // Connects on first use; without a connection (too many clients, say) it sees nothing.
  explicit BlockerWatch(ConnectionSettings settings, std::chrono::milliseconds interval);
  ~BlockerWatch();
  BlockerWatch(const BlockerWatch&) = delete;
  BlockerWatch& operator=(const BlockerWatch&) = delete;

  // Starts looking at what blocks the backend `pid`, forgetting what was seen before.
  void start(int pid);
  void stop();
  // Each blocker seen since start, by PID, as strata/wait_watch.hpp describes it:
  // "PID 123 (application_name 'psql', client local socket, state 'idle in transaction' ...)".
  std::map<int, std::string> seen() const;

 private:
  void look(int pid);

  ConnectionSettings settings_;
  std::chrono::milliseconds interval_;
  std::unique_ptr<Session> session_;
  bool unavailable_ = false;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<int, std::string> seen_;
};

}  // namespace strata::execute_detail
