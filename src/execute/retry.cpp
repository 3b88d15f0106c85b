// The lock-retry strategy: wraps another strategy and runs a migration again when it gave up
// waiting for a lock (lock_timeout, SQLSTATE 55P03). The migration was rolled back (or, outside a
// transaction, had not started), so trying again later is safe; the wait between attempts grows
// exponentially with jitter, so that several runners blocked by one transaction do not return
// in step. Each attempt is logged with the sessions a watcher saw blocking it.
#include <algorithm>
#include <random>
#include <thread>

#include "execute/blocker_watch.hpp"
#include "execute/shared.hpp"
#include "strata/db.hpp"
#include "strata/interrupt.hpp"
#include "strata/lock_safety.hpp"
#include "strata/log.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

using namespace execute_detail;

constexpr std::string_view kLockTimeout = "55P03";

// Outside a transaction only a timeout of the first statement leaves nothing applied.
bool nothing_applied(const PreparedMigration& p, const MigrationFailed& e) {
  if (p.mode == ExecutionMode::InTransaction) return true;
  const auto& statements = p.script.statements;
  if (e.file != p.migration->path.string()) return false;  // a callback's statement: the migration's ran or not
  // Lines in the file as written, where the error points (placeholders may have moved them).
  const ScriptSource source = source_of(*p.migration);
  if (statements.empty() || e.line <= 0 || e.line < source.position(statements.front().offset).line) return false;
  return statements.size() == 1 || e.line < source.position(statements[1].offset).line;
}

std::string list_blockers(const std::map<int, std::string>& seen) {
  if (seen.empty()) return "no blocking session was seen (it may have been too quick to catch)";
  std::string out = "blocked by ";
  bool first = true;
  for (const auto& [pid, text] : seen) {
    out += (first ? "" : ", ") + text;
    first = false;
  }
  return out;
}

std::string seconds_text(std::chrono::milliseconds d) {
  const auto tenths = (d.count() + 50) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
}

class RetryOnLockTimeout final : public MigrationStrategy {
 public:
  RetryOnLockTimeout(std::unique_ptr<MigrationStrategy> inner, Session& session, const LockSafety& safety)
      : inner_(std::move(inner)), session_(session), safety_(safety),
        watch_(safety.connection, std::clamp(*safety.lock_timeout / 5, std::chrono::milliseconds(20),
                                             std::chrono::milliseconds(250))),
        random_(std::random_device{}()) {}

  void apply(const PreparedMigration& p) override {
    for (int attempt = 1;; ++attempt) {
      std::map<int, std::string> blockers;
      try {
        watch_.start(session_.backend_pid());
        struct StopWatching {
          BlockerWatch& watch;
          ~StopWatching() { watch.stop(); }
        } stop{watch_};
        inner_->apply(p);
        return;
      } catch (const MigrationFailed& e) {
        if (e.sqlstate != kLockTimeout || !nothing_applied(p, e)) throw;
        blockers = watch_.seen();
        if (safety_.retries >= 0 && attempt > safety_.retries) throw gave_up(p, e, attempt, blockers);
      }
      const std::chrono::milliseconds wait = backoff(attempt);
      log::warn(p.migration->script + ": gave up waiting for a lock after " + seconds_text(*safety_.lock_timeout) +
                    " (attempt " + std::to_string(attempt) + attempts_text() + "), " + list_blockers(blockers) +
                    "; nothing of it is applied, trying again in " + seconds_text(wait),
                {{"migration", p.migration->script}, {"attempt", attempt},
                 {"blocking_pids", pids_text(blockers)}, {"retry_in_ms", static_cast<std::int64_t>(wait.count())}});
      sleep(wait);
    }
  }

 private:
  std::string attempts_text() const {
    return safety_.retries < 0 ? std::string() : " of " + std::to_string(safety_.retries + 1);
  }

  static std::string pids_text(const std::map<int, std::string>& blockers) {
    std::string out;
    for (const auto& [pid, text] : blockers) out += (out.empty() ? "" : ",") + std::to_string(pid);
    return out;
  }

  MigrationFailed gave_up(const PreparedMigration& p, const MigrationFailed& e, int attempts,
                          const std::map<int, std::string>& blockers) const {
    MigrationFailed failure(std::string(e.what()) + " (" + std::to_string(attempts) +
                            (attempts == 1 ? " attempt" : " attempts") + ", each rolled back; last " +
                            list_blockers(blockers) + ")");
    failure.file = e.file;
    failure.line = e.line;
    failure.column = e.column;
    failure.sqlstate = e.sqlstate;
    failure.detail = e.detail;
    failure.context = e.context;
    failure.hint = "nothing of " + p.migration->script +
                   " is applied: end or wait out the blocking transaction, or raise --lock-timeout / --lock-retries";
    return failure;
  }

  std::chrono::milliseconds backoff(int attempt) {
    std::chrono::milliseconds wait = safety_.backoff_base;
    for (int i = 1; i < attempt && wait < safety_.backoff_cap; ++i) wait *= 2;
    wait = std::min(wait, safety_.backoff_cap);
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(wait.count()) * jitter(random_)));
  }

  static void sleep(std::chrono::milliseconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      throw_if_interrupted();
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
    }
    throw_if_interrupted();
  }

  std::unique_ptr<MigrationStrategy> inner_;
  Session& session_;
  const LockSafety& safety_;
  BlockerWatch watch_;
  std::mt19937 random_;
};

}  // namespace

std::unique_ptr<MigrationStrategy> with_lock_retry(std::unique_ptr<MigrationStrategy> inner, Session& session,
                                                   const LockSafety* safety) {
  if (!safety || !safety->lock_timeout) return inner;
  return std::make_unique<RetryOnLockTimeout>(std::move(inner), session, *safety);
}

}  // namespace strata
