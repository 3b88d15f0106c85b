// How a setting's value and source are shown to people (`strata config`), secrets masked.
#include "strata/connection.hpp"
#include "strata/fleet.hpp"
#include "strata/log.hpp"
#include "strata/settings.hpp"

namespace strata {

namespace {

std::string shown_path(const std::string& file, const std::filesystem::path& relative_to) {
  if (relative_to.empty()) return file;
  const std::filesystem::path inside = std::filesystem::path(file).lexically_relative(relative_to);
  if (inside.empty() || *inside.begin() == "..") return file;
  return inside.string();
}

}  // namespace

std::string describe(const SettingSource& source, const std::filesystem::path& relative_to) {
  switch (source.kind) {
    case SourceKind::Default: return "default";
    case SourceKind::ConfigFile: {
      if (source.line == 0) return source.origin;  // configFiles: the list of files read
      std::string out = shown_path(source.file, relative_to) + ": ";
      if (!source.section.empty()) out += source.section + ", ";
      return out + "line " + std::to_string(source.line);
    }
    case SourceKind::FlywayEnvironment:
    case SourceKind::StrataEnvironment: return source.origin;
    case SourceKind::CommandLine: {
      const std::string& name = source.name;
      return "command line: " + (name.starts_with('-') ? name : "--" + name);
    }
  }
  return source.origin;
}

// Placeholder and jdbcProperties values are masked whatever their names: a name such as
// "db_owner_pw" or "api" cannot be told from a harmless one, and a value shown once in a CI log
// cannot be taken back. `strata config` exists to say where a value comes from, which the source
// column still does.
std::string masked_value(std::string_view key, const std::string& value) {
  if (key == "password" || key.starts_with(kPlaceholderPrefix) || key.starts_with(kJdbcPropertiesPrefix))
    return value.empty() ? value : "***";
  if (key == "url") return redact_url(value);
  if (key == "targets") {  // a fleet's URLs, one a line
    std::vector<TargetSpec> targets = parse_target_list(value);
    for (TargetSpec& t : targets) t.url = redact_url(t.url);
    return format_target_list(targets);
  }
  return log::redact(value);
}

}  // namespace strata
