#include "strata/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/log.hpp"
#include "strata/script.hpp"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRedrawEvery = std::chrono::milliseconds(200);
constexpr auto kLookEvery = std::chrono::seconds(1);

std::string seconds_text(std::chrono::milliseconds elapsed) {
  const long long tenths = elapsed.count() / 100;
  if (tenths < 600) return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  const long long s = tenths / 10;
  return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
}

std::size_t terminal_width() {
  winsize size{};
  return ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
}

// Past the blanks and comments a statement starts with, to the line a person would point at.
std::size_t skip_leading_comments(std::string_view text, std::size_t at) {
  while (at < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[at]))) {
      ++at;
    } else if (text.compare(at, 2, "--") == 0) {
      const std::size_t end = text.find('\n', at);
      at = end == std::string_view::npos ? text.size() : end + 1;
    } else if (text.compare(at, 2, "/*") == 0) {
      const std::size_t end = text.find("*/", at + 2);
      at = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      break;
    }
  }
  return at;
}

}  // namespace

bool progress_wanted(const Config& config) {
  return isatty(STDERR_FILENO) && config.log_format == log::Format::Text && config.verbosity != log::Verbosity::Quiet;
}

std::string progress_text(std::size_t number, std::size_t total, const std::string& script,
                          std::chrono::milliseconds elapsed, const std::string& statement, std::size_t width) {
  std::string text = "[" + std::to_string(number) + "/" + std::to_string(total) + "] " + script + " " + seconds_text(elapsed);
  if (!statement.empty()) text += ", statement at line " + statement;
  // The line must never wrap, or the next redraw leaves its first part behind.
  if (width > 1 && text.size() > width - 1) text.resize(width - 1);
  return text;
}

std::string statement_position(const ResolvedMigration& migration, std::string_view running, std::size_t& from) {
  const std::string_view sent = strip_bom(migration.sql);
  // The server may cut the text (track_activity_query_size) and never shows the final ';'.
  while (!running.empty() && (running.back() == ';' || running.back() == ' ' || running.back() == '\n')) running.remove_suffix(1);
  if (running.empty()) return {};
  std::size_t at = sent.find(running, from);
  if (at == std::string_view::npos) at = sent.find(running);
  if (at == std::string_view::npos) return {};
  from = at;
  const ScriptSource source{migration.sql, migration.original_sql, migration.original_sql.empty() ? nullptr : &migration.splices};
  const TextPosition pos = source.position(skip_leading_comments(sent, at));
  return std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

struct MigrationProgress::State {
  std::vector<const ResolvedMigration*> plan;
  ConnectionSettings settings;
  int backend_pid;
  bool colour = log::colour_on(STDERR_FILENO);

  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  std::size_t index = 0;  // the migration running now
  Clock::time_point started = Clock::now();
  std::string statement;
  std::size_t search_from = 0;

  std::unique_ptr<Session> watcher;  // opened once, when a migration first runs long
  bool watcher_failed = false;
  Clock::time_point looked{};
  std::thread thread;

  void draw(std::unique_lock<std::mutex>& lock);
  void look_up_statement(std::unique_lock<std::mutex>& lock);
  void run();
};

// The statement the migrating session runs, from pg_stat_activity over a connection of our own:
// the session itself is busy. Called without failing the run: a watcher that cannot connect just
// leaves the statement out.
void MigrationProgress::State::look_up_statement(std::unique_lock<std::mutex>& lock) {
  const std::size_t looking_at = index;
  lock.unlock();
  std::optional<std::string> running;
  try {
    if (!watcher && !watcher_failed) {
      ConnectionSettings once = settings;
      once.connect_retries = 0;
      watcher = std::make_unique<Session>(once);
    }
    if (watcher) {
      Rows r = watcher->query("SELECT query FROM pg_catalog.pg_stat_activity WHERE pid = $1", {std::to_string(backend_pid)});
      if (!r.empty() && r[0][0]) running = *r[0][0];
    }
  } catch (...) {
    watcher_failed = true;
    watcher.reset();
  }
  lock.lock();
  if (running && looking_at == index) statement = statement_position(*plan[index], *running, search_from);
}

void MigrationProgress::State::draw(std::unique_lock<std::mutex>&) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  std::string text = progress_text(index + 1, plan.size(), plan[index]->script, elapsed, statement, terminal_width());
  if (colour) text = "\x1b[36m" + text + "\x1b[0m";
  log::set_status(text);
}

void MigrationProgress::State::run() {
  std::unique_lock lock(mutex);
  while (!stopping) {
    if (index < plan.size()) {
      const auto now = Clock::now();
      if (now - started >= kStatementAfter && now - looked >= kLookEvery) {
        looked = now;
        look_up_statement(lock);
        if (stopping) break;
      }
      if (index < plan.size()) draw(lock);
    }
    changed.wait_for(lock, kRedrawEvery, [&] { return stopping; });
  }
}

MigrationProgress::MigrationProgress(std::vector<const ResolvedMigration*> plan, ConnectionSettings settings, int backend_pid)
    : state_(std::make_unique<State>()) {
  state_->plan = std::move(plan);
  state_->settings = std::move(settings);
  state_->backend_pid = backend_pid;
  if (!state_->plan.empty()) state_->thread = std::thread([s = state_.get()] { s->run(); });
}

MigrationProgress::~MigrationProgress() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  if (state_->thread.joinable()) {
    state_->thread.join();
    log::set_status("");
  }
}

void MigrationProgress::applied(const AppliedOutcome&) {
  std::lock_guard lock(state_->mutex);
  ++state_->index;
  state_->started = Clock::now();
  state_->statement.clear();
  state_->search_from = 0;
}

}  // namespace strata
