#include "execute/blocker_watch.hpp"

#include "strata/log.hpp"

namespace strata::execute_detail {
namespace {

// One line, at most 200 characters: a query can be a whole script.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > 200) text = text.substr(0, 197) + "...";
  return text;
}

}  // namespace

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
  // pg_stat_activity shows the query of another user's session only to members of
  // pg_read_all_stats; otherwise it says so, which is still worth printing.
  const std::string sql =
      "SELECT a.pid, coalesce(a.usename, ''), coalesce(a.state, ''), coalesce(a.query, '') "
      "FROM pg_catalog.pg_stat_activity a WHERE a.pid = ANY (pg_catalog.pg_blocking_pids($1::int))";
  while (!stopping_) {
    try {
      for (const Row& r : session_->query(sql, {std::to_string(pid)})) {
        const int blocker = std::stoi(r[0].value_or("0"));
        std::string text = "PID " + std::to_string(blocker) + " (" + r[1].value_or("");
        if (!r[2].value_or("").empty()) text += ", " + *r[2];
        text += ": " + one_line(r[3].value_or("")) + ")";
        std::lock_guard lock(mutex_);
        seen_[blocker] = std::move(text);
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
