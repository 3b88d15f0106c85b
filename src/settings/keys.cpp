// The settings table: every key strata accepts, with its type. A new feature adds its row here;
// whether strata acts on a key is merge.cpp's list.
#include <cctype>
#include <charconv>
#include <limits>

#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/log.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {
namespace {

enum class Kind { String, List, Bool, Int, Count, Duration, LogFormat, OutputType, LintMode, LintSeverity };

struct KeySpec {
  std::string_view name;  // Flyway's property name, the canonical key
  Kind kind;
};

constexpr KeySpec kSettings[] = {
    {"url", Kind::String},
    {"user", Kind::String},
    {"password", Kind::String},
    {"schemas", Kind::List},
    {"defaultSchema", Kind::String},
    {"table", Kind::String},
    {"locations", Kind::List},
    {"target", Kind::String},
    {"outOfOrder", Kind::Bool},
    {"lockWaitTimeout", Kind::Duration},
    {"waitReportInterval", Kind::Duration},
    {"connectRetries", Kind::Count},
    {"connectRetriesInterval", Kind::Count},
    {"connectTimeout", Kind::Count},
    {"installedBy", Kind::String},
    {"logFormat", Kind::LogFormat},
    {"outputType", Kind::OutputType},
    {"quiet", Kind::Bool},
    {"verbose", Kind::Bool},
    {"environment", Kind::String},
    {"configFiles", Kind::String},
    {"validateOnMigrate", Kind::Bool},
    {"placeholderReplacement", Kind::Bool},
    {"placeholderPrefix", Kind::String},
    {"placeholderSuffix", Kind::String},
    {"baselineOnMigrate", Kind::Bool},
    {"baselineVersion", Kind::String},
    {"baselineDescription", Kind::String},
    {"cleanDisabled", Kind::Bool},
    {"ignoreMigrationPatterns", Kind::List},
    {"mixed", Kind::Bool},
    {"group", Kind::Bool},
    {"sqlMigrationPrefix", Kind::String},
    {"repeatableSqlMigrationPrefix", Kind::String},
    {"sqlMigrationSeparator", Kind::String},
    {"sqlMigrationSuffixes", Kind::List},
    {"createSchemas", Kind::Bool},
    {"encoding", Kind::String},
    {"lockRetryCount", Kind::Int},
    // strata's own: PostgreSQL's lock_timeout / statement_timeout for migration statements, and
    // migrate printing the SQL instead of running it (Flyway only has dryRunOutput).
    {"lockTimeout", Kind::Duration},
    {"statementTimeout", Kind::Duration},
    {"dryRun", Kind::Bool},
    // Commits that do not wait for their flush, but the run's last (README: Performance).
    {"fastCommit", Kind::Bool},
    // Safe-migration lint (strata/lint.hpp): off|warn|error for migrate's pre-flight, rules to
    // ignore, and the server major version to judge for when not connected.
    {"lint", Kind::LintMode},
    {"lint.ignore", Kind::List},
    {"lintTargetVersion", Kind::Count},
    {"lintFailOn", Kind::LintSeverity},
    // Fleets (strata/fleet.hpp): targets is one target a line, "URL" or "NAME<TAB>URL".
    {"targets", Kind::String},
    {"targetsQuery", Kind::String},
    {"targetFilter", Kind::String},
    {"parallel", Kind::Count},
    {"failFast", Kind::Bool},
    {"shard", Kind::String},
    {"summary", Kind::Bool},
    // Command line only (as in Flyway): the base for relative config files and locations.
    {"workingDirectory", Kind::String},
    // The rest of Flyway's settings, so that its configuration loads and a typo still fails.
    {"callbacks", Kind::List},
    {"callbackLocations", Kind::List},
    {"skipDefaultCallbacks", Kind::Bool},
    {"resolvers", Kind::List},
    {"skipDefaultResolvers", Kind::Bool},
    {"initSql", Kind::String},
    {"tablespace", Kind::String},
    {"batch", Kind::Bool},
    {"stream", Kind::Bool},
    {"executeInTransaction", Kind::Bool},
    {"detectEncoding", Kind::Bool},
    {"cleanOnValidationError", Kind::Bool},
    {"validateMigrationNaming", Kind::Bool},
    {"failOnMissingLocations", Kind::Bool},
    {"failOnMissingTarget", Kind::Bool},
    {"skipExecutingMigrations", Kind::Bool},
    {"outputQueryResults", Kind::Bool},
    {"errorOverrides", Kind::List},
    {"dryRunOutput", Kind::String},
    {"undoSqlMigrationPrefix", Kind::String},
    {"placeholderSeparator", Kind::String},
    {"scriptPlaceholderPrefix", Kind::String},
    {"scriptPlaceholderSuffix", Kind::String},
    {"cherryPick", Kind::List},
    {"outputFile", Kind::String},
    {"outputLogsInJson", Kind::Bool},
    {"reportEnabled", Kind::Bool},
    {"reportFilename", Kind::String},
    {"kerberosConfigFile", Kind::String},
    {"postgresql.transactional.lock", Kind::Bool},
    {"driver", Kind::String},
    {"jarDirs", Kind::List},
    {"licenseKey", Kind::String},
    {"color", Kind::String},
    {"outputProgress", Kind::Bool},
    {"configFileEncoding", Kind::String},
    {"communityDBSupportEnabled", Kind::Bool},
    {"powershellExecutable", Kind::String},
    {"loggers", Kind::List},
};

// Spellings that are not a mere re-casing of the canonical name.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"output", "outputType"},
    {"config", "configFiles"},
    {"configfile", "configFiles"},
    {"lockretries", "lockRetryCount"},
};

// What all spellings of one key have in common: "lock-wait-timeout", "LOCK_WAIT_TIMEOUT" and
// "lockWaitTimeout" all become "lockwaittimeout".
std::string fold(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-' && c != '_' && c != '.') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const KeySpec* find_spec(std::string_view canonical) {
  for (const auto& spec : kSettings)
    if (spec.name == canonical) return &spec;
  return nullptr;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == lower(prefix);
}

// The one spelling of a valid value, or empty when it is not valid for `kind`.
std::optional<std::string> normal_form(Kind kind, const std::string& value) {
  const std::string word = lower(trim(value));
  switch (kind) {
    case Kind::String: return value;
    case Kind::List: return join_list(split_list(value));
    case Kind::Bool: return word == "true" || word == "false" ? std::optional(word) : std::nullopt;
    case Kind::Int:
    case Kind::Count:
      if (!parse_setting_int(value, kind == Kind::Int)) return std::nullopt;
      return std::string(trim(value));
    case Kind::Duration:
      if (!parse_duration(value)) return std::nullopt;
      return std::string(trim(value));
    case Kind::LogFormat: return word == "text" || word == "json" ? std::optional(word) : std::nullopt;
    case Kind::LintMode:
      return word == "off" || word == "warn" || word == "error" ? std::optional(word) : std::nullopt;
    case Kind::LintSeverity: return word == "warning" || word == "error" ? std::optional(word) : std::nullopt;
    case Kind::OutputType:
      if (word == "table") return "text";
      return word == "text" || word == "json" ? std::optional(word) : std::nullopt;
  }
  return std::nullopt;
}

std::string_view expectation(Kind kind) {
  switch (kind) {
    case Kind::Bool: return "true or false";
    case Kind::Int: return "an integer";
    case Kind::Count: return "a non-negative integer";
    case Kind::Duration: return "seconds, or a number with unit ms, s, m or h, e.g. 500ms or 10m";
    case Kind::LogFormat: return "text or json";
    case Kind::OutputType: return "text, table or json";
    case Kind::LintMode: return "off, warn or error";
    case Kind::LintSeverity: return "warning or error";
    default: return "a value";
  }
}

}  // namespace

void fail_at(const SettingSource& at, const std::string& message) {
  ConfigError error(log::redact(at.origin + ": " + message));
  error.file = at.file;
  error.line = at.line;
  throw error;
}

std::optional<std::int64_t> parse_setting_int(std::string_view text, bool allow_negative) {
  text = trim(text);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  if (v < 0 && !allow_negative) return std::nullopt;
  if (v > std::numeric_limits<int>::max() || v < std::numeric_limits<int>::min()) return std::nullopt;
  return v;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  std::int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  const std::string unit = lower(text.substr(digits));
  std::int64_t factor;
  if (unit.empty() || unit == "s") factor = 1000;
  else if (unit == "ms") factor = 1;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else return std::nullopt;
  return std::chrono::milliseconds(n * factor);
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    std::size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

void normalize_setting(const std::string& key, Setting& setting) {
  const KeySpec* spec = find_spec(key);
  if (spec == nullptr) return;  // placeholders and jdbcProperties take any text
  auto normal = normal_form(spec->kind, setting.value);
  if (!normal)
    fail_at(setting.source, "invalid value for " + key + ": '" + setting.value + "' (expected " +
                                std::string(expectation(spec->kind)) + ")");
  setting.value = std::move(*normal);
}

std::vector<std::string_view> known_setting_keys() {
  std::vector<std::string_view> keys;
  for (const auto& spec : kSettings) keys.push_back(spec.name);
  return keys;
}

bool is_list_setting(std::string_view canonical) {
  const KeySpec* spec = find_spec(canonical);
  return spec && spec->kind == Kind::List;
}

bool is_boolean_setting(std::string_view canonical) {
  const KeySpec* spec = find_spec(canonical);
  return spec && spec->kind == Kind::Bool;
}

std::string canonical_key(std::string_view key) {
  while (key.starts_with('-')) key.remove_prefix(1);
  // Maps keyed by name: the name keeps its spelling.
  for (std::string_view prefix : {kPlaceholderPrefix, kJdbcPropertiesPrefix}) {
    std::string_view stem = prefix.substr(0, prefix.size() - 1);
    if (key.size() > prefix.size() && starts_with_ci(key, stem)) {
      char sep = key[stem.size()];
      if (sep == '.' || sep == '_' || sep == '-') return std::string(prefix) + std::string(key.substr(prefix.size()));
    }
  }
  const std::string folded = fold(key);
  if (folded.empty()) return {};
  for (const auto& spec : kSettings)
    if (fold(spec.name) == folded) return std::string(spec.name);
  for (const auto& [spelling, name] : kAliases)
    if (spelling == folded) return std::string(name);
  return {};
}

std::string folded_key(std::string_view key) { return fold(key); }

}  // namespace strata
