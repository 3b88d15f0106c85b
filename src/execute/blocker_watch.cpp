#include "execute/blocker_watch.hpp"

#include "strata/log.hpp"
#include "strata/wait_watch.hpp"

namespace strata::execute_detail {

BlockerWatch::BlockerWatch(ConnectionSettings settings, std::chrono::milliseconds interval)
    : settings_(std::move(settings)), interval_(interval) {}

BlockerWatch::~BlockerWatch() { stop(); }

void BlockerWatch::start(int pid) {
  stop();
  {
    std::lock_guard lock(mutex_);
    seen_.clear();
  }
  if (!session_ && !unavailable_) {
    try {
      session_ = std::make_unique<Session>(settings_);
    } catch (const Error& e) {
      unavailable_ = true;
      log::debug(std::string("cannot open a connection to watch for blocking sessions: ") + e.what());
      return;
    }
  }
  if (!session_) return;
  stopping_ = false;
  thread_ = std::thread([this, pid] { look(pid); });
}

void BlockerWatch::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::map<int, std::string> BlockerWatch::seen() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

void BlockerWatch::look(int pid) {
  while (!stopping_) {
    try {
      for (const Blocker& b : blockers_of(*session_, pid)) {
        // The retry messages name a blocker as "PID 123 (...)"; the rest as the wait reports it.
        std::string text = describe(b);
        text.replace(0, 3, "PID");
        std::lock_guard lock(mutex_);
        seen_[b.pid] = std::move(text);
      }
    } catch (const Error&) {
      return;  // the watch is a courtesy; the migration's own error is what counts
    }
    for (auto slept = std::chrono::milliseconds(0); slept < interval_ && !stopping_; slept += std::chrono::milliseconds(10)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace strata::execute_detail
