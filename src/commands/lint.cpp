// lint: every migration (or, with --pending, those the database has not run) checked for
// statements that lock or rewrite a live table; and the same check in migrate's pre-flight.
#include <algorithm>
#include <future>
#include <iostream>

#include "strata/commands.hpp"
#include "strata/commands_run.hpp"
#include "strata/lint.hpp"
#include "strata/log.hpp"

namespace strata {
namespace {

// Versioned migrations by version, then repeatables by description: the order they run in.
std::vector<const ResolvedMigration*> in_run_order(const std::vector<ResolvedMigration>& migrations) {
  std::vector<const ResolvedMigration*> plan;
  for (const ResolvedMigration& m : migrations) plan.push_back(&m);
  std::stable_sort(plan.begin(), plan.end(), [](const ResolvedMigration* a, const ResolvedMigration* b) {
    if (a->version.has_value() != b->version.has_value()) return a->version.has_value();
    if (a->version) return *a->version < *b->version;
    return a->description < b->description;
  });
  return plan;
}

// The connected server's major version, which decides what is safe (e.g. constant defaults, 11+).
LintSettings connected_settings(const Run& run) {
  LintSettings settings = lint_settings(run.config);
  settings.server_major = run.session->server_version() / 10000;
  return settings;
}

std::vector<LintFinding> lint_pending(const Config& config, std::size_t& files) {
  Run run = open_run(config, {});
  std::vector<AppliedMigration> applied;
  if (run.facts.history_exists) applied = first_history(run);
  const Reconciliation rec = reconcile(run.migrations(), applied, reconcile_options(config));
  replace_pending(run, rec.pending);
  Linter linter(connected_settings(run), true);
  files = rec.pending.size();
  return lint_migrations(rec.pending, linter);
}

// Without a database each file is judged as it will run in production, where the migrations
// before it ran long ago: their tables are no longer new.
std::vector<LintFinding> lint_all(const Config& config, std::size_t& files) {
  const ResolvedScripts scripts = read_scripts(config);
  Linter linter(lint_settings(config));
  files = scripts.migrations.size();
  return lint_migrations(in_run_order(scripts.migrations), linter);
}

void print(const Config& config, const std::vector<LintFinding>& findings, std::size_t files) {
  if (config.output == OutputFormat::Json) {
    std::cout << findings_json(findings) << std::endl;
    return;
  }
  for (const LintFinding& f : findings) std::cout << format_finding(f) << '\n';
  log::info("Linted " + std::to_string(files) + (files == 1 ? " migration: " : " migrations: ") +
                std::to_string(findings.size()) + (findings.size() == 1 ? " finding" : " findings"),
            {{"findings", static_cast<std::int64_t>(findings.size())}});
}

}  // namespace

int run_lint(const Config& config, const CommandArgs& args) {
  const LintSeverity threshold = lint_fail_on(config);
  const bool pending = args.switches.count("--pending") > 0;
  std::size_t files = 0;
  const std::vector<LintFinding> findings = pending ? lint_pending(config, files) : lint_all(config, files);
  print(config, findings, files);
  return reaches(findings, threshold) ? 1 : 0;
}

PendingLint lint_before_migrate(const Run& run, std::vector<const ResolvedMigration*> plan) {
  if (lint_mode(run.config) == LintMode::Off || plan.empty()) return {};
  // The settings are read here, on the caller's thread; the lint itself reads only the files.
  return std::async(std::launch::async, [settings = connected_settings(run), plan = std::move(plan)] {
    Linter linter(settings, true);
    return lint_migrations(plan, linter);
  });
}

void report_lint_before_migrate(const Run& run, PendingLint pending) {
  if (!pending.valid()) return;
  const std::vector<LintFinding> findings = pending.get();
  const LintMode mode = lint_mode(run.config);
  for (const LintFinding& f : findings)
    log::warn(format_finding(f), {{"rule", f.rule}, {"migration", f.file}, {"line", static_cast<std::int64_t>(f.line)}});
  if (mode != LintMode::Error || findings.empty()) return;
  const LintFinding& first = findings.front();
  InputError e(first.file + ":" + std::to_string(first.line) + ":" + std::to_string(first.column) + ": " +
               "refusing to migrate: " + std::to_string(findings.size()) + " lint finding" +
               (findings.size() == 1 ? "" : "s") + " in pending migrations (lint: error), the first " + first.rule +
               ": " + first.message);
  e.file = first.file;
  e.line = first.line;
  e.column = first.column;
  e.hint = "fix: " + first.fix + "; or accept the risk with -- strata:lint-ignore " + first.rule + " <reason>";
  throw e;
}

}  // namespace strata
