// Findings as text and JSON, and the lint settings read from the configuration.
#include <nlohmann/json.hpp>

#include "strata/config.hpp"
#include "strata/lint.hpp"
#include "strata/lock_safety.hpp"

namespace strata {
namespace {

const std::string* setting(const Config& config, const char* key) {
  auto it = config.settings.find(key);
  return it == config.settings.end() ? nullptr : &it->second;
}

[[noreturn]] void bad_value(const Config& config, const char* key, const std::string& message) {
  auto it = config.sources.find(key);
  if (it == config.sources.end()) throw ConfigError(message);
  fail_at(it->second, message);
}

}  // namespace

std::string_view severity_name(LintSeverity severity) noexcept {
  return severity == LintSeverity::Error ? "error" : "warning";
}

std::string format_finding(const LintFinding& f) {
  return f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + ": " +
         std::string(severity_name(f.severity)) + ": " + f.rule + ": " + f.message + " (fix: " + f.fix + ")";
}

std::string findings_json(const std::vector<LintFinding>& findings) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  int errors = 0;
  for (const LintFinding& f : findings) {
    if (f.severity == LintSeverity::Error) ++errors;
    list.push_back({{"file", f.file}, {"line", f.line}, {"column", f.column}, {"rule", f.rule},
                    {"severity", severity_name(f.severity)}, {"message", f.message}, {"fix", f.fix}});
  }
  const int warnings = static_cast<int>(findings.size()) - errors;
  return nlohmann::ordered_json{{"findings", list}, {"errors", errors}, {"warnings", warnings}}.dump(2);
}

// Both were checked when the configuration was read (settings/keys.cpp).
LintMode lint_mode(const Config& config) {
  const std::string* value = setting(config, "lint");
  if (value && *value == "off") return LintMode::Off;
  if (value && *value == "error") return LintMode::Error;
  return LintMode::Warn;
}

LintSeverity lint_fail_on(const Config& config) {
  const std::string* value = setting(config, "lintFailOn");
  return value && *value == "warning" ? LintSeverity::Warning : LintSeverity::Error;
}

LintSettings lint_settings(const Config& config) {
  LintSettings settings;
  if (const std::string* v = setting(config, "lintTargetVersion")) {
    auto major = parse_setting_int(*v, false);
    if (!major || *major < 9 || *major > 99)
      bad_value(config, "lintTargetVersion", "invalid value for lintTargetVersion: '" + *v + "' (expected a PostgreSQL major version, e.g. 15)");
    settings.server_major = static_cast<int>(*major);
  }
  settings.lock_timeout_configured = lock_safety(config).lock_timeout.has_value();
  if (const std::string* v = setting(config, "lint.ignore")) settings.ignored_rules = split_list(*v);
  return settings;
}

}  // namespace strata
