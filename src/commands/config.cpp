// strata config: every effective setting with where it came from, secrets masked. Reads the
// configuration only; never connects.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "strata/commands.hpp"
#include "strata/settings.hpp"

namespace strata {
namespace {

std::string_view kind_name(SourceKind kind) {
  switch (kind) {
    case SourceKind::Default: return "default";
    case SourceKind::ConfigFile: return "config file";
    case SourceKind::FlywayEnvironment: return "FLYWAY_ environment variable";
    case SourceKind::StrataEnvironment: return "STRATA_ environment variable";
    case SourceKind::CommandLine: return "command line";
  }
  return "unknown";
}

// Config files under the working directory are named as the user would type them.
std::filesystem::path working_directory() {
  std::error_code ec;
  return std::filesystem::current_path(ec);
}

nlohmann::ordered_json settings_json(const Config& config) {
  const std::filesystem::path cwd = working_directory();
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const auto& [key, source] : config.sources) {
    nlohmann::ordered_json entry{{"value", masked_value(key, config.settings.at(key))},
                                 {"source", describe(source, cwd)},
                                 {"kind", kind_name(source.kind)}};
    if (source.line > 0) {
      entry["file"] = source.file;
      entry["line"] = source.line;
      if (!source.section.empty()) entry["section"] = source.section;
    }
    settings[key] = std::move(entry);
  }
  return nlohmann::ordered_json{{"environment", config.environment}, {"settings", std::move(settings)}};
}

}  // namespace

void print_settings(std::ostream& out, const Config& config) {
  if (config.output == OutputFormat::Json) {
    out << settings_json(config).dump(2) << '\n';
    return;
  }
  const std::filesystem::path cwd = working_directory();
  std::size_t width = 0;
  for (const auto& [key, source] : config.sources) width = std::max(width, key.size());
  for (const auto& [key, source] : config.sources) {
    out << key << std::string(width - key.size(), ' ') << " = " << masked_value(key, config.settings.at(key))
        << "   (" << describe(source, cwd) << ")\n";
  }
}

int run_config(const Config& config) {
  print_settings(std::cout, config);
  std::cout.flush();
  return 0;
}

}  // namespace strata
