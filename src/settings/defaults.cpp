// The built-in defaults as a layer, read from Config's own initializers so that the two cannot
// disagree: `strata config` shows them, and every other layer overrides them.
#include "strata/config.hpp"
#include "strata/settings.hpp"

namespace strata {
namespace {

std::string duration_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string bool_text(bool b) { return b ? "true" : "false"; }

}  // namespace

Layer default_settings() {
  const Config c;
  const std::pair<const char*, std::string> values[] = {
      {"table", c.table},
      {"locations", join_list(c.locations)},
      {"target", c.target},
      {"outOfOrder", bool_text(c.out_of_order)},
      {"fastCommit", bool_text(c.fast_commit)},
      {"lockWaitTimeout", duration_text(c.lock_wait_timeout)},
      {"waitReportInterval", duration_text(c.wait_report_interval)},
      {"connectRetries", std::to_string(c.connection.connect_retries)},
      {"connectRetriesInterval", std::to_string(c.connection.connect_retries_interval.count())},
      {"logFormat", c.log_format == log::Format::Json ? "json" : "text"},
      {"outputType", c.output == OutputFormat::Json ? "json" : "text"},
      {"quiet", bool_text(c.verbosity == log::Verbosity::Quiet)},
      {"verbose", bool_text(c.verbosity == log::Verbosity::Verbose)},
      {"validateOnMigrate", bool_text(c.validate_on_migrate)},
      {"ignoreMigrationPatterns", join_list(c.ignore_migration_patterns)},
      {"baselineOnMigrate", bool_text(c.baseline_on_migrate)},
      {"baselineVersion", c.baseline_version},
      {"baselineDescription", c.baseline_description},
      {"cleanDisabled", bool_text(c.clean_disabled)},
      {"createSchemas", bool_text(c.create_schemas)},
      {"sqlMigrationPrefix", c.naming.versioned_prefix},
      {"repeatableSqlMigrationPrefix", c.naming.repeatable_prefix},
      {"sqlMigrationSeparator", c.naming.separator},
      {"sqlMigrationSuffixes", join_list(c.naming.suffixes)},
      {"placeholderReplacement", bool_text(c.placeholder_replacement)},
      {"placeholderPrefix", c.placeholder_prefix},
      {"placeholderSuffix", c.placeholder_suffix},
      {"skipDefaultCallbacks", bool_text(c.skip_default_callbacks)},
  };
  Layer layer;
  for (const auto& [key, value] : values) layer[key] = Setting{value, {SourceKind::Default, "default", {}, 0, {}, {}}};
  return layer;
}

}  // namespace strata
