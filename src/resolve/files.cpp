#include "resolve/files.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "resolve/read.hpp"
#include "strata/error.hpp"

namespace strata::resolve_detail {
namespace {

// A callback's name: "<event>[<separator><description>]<suffix>", the event one of Flyway's ids.
std::optional<std::pair<CallbackEvent, std::string>> callback_name(std::string_view name, const NamingRules& naming,
                                                                   std::string& description) {
  for (const std::string& suffix : naming.suffixes) {
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
    std::string_view base = name.substr(0, name.size() - suffix.size());
    const std::size_t sep = base.find(naming.separator);
    std::string_view id = base.substr(0, sep);
    std::optional<CallbackEvent> event = parse_callback_event(id);
    if (!event) return std::nullopt;
    description.clear();
    if (sep != std::string_view::npos) {
      for (char c : base.substr(sep + naming.separator.size())) description += c == '_' ? ' ' : c;
    }
    return std::make_pair(*event, std::string(id));
  }
  return std::nullopt;
}

// What the jobs turned out to be, slot by slot in job order. Migrations are read straight into
// their slot, which becomes the result as it is when every job was one (the usual case), so no
// migration is moved on the way out; callbacks are few and kept aside.
struct Outcomes {
  explicit Outcomes(std::size_t n) : migrations(n), is_migration(n, 0), callbacks(n), errors(n) {}
  std::vector<ResolvedMigration> migrations;
  std::vector<char> is_migration;
  std::vector<std::unique_ptr<ResolvedCallback>> callbacks;
  std::vector<std::exception_ptr> errors;
};

void read_config(const FileJob& job, ResolvedMigration& m) {
  const std::string conf = std::string(job.name) + ".conf";
  m.config_path = join_path(*job.dir, conf);
  m.execute_in_transaction =
      parse_script_config(read_whole_file(job.dir_fd, conf.c_str(), m.config_path.string()), m.config_path.string())
          .execute_in_transaction;
}

// Reads one job into its slot of `outcomes`.
void read_job(const FileJob& job, const NamingRules& naming, Outcomes& outcomes, std::size_t slot) {
  std::optional<MigrationName> parsed;
  try {
    parsed = parse_migration_name(job.name, naming);
  } catch (InputError& e) {
    e.file = join_path(*job.dir, job.name);
    throw;
  }
  if (!parsed) {
    std::string description;
    auto cb = callback_name(job.name, naming, description);
    if (!cb) return;
    auto c = std::make_unique<ResolvedCallback>();
    c->event = cb->first;
    c->event_id = std::move(cb->second);
    c->description = std::move(description);
    c->script = *job.rel + std::string(job.name);
    c->path = join_path(*job.dir, job.name);
    c->sql = read_migration_text(job.dir_fd, std::string(job.name), c->path.string(), *job.rel, nullptr,
                                 job.listed_regular);
    outcomes.callbacks[slot] = std::move(c);
    return;
  }
  ResolvedMigration& m = outcomes.migrations[slot];
  m.kind = parsed->kind;
  m.version = std::move(parsed->version);
  m.description = std::move(parsed->description);
  m.script.reserve(job.rel->size() + job.name.size());
  m.script.append(*job.rel).append(job.name);
  std::string path = join_path(*job.dir, job.name);
  FlywayChecksum checksum;  // taken as the file is read
  m.sql = read_migration_text(job.dir_fd, std::string(job.name), path, *job.rel, &checksum, job.listed_regular);
  m.checksum = checksum.value();
  m.path = std::move(path);
  if (job.configured) read_config(job, m);
  outcomes.is_migration[slot] = 1;
}

// Jobs are handed out in runs: neighbours share a directory's cache lines, and the counter is
// touched once per run instead of once per file.
constexpr std::size_t kRun = 32;

void drain(std::atomic<std::size_t>& next, const std::vector<FileJob>& jobs, const NamingRules& naming,
           Outcomes& outcomes) {
  for (;;) {
    const std::size_t begin = next.fetch_add(kRun, std::memory_order_relaxed);
    if (begin >= jobs.size()) return;
    const std::size_t end = std::min(jobs.size(), begin + kRun);
    for (std::size_t i = begin; i < end; ++i) {
      try {
        read_job(jobs[i], naming, outcomes, i);
      } catch (...) {
        outcomes.errors[i] = std::current_exception();
      }
    }
  }
}

}  // namespace

unsigned reader_threads(std::size_t jobs) {
  if (jobs < 2 * kRun) return 1;
  // Asked once: glibc reads it from /sys on every call, and a walk asks once per folder.
  static const unsigned cores = std::thread::hardware_concurrency();
  return cores >= 2 ? 2 : 1;
}

void read_jobs(const std::vector<FileJob>& jobs, const NamingRules& naming, std::vector<ResolvedMigration>& out,
               std::vector<ResolvedCallback>& callbacks) {
  Outcomes outcomes(jobs.size());
  std::atomic<std::size_t> next{0};
  std::optional<std::thread> helper;
  if (reader_threads(jobs.size()) > 1) {
    try {
      helper.emplace([&] { drain(next, jobs, naming, outcomes); });
    } catch (const std::system_error&) {
      // No thread to be had: this one reads them all.
    }
  }
  drain(next, jobs, naming, outcomes);
  if (helper) helper->join();
  for (const std::exception_ptr& error : outcomes.errors) {
    if (error) std::rethrow_exception(error);
  }
  const bool all_migrations = std::all_of(outcomes.is_migration.begin(), outcomes.is_migration.end(),
                                          [](char m) { return m != 0; });
  if (all_migrations && out.empty()) {
    out = std::move(outcomes.migrations);
  } else {
    // Grown geometrically: a walk appends once per folder, and a project may have hundreds.
    if (out.capacity() < out.size() + jobs.size()) out.reserve(std::max(out.size() + jobs.size(), 2 * out.capacity()));
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (outcomes.is_migration[i]) out.push_back(std::move(outcomes.migrations[i]));
    }
  }
  for (std::unique_ptr<ResolvedCallback>& c : outcomes.callbacks) {
    if (c) callbacks.push_back(std::move(*c));
  }
}

}  // namespace strata::resolve_detail
