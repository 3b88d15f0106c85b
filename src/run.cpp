#include "strata/run.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <future>

#include "strata/lock_safety.hpp"
#include "strata/log.hpp"

namespace strata {

ResolvedScripts read_scripts(const Config& config) {
  const Stopwatch watch;
  ResolveOptions options;
  options.locations = config.locations;
  options.naming = config.naming;
  ResolvedScripts resolved = resolve_scripts(options);
  log::debug("Resolved " + std::to_string(resolved.migrations.size()) + " migrations and " +
                 std::to_string(resolved.callbacks.size()) + " callbacks",
             {{"duration_ms", watch.elapsed_ms()}});
  return resolved;
}

namespace {

std::unique_ptr<Session> connect(const Config& config) {
  const Stopwatch watch;
  auto session = std::make_unique<Session>(config.connection);
  log::debug("Connected to " + session->display(), {{"duration_ms", watch.elapsed_ms()}});
  return session;
}

// Everything the first look needs of the server, in one round trip. The schema that holds the
// history table is --default-schema, else the first of --schemas, else whatever the connection's
// search_path makes current (Flyway's rule).
// With `with_history`, the history's rows are asked for in the same round trip (one pipeline),
// before the server has said where the table is: from the configured schema, else by its bare
// name, which the search_path resolves to the table in current_schema() whenever that holds one
// (a new session has no temporary tables). They are kept only when the table is where the facts
// say; otherwise, or if that read failed, load_history reads (and explains) again.
ServerFacts read_server_facts(const Config& config, Session& session, bool with_history) {
  Value schema;
  if (!config.default_schema.empty()) schema = config.default_schema;
  else if (!config.schemas.empty()) schema = config.schemas.front();
  PipelineResults results;
  session.enter_pipeline();
  try {
    session.queue(
        "SELECT q.s, current_user, current_database(), current_setting('search_path'), n.oid IS NOT NULL,"
        " EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relname = $2"
        " AND c.relkind IN ('r', 'p'))"
        " FROM (SELECT coalesce($1, current_schema()) AS s) q LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = q.s",
        {schema, config.table});
    if (with_history) {
      session.queue(HistoryTable::load_sql(schema ? quote_ident(*schema) + "." + quote_ident(config.table)
                                                  : quote_ident(config.table)));
    }
    session.sync();
    results = session.collect();
    session.exit_pipeline();
  } catch (...) {
    session.abandon_pipeline();
    throw;
  }
  if (results.failed_index == std::size_t{0}) throw *results.error;
  const Rows& r = results.rows.at(0);
  if (r.empty() || !r[0][0]) {
    throw ConfigError("cannot tell the default schema: the search_path of " + session.display() +
                      " names no existing schema; set --schemas");
  }
  ServerFacts facts;
  facts.schema = *r[0][0];
  facts.current_user = r[0][1].value_or("");
  facts.database = r[0][2].value_or("");
  facts.search_path = r[0][3].value_or("");
  facts.schema_exists = r[0][4].value_or("f") == "t";
  facts.history_exists = r[0][5].value_or("f") == "t";
  if (facts.history_exists && results.rows.size() > 1) facts.history = HistoryTable::from_rows(std::move(results.rows[1]));
  return facts;
}

struct Reached {
  ResolvedScripts scripts;
  std::unique_ptr<Session> session;
  ServerFacts facts;
};

// Reading the files, and connecting and asking the first questions, all wait on I/O, so they
// overlap: files in a thread of their own while this one talks to the server (read-only). A bad
// file is still the error reported, even when the database is also unreachable, and the files
// are fully read before anything is written.
Reached resolve_and_connect(const Config& config, bool with_history) {
  if (config.shared_scripts) {
    std::unique_ptr<Session> session = connect(config);
    ServerFacts facts = read_server_facts(config, *session, with_history);
    return {*config.shared_scripts, std::move(session), std::move(facts)};
  }
  auto files = std::async(std::launch::async, [&config] { return read_scripts(config); });
  std::unique_ptr<Session> session;
  ServerFacts facts;
  try {
    session = connect(config);
    facts = read_server_facts(config, *session, with_history);
  } catch (...) {
    files.get();  // an input error wins over a connection error
    throw;
  }
  return {files.get(), std::move(session), std::move(facts)};
}

// Flyway puts the default schema in front of the session's search_path for migrations, so
// unqualified names land there while objects in the rest of the path stay visible. Returns the
// search_path that migrations start from.
std::string use_default_schema(Session& session, const std::string& original, const std::string& schema) {
  const std::string quoted = quote_ident(schema);
  if (original == schema || original == quoted || original.starts_with(schema + ",") ||
      original.starts_with(quoted + ",")) {
    return original;
  }
  std::string path = original.empty() ? quoted : quoted + "," + original;
  session.query("SELECT set_config('search_path', $1, false)", {path});
  return path;
}

std::string command_args(const Config& config) {
  return (config.environment.empty() ? std::string() : " -e " + config.environment) + config.command_args;
}

// Replaces the placeholders of one script, keeping what is needed to point errors into its file.
template <typename Script>
void replace_in(Script& script, const PlaceholderSettings& placeholders) {
  if (!has_placeholders(script.sql, placeholders)) return;  // no second copy of a large file
  std::vector<Splice> splices;
  std::string replaced = replace_placeholders(script.sql, placeholders, script.path.filename().string(),
                                              script.path.string(), &splices);
  if (!splices.empty()) {
    script.original_sql = std::move(script.sql);
    script.splices = std::move(splices);
  }
  script.sql = std::move(replaced);
}

// Flyway's placeholders, replaced once the connection-dependent built-ins are known. Repeatables
// and callbacks are replaced here, since a repeatable's checksum is that of its replaced text;
// versioned migrations keep their raw checksum and are replaced by `replace_pending` only when
// they are about to run, so an applied one never fails for a placeholder nobody sets any more.
void apply_placeholders(Run& run) {
  const Config& config = run.config;
  run.placeholders.enabled = config.placeholder_replacement;
  if (!config.placeholder_replacement) return;
  run.placeholders.prefix = config.placeholder_prefix;
  run.placeholders.suffix = config.placeholder_suffix;
  run.placeholders.values = config.placeholders;
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  run.placeholders.builtins =
      builtin_placeholders(run.history->name().schema, run.facts.current_user, run.facts.database,
                           run.history->name().table, config.environment, cwd.string(), std::chrono::system_clock::now());
  for (ResolvedMigration& m : run.scripts.migrations) {
    if (m.kind != MigrationKind::Repeatable) continue;
    const std::string name = m.path.filename().string();
    MigrationChecksums sums = migration_checksums(m.kind, m.sql, run.placeholders, name, m.path.string());
    m.checksum = sums.checksum;
    m.equivalent_checksum = sums.equivalent_checksum;
    replace_in(m, run.placeholders);
  }
  for (ResolvedCallback& c : run.scripts.callbacks) replace_in(c, run.placeholders);
}

void check_schemas_exist(Run& run) {
  if (run.config.create_schemas) return;
  std::vector<std::string> schemas{run.history->name().schema};
  schemas.insert(schemas.end(), run.config.schemas.begin(), run.config.schemas.end());
  for (const std::string& s : schemas) {
    if (!run.history->schema_exists(s)) {
      throw ConfigError("schema " + quote_ident(s) + " does not exist and createSchemas is false; create it, or set --create-schemas=true");
    }
  }
}

}  // namespace

AppliedMigration baseline_row(const Run& run) {
  AppliedMigration row;
  row.version = Version::parse(run.config.baseline_version)->text();
  row.description = run.config.baseline_description;
  row.type = "BASELINE";
  row.script = run.config.baseline_description;
  row.installed_by = run.installed_by;
  row.execution_time = 0;
  row.success = true;
  return row;
}

bool Run::has_callbacks(std::initializer_list<CallbackEvent> events) const {
  return std::any_of(events.begin(), events.end(),
                     [this](CallbackEvent e) { return !callbacks_for(scripts.callbacks, e).empty(); });
}

Run open_run(const Config& config, std::initializer_list<CallbackEvent> events, bool uses_migrations) {
  auto [scripts, session, facts] = resolve_and_connect(config, uses_migrations);
  if (!uses_migrations) scripts.migrations.clear();
  if (config.skip_default_callbacks) scripts.callbacks.clear();
  std::erase_if(scripts.callbacks, [&](const ResolvedCallback& c) {
    return std::find(events.begin(), events.end(), c.event) == events.end();
  });
  Run run{config, std::move(scripts), std::move(session), nullptr, command_args(config), {}, {}, {}, {}, {}, {}, {}};
  run.facts = std::move(facts);
  run.history = std::make_unique<HistoryTable>(*run.session, TableName{run.facts.schema, config.table});
  apply_placeholders(run);
  return run;
}

void prepare_session(Run& run) {
  if (!run.session_reset.empty()) return;
  Session& session = *run.session;
  session.check_for_dead_client();  // statements are about to run: a killed strata must stop them
  // Nothing has run on the session since open_run read its role and search_path.
  run.original_role = run.facts.current_user.empty() ? session.user() : run.facts.current_user;
  run.installed_by = run.config.installed_by.empty() ? run.original_role : run.config.installed_by;
  const std::string search_path = use_default_schema(session, run.facts.search_path, run.history->name().schema);
  run.session_reset = "SET ROLE " + quote_ident(run.original_role) + "; SELECT set_config('search_path', " +
                      session.literal(search_path) + ", false)";
  const std::string timeouts = timeout_statements(lock_safety(run.config));
  if (!timeouts.empty()) run.session_reset += "; " + timeouts;
}

void fire(Run& run, CallbackEvent event) {
  if (callbacks_for(run.callbacks(), event).empty()) return;
  prepare_session(run);
  run_callbacks(*run.session, run.callbacks(), event, run.session_reset);
}

void fire_on_error(Run& run, CallbackEvent event) {
  try {
    fire(run, event);
  } catch (const Error& e) {
    log::warn(std::string(callback_event_id(event)) + " callback failed too: " + e.what());
  }
}

void start_lock_connection(Run& run) {
  if (run.lock_session.valid()) return;
  run.lock_session = std::async(std::launch::async, [&settings = run.config.connection] {
    return std::make_unique<Session>(settings);
  });
}

std::unique_ptr<MigrationLock> take_lock(Run& run) {
  std::unique_ptr<Session> session =
      run.lock_session.valid() ? run.lock_session.get() : std::make_unique<Session>(run.config.connection);
  // Polled every 100 ms; waitReportInterval is how often the wait is reported.
  return std::make_unique<MigrationLock>(std::move(session), flyway_lock_key(run.table()), run.table(),
                                         run.config.lock_wait_timeout, std::chrono::milliseconds(100),
                                         run.config.wait_report_interval);
}

std::vector<AppliedMigration> first_history(Run& run) {
  if (!run.facts.history) return load_history(*run.history);
  std::vector<AppliedMigration> applied = std::move(*run.facts.history);
  run.facts.history.reset();
  log::debug("Read " + std::to_string(applied.size()) + " rows of " + run.table() + " with the first look");
  return applied;
}

std::vector<AppliedMigration> load_history(const HistoryTable& history) {
  const Stopwatch watch;
  std::vector<AppliedMigration> applied = history.load();
  log::debug("Read " + std::to_string(applied.size()) + " rows of " + history.name().quoted(),
             {{"duration_ms", watch.elapsed_ms()}});
  return applied;
}

ReconcileOptions reconcile_options(const Config& config) {
  ReconcileOptions options;
  options.target = Target::parse(config.target);
  options.out_of_order = config.out_of_order;
  return options;
}

void create_history(Run& run) {
  check_schemas_exist(run);
  log::info("Creating Schema History table " + run.table() + " ...");
  prepare_session(run);
  run.history->create(run.config.schemas, run.installed_by);
}

void write_baseline(Run& run) {
  prepare_session(run);
  run.session->exec("BEGIN");
  try {
    run.history->append(baseline_row(run));
    run.session->exec("COMMIT");
  } catch (...) {
    run.session->exec_cleanup("ROLLBACK");
    throw;
  }
  log::info("Successfully baselined schema " + run.schema_q() + " with version: " + run.config.baseline_version,
            {{"schema", run.history->name().schema}, {"version", run.config.baseline_version}});
}

// Every file of the plan is checked before the first one runs, and before migrate creates or
// writes anything. Each file is replaced once: a value is never scanned again.
void replace_pending(Run& run, const std::vector<const ResolvedMigration*>& plan) {
  if (!run.placeholders.enabled) return;
  for (const ResolvedMigration* p : plan) {
    if (!p->version || !run.replaced.insert(p).second) continue;  // repeatables: apply_placeholders
    auto& m = const_cast<ResolvedMigration&>(*p);  // points into run.scripts.migrations
    replace_in(m, run.placeholders);
  }
}

ValidateOptions validate_options(const Run& run, bool allow_pending) {
  ValidateOptions options;
  options.ignore = parse_ignore_patterns(run.config.ignore_migration_patterns);
  if (allow_pending) options.ignore.push_back(parse_ignore_patterns({"*:pending"}).front());
  options.command_args = run.args;
  return options;
}

void report_problems(const Run& run, const std::vector<ValidationProblem>& problems) {
  for (const ValidationProblem& p : problems) {
    log::error(p.file + ": " + p.message + "; to fix: " + p.fix,
               {{"file", p.file}, {"version", p.version}, {"error_code", p.code}, {"fix", p.fix}});
  }
  const std::size_t n = problems.size();
  ValidationFailed e("Validate failed: " + std::to_string(n) + (n == 1 ? " problem" : " problems") + " with " +
                     run.table() + " (each listed above with its fix)");
  const bool all_repairable = std::all_of(problems.begin(), problems.end(), [](const ValidationProblem& p) {
    return p.fix.find("strata repair") != std::string::npos;
  });
  if (all_repairable) e.hint = "once the files are as intended: strata repair" + run.args;
  // One command fixes them all when every problem names the same one.
  const std::string first_fix = quoted_command(problems.front().fix);
  if (std::all_of(problems.begin(), problems.end(), [&](const ValidationProblem& p) { return quoted_command(p.fix) == first_fix; }))
    e.fix = first_fix;
  if (n == 1) e.migration = std::filesystem::path(problems.front().file).filename().string();
  throw e;
}

DocumentBase document_base(const Run& run, std::vector<std::string> warnings) {
  return {run.session->database(), std::move(warnings), utc_timestamp()};
}

std::string format_duration(std::chrono::milliseconds ms) {
  const long long total = ms.count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld.%03llds", total / 60000, (total / 1000) % 60, total % 1000);
  return buf;
}

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(ms));
  return buf;
}

}  // namespace strata
