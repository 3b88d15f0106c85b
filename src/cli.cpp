#include "cli.hpp"

#include <iostream>

#include "strata/config.hpp"
#include "strata/log.hpp"
#include "strata/report.hpp"

namespace strata::cli {
namespace {

constexpr Option kValueOptions[] = {
    {"url", "--url", "Database URL: postgresql://user@host:5432/db, jdbc:postgresql://..., or libpq key=value"},
    {"user", "--user", "Database user (overrides the URL's)"},
    {"password", "--password", "Database password (prefer PGPASSWORD, .pgpass or STRATA_PASSWORD)"},
    {"schemas", "--schemas", "Comma-separated schemas to manage; the first holds the history table"},
    {"default-schema", "--default-schema", "Schema that holds the history table (default: first of --schemas)"},
    {"table", "--table", "History table name (default flyway_schema_history)"},
    {"locations", "--locations", "Comma-separated migration directories, optionally filesystem:DIR (default ./migrations)"},
    {"target", "--target", "Migrate up to: latest (default), current, next, or a version"},
    {"baseline-version", "--baseline-version", "Version of the baseline row written by baseline / --baseline-on-migrate (default 1)"},
    {"baseline-description", "--baseline-description", "Description of the baseline row (default << Flyway Baseline >>)"},
    {"ignore-migration-patterns", "--ignore-migration-patterns", "What validate tolerates, as type:state (default *:future), e.g. *:missing,*:ignored"},
    {"lock-wait-timeout", "--lock-wait-timeout", "How long to wait for the migration lock: 600 (seconds), 30s, 10m (default 10m)"},
    {"connect-retries", "--connect-retries", "Retries when the database cannot be reached (default 0)"},
    {"connect-retries-interval", "--connect-retries-interval", "Longest wait between connection retries in seconds (default 120)"},
    {"installed-by", "--installed-by", "Value for the history's installed_by (default: the database user)"},
    {"log-format", "--log-format", "text (default) or json: one JSON object per line"},
    {"output", "--output", "Output of info: text (default) or json (Flyway's -outputType=json)"},
    {"config", "-c,--config", "Config file (default ./strata.yaml when present)"},
    {"environment", "-e,--environment", "Environment of the config file to use (e.g. dev, staging, prod)"},
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
    {"quiet", "-q,--quiet", "Only warnings and errors"},
    {"verbose", "-v,--verbose", "Also debug messages"},
    {"fail-fast", "--fail-fast", "Fleets: once a target fails, start no other"},
    {"summary", "--summary", "Fleets: info prints one row per target (current version, pending count)"},
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
    "  130  interrupted by SIGINT, 143 by SIGTERM\n";

std::span<const Option> value_options() { return kValueOptions; }
std::span<const Option> switch_options() { return kSwitchOptions; }

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

void print_error(const Error& e, bool json_output) {
  const std::string message = located_message(e);
  if (log::format() == log::Format::Json) {
    // One JSON object per line: the error line carries all of Flyway's error document.
    log::error(message, {{"error_kind", kind_name(e.kind())},
                         {"file", e.file},
                         {"line", e.line},
                         {"column", e.column},
                         {"sqlstate", e.sqlstate},
                         {"detail", e.detail},
                         {"hint", e.hint},
                         {"context", e.context},
                         {"exit_code", exit_code(e)}});
    return;
  }
  if (json_output) std::cout << log::redact(error_json(e)) << std::endl;
  log::error(message);
  // The error is the line above; DETAIL and HINT follow it the way psql shows them.
  if (!e.detail.empty()) std::cerr << log::redact("  DETAIL: " + e.detail) << '\n';
  if (!e.hint.empty()) std::cerr << log::redact("  HINT: " + e.hint) << '\n';
  if (!e.context.empty()) std::cerr << log::redact("  CONTEXT: " + e.context) << '\n';
  std::cerr.flush();
}

}  // namespace strata::cli
