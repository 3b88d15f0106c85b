#include "cli.hpp"

#include <iostream>

#include "strata/config.hpp"
#include "strata/log.hpp"
#include "strata/result_documents.hpp"
#include "text.hpp"

namespace strata::cli {
namespace {

constexpr Option kValueOptions[] = {
    {"url", "--url", "Database URL: postgresql://user@host:5432/db, jdbc:postgresql://..., or libpq key=value"},
    {"user", "--user", "Database user (overrides the URL's)"},
    {"password", "--password", "Database password (prefer PGPASSWORD, .pgpass or STRATA_PASSWORD)"},
    {"schemas", "--schemas", "Comma-separated schemas to manage; the first holds the history table"},
    {"default-schema", "--default-schema", "Schema that holds the history table (default: first of --schemas)"},
    {"table", "--table", "History table name (default flyway_schema_history)"},
    {"locations", "--locations", "Comma-separated migration directories, optionally filesystem:DIR (default ./migrations)", "@dirs"},
    {"target", "--target", "Migrate up to: latest (default), current, next, or a version", "latest current next"},
    {"baseline-version", "--baseline-version", "Version of the baseline row written by baseline / --baseline-on-migrate (default 1)"},
    {"baseline-description", "--baseline-description", "Description of the baseline row (default << Flyway Baseline >>)"},
    {"ignore-migration-patterns", "--ignore-migration-patterns", "What validate tolerates, as type:state (default *:future), e.g. *:missing,*:ignored"},
    {"lock-wait-timeout", "--lock-wait-timeout", "How long to wait for the migration lock: 600 (seconds), 30s, 10m (default 10m)"},
    {"wait-report-interval", "--wait-report-interval", "While waiting for a lock, report who holds it this often (default 5s)"},
    {"lock-timeout", "--lock-timeout", "PostgreSQL lock_timeout for migration statements, e.g. 5s (default off)"},
    {"lock-retries", "--lock-retries", "Retries of a migration that hit --lock-timeout (default 3; -1: until it succeeds)"},
    {"statement-timeout", "--statement-timeout", "PostgreSQL statement_timeout for migration statements, e.g. 10m (default off)"},
    {"dry-run-output", "--dry-run-output", "migrate --dry-run writes its SQL to this file (Flyway's dryRunOutput)"},
    {"connect-retries", "--connect-retries", "Retries when the database cannot be reached (default 0)"},
    {"connect-retries-interval", "--connect-retries-interval", "Longest wait between connection retries in seconds (default 120)"},
    {"installed-by", "--installed-by", "Value for the history's installed_by (default: the database user)"},
    {"log-format", "--log-format", "text (default) or json: one JSON object per line, the last one the result document", "text json"},
    {"output", "--output", "text (default) or json: the command's result document on stdout (Flyway's -outputType=json)", "text json"},
    {"lint-fail-on", "--fail-on", "lint exits 1 when a finding is at least: warning or error (default error)", "warning error"},
    {"config", "-c,--config", "Config file (default ./strata.yaml when present)", "@files"},
    {"environment", "-e,--environment", "Environment of the config file to use (e.g. dev, staging, prod)", "@environments"},
    {"target-filter", "--target-filter", "Fleets: only the targets whose name matches this glob, e.g. 'tenant_*'"},
    {"parallel", "--parallel", "Fleets: how many targets run at once (default: their number, at most 8)"},
    {"shard", "--shard", "Fleets: only shard I of N (e.g. 2/3), by FNV-1a 64 of the target's name"},
};

constexpr Option kSwitchOptions[] = {
    {"out-of-order", "--out-of-order", "Also apply versions lower than the current one"},
    {"validate-on-migrate", "--validate-on-migrate", "Validate before migrating (default true; --validate-on-migrate=false to skip)"},
    {"baseline-on-migrate", "--baseline-on-migrate", "Migrate baselines a non-empty schema that has no history table"},
    {"clean-disabled", "--clean-disabled", "Refuse clean (default true; --clean-disabled=false allows it)"},
    {"placeholder-replacement", "--placeholder-replacement", "Replace ${name} placeholders (default true)"},
    {"dry-run", "--dry-run", "migrate prints the SQL it would run and changes nothing"},
    {"fast-commit", "--fast-commit", "migrate: only the run's last commit waits for its flush to disk (a crash may lose a suffix of the run)"},
    {"quiet", "-q,--quiet", "Only warnings and errors"},
    {"verbose", "-v,--verbose", "Also debug messages"},
    {"fail-fast", "--fail-fast", "Fleets: once a target fails, start no other"},
    {"summary", "--summary", "Fleets: info prints one row per target (current version, pending count)"},
};

constexpr CommandOption kCommandOptions[] = {
    {"new", "DESCRIPTION", "What the migration does, e.g. \"add orders table\" (becomes V<n>__add_orders_table.sql)", true},
    {"new", "--timestamp", "Version it with the UTC time, yyyyMMddHHmmss (the default when the newest migration already has one)"},
    {"new", "--repeatable", "Make a repeatable migration, R__<description>.sql"},
    {"status", "--exit-code", "Exit 0 when up to date, 1 when migrations are pending, 5 when the history holds a failed or unknown row"},
    {"lint", "--pending", "Only the migrations the database has not run (connects to it)"},
    {"completion", "SHELL", "The shell to print a completion script for: bash or zsh", true, "bash zsh environments"},
};

// A value as one shell word: quoted unless it is plainly safe.
std::string shell_word(const std::string& value) {
  const bool plain = !value.empty() && value.find_first_not_of(
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-") ==
                                           std::string::npos;
  if (plain) return value;
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Compiler-style "file:line:column: message", unless the message already names the file.
std::string located_message(const Error& e) {
  std::string message = e.what();
  if (!e.file.empty() && message.find(e.file) == std::string::npos) {
    std::string where = e.file;
    if (e.line > 0) where.append(":").append(std::to_string(e.line));
    if (e.line > 0 && e.column > 0) where.append(":").append(std::to_string(e.column));
    message = where + ": " + message;
  }
  if (!e.sqlstate.empty()) message += " (SQLSTATE " + e.sqlstate + ")";
  return message;
}

}  // namespace

const char* const kExitCodesHelp =
    "Exit codes:\n"
    "  0    done, or nothing to do\n"
    "  1    a migration or validation failed\n"
    "  2    usage, configuration or input (migration file) error\n"
    "  3    cannot connect to the database\n"
    "  4    timed out waiting for the migration lock\n"
    "  5    status --exit-code: the history holds a failed migration or one strata has no file for\n"
    "       (status --exit-code also exits 1 when migrations are pending)\n"
    "  130  interrupted by SIGINT, 143 by SIGTERM\n";

std::span<const Option> value_options() { return kValueOptions; }
std::span<const Option> switch_options() { return kSwitchOptions; }
std::span<const CommandOption> command_options() { return kCommandOptions; }

// As the user wrote each setting, except secrets: never a password (a URL keeps its shape, the
// password as ***) nor a placeholder value. Without them, a pasted fix would read the default
// config files and ./migrations, possibly another database. The environment is added by the
// commands themselves.
std::string repeated_args(const std::map<std::string, std::string>& flags, const std::set<std::string>& switches) {
  static const std::set<std::string> kRepeated{
      "configFiles", "workingDirectory", "url", "user", "schemas", "defaultSchema", "table", "locations",
      "sqlMigrationPrefix", "repeatableSqlMigrationPrefix", "sqlMigrationSeparator", "sqlMigrationSuffixes",
      "placeholderReplacement", "placeholderPrefix", "placeholderSuffix", "ignoreMigrationPatterns",
      "target", "createSchemas", "skipDefaultCallbacks"};
  std::string out;
  for (const auto& [flag, value] : flags) {
    const std::string key = canonical_key(flag);
    if (!kRepeated.count(key)) continue;
    const std::string shown = key == "url" ? redact_url(value) : value;
    if (flag.starts_with('-')) {
      out.append(" ").append(shell_word(flag + "=" + shown));  // Flyway's -key=value, as given
    } else if (flag == "config") {
      out.append(" -c ").append(shell_word(shown));
    } else if (switches.count(flag)) {
      out += " --" + flag + "=" + shown;
    } else {
      out += " --" + flag + " " + shell_word(shown);
    }
  }
  return out;
}

log::Format log_format_asked(const std::map<std::string, std::string>& flags,
                             const std::map<std::string, std::string>& env) {
  auto is_json = [](const std::string& value) { return lower(trim(value)) == "json"; };
  for (const auto& [flag, value] : flags)
    if (canonical_key(flag) == "logFormat") return is_json(value) ? log::Format::Json : log::Format::Text;
  // STRATA_ outranks FLYWAY_, as in the configuration.
  for (const char* prefix : {"STRATA_", "FLYWAY_"}) {
    for (const auto& [name, value] : env)
      if (name.starts_with(prefix) && canonical_key(name.substr(7)) == "logFormat")
        return is_json(value) ? log::Format::Json : log::Format::Text;
  }
  return log::Format::Text;
}

void print_error(const Error& e, bool json_output) {
  const std::string message = located_message(e);
  const std::optional<int> indent =
      document_indent(json_output ? OutputFormat::Json : OutputFormat::Text, log::format());
  if (log::format() == log::Format::Json) {
    // One JSON object per line: the error line, then the error document as the last line.
    log::error(message, {{"error_kind", kind_name(e.kind())},
                         {"file", e.file},
                         {"line", e.line},
                         {"column", e.column},
                         {"sqlstate", e.sqlstate},
                         {"detail", e.detail},
                         {"hint", e.hint},
                         {"context", e.context},
                         {"migration", e.migration},
                         {"fix", fix_command(e)},
                         {"exit_code", exit_code(e)}});
    std::cout << document_text(error_document(e), *indent) << std::endl;
    return;
  }
  if (indent) std::cout << document_text(error_document(e), *indent) << std::endl;
  log::error(message);
  // The error is the line above; DETAIL and HINT follow it the way psql shows them.
  if (!e.detail.empty()) std::cerr << log::redact("  DETAIL: " + e.detail) << '\n';
  if (!e.hint.empty()) std::cerr << log::redact("  HINT: " + e.hint) << '\n';
  if (!e.context.empty()) std::cerr << log::redact("  CONTEXT: " + e.context) << '\n';
  std::cerr.flush();
}

}  // namespace strata::cli
