#include "strata/fleet_runner.hpp"

#include <atomic>
#include <mutex>
#include <thread>

#include "../cli.hpp"
#include "strata/error.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

// What the threads share: the next target to take and why the rest are skipped, if they are.
class Queue {
 public:
  explicit Queue(std::size_t size) : size_(size) {}

  // The next target's index, or size() when none is left.
  std::size_t take() { return next_.fetch_add(1); }
  std::size_t size() const { return size_; }

  void stop(std::string because) {
    std::lock_guard lock(mutex_);
    if (stopped_because_.empty()) stopped_because_ = std::move(because);
  }
  std::string stopped_because() {
    std::lock_guard lock(mutex_);
    return stopped_because_;
  }

 private:
  const std::size_t size_;
  std::atomic<std::size_t> next_{0};
  std::mutex mutex_;
  std::string stopped_because_;
};

void record_failure(TargetResult& result, const Error& e) {
  result.outcome = Outcome::Failed;
  result.exit_code = exit_code(e);
  result.error_kind = std::string(kind_name(e.kind()));
  result.error = log::redact(e.what());
  if (!e.sqlstate.empty()) result.error += " (SQLSTATE " + e.sqlstate + ")";
  cli::print_error(e, false);
}

void run_one(const Config& base, const FleetTarget& target, const TargetWork& work, TargetResult& result) {
  const log::TargetScope scope(target.name);
  const Stopwatch watch;
  try {
    const Config config = target_config(base, target);
    const int code = work(config, result);
    result.outcome = code == 0 ? Outcome::Succeeded : Outcome::Failed;
    result.exit_code = code;
  } catch (const Error& e) {
    record_failure(result, e);
  } catch (const std::exception& e) {
    record_failure(result, InternalError(std::string("internal error: ") + e.what()));
  }
  result.duration = watch.elapsed();
}

void worker(const Config& base, const std::vector<FleetTarget>& targets, const FleetRunOptions& options,
            const TargetWork& work, Queue& queue, std::vector<TargetResult>& results) {
  for (std::size_t i = queue.take(); i < queue.size(); i = queue.take()) {
    TargetResult& result = results[i];
    if (const int sig = interrupted_signal()) {
      result.skipped_because = "interrupted";
      result.exit_code = 128 + sig;
      continue;
    }
    if (std::string because = queue.stopped_because(); !because.empty()) {
      result.skipped_because = because;
      continue;
    }
    run_one(base, targets[i], work, result);
    if (options.fail_fast && result.outcome == Outcome::Failed) queue.stop("--fail-fast: " + result.name + " failed");
  }
}

}  // namespace

Config target_config(const Config& base, const FleetTarget& target) {
  Config config = base;
  config.connection = target.connection;
  config.output = OutputFormat::Text;
  std::string quoted;  // as one shell word
  for (char c : target.name) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  config.command_args += " --target-filter '" + quoted + "'";
  return config;
}

std::vector<TargetResult> run_targets(const Config& base, const std::vector<FleetTarget>& targets,
                                      const FleetRunOptions& options, const TargetWork& work) {
  std::vector<TargetResult> results(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    results[i].name = targets[i].name;
    results[i].display = targets[i].connection.display;
  }
  Queue queue(targets.size());
  const std::size_t threads = std::max<std::size_t>(1, std::min(options.parallel, targets.size()));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] { worker(base, targets, options, work, queue, results); });
  }
  for (std::thread& thread : pool) thread.join();
  return results;
}

}  // namespace strata
