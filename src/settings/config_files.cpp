// Which config files are read, in which order, and in which format.
#include <fstream>
#include <set>
#include <sstream>

#include "file_text.hpp"
#include "strata/error.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {

std::string read_config_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Setting file_setting(const std::string& file, int line, std::string section, std::string value) {
  return Setting{std::move(value),
                 {SourceKind::ConfigFile, file + ":" + std::to_string(line), file, line, std::move(section), {}}};
}

namespace {

enum class FileFormat { Yaml, Conf, Toml };

FileFormat format_of(const std::filesystem::path& path, bool strata_spelling) {
  const std::string ext = lower(path.extension().string());
  if (ext == ".yaml" || ext == ".yml") return FileFormat::Yaml;
  if (ext == ".toml") return FileFormat::Toml;
  if (ext == ".conf" || ext == ".properties") return FileFormat::Conf;
  // Flyway reads any other name as a .conf file; strata's own -c names a strata.yaml.
  return strata_spelling ? FileFormat::Yaml : FileFormat::Conf;
}

bool is_file(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

struct NamedFile {
  std::filesystem::path path;
  FileFormat format;
  Setting from;
};

std::vector<NamedFile> named_files(const ConfigFileChoice& choice, const Layer& flags, const Layer& strata_env) {
  std::vector<NamedFile> named;
  auto name_files = [&](const Setting& from, bool strata_spelling) {
    for (const auto& item : split_list(from.value)) {
      std::filesystem::path path = item;
      if (path.is_relative()) path = choice.base / path;
      named.push_back({path, format_of(path, strata_spelling), from});
    }
  };
  if (auto it = choice.env.find("FLYWAY_CONFIG_FILES"); it != choice.env.end())
    name_files(Setting{it->second,
                       {SourceKind::FlywayEnvironment, "environment variable FLYWAY_CONFIG_FILES", {}, 0, {}, it->first}},
               false);
  const Setting* chosen = nullptr;
  if (auto it = flags.find("configFiles"); it != flags.end()) chosen = &it->second;
  else if (auto env_it = strata_env.find("configFiles"); env_it != strata_env.end()) chosen = &env_it->second;
  if (chosen) {
    const std::string spelling = folded_key(chosen->source.name);
    name_files(*chosen, spelling == "config" || spelling == "strataconfig");
  }
  return named;
}

// Flyway reads either .toml or .conf files, never both: named files decide, else whether a
// default .toml file exists.
bool toml_in_use(const std::vector<NamedFile>& named, const std::vector<std::filesystem::path>& defaults) {
  const NamedFile* named_toml = nullptr;
  const NamedFile* named_conf = nullptr;
  for (const auto& n : named) {
    if (n.format == FileFormat::Toml && !named_toml) named_toml = &n;
    if (n.format == FileFormat::Conf && !named_conf) named_conf = &n;
  }
  if (named_toml && named_conf)
    fail_at(named_conf->from.source, "cannot use both TOML and .conf configuration (" + named_toml->path.string() +
                                         ", " + named_conf->path.string() + "); Flyway does not either");
  if (named_toml || named_conf) return named_toml != nullptr;
  for (const auto& path : defaults)
    if (format_of(path, false) == FileFormat::Toml && is_file(path)) return true;
  return false;
}

}  // namespace

std::vector<ConfigFile> read_config_files(const ConfigFileChoice& choice, const Layer& flags, const Layer& strata_env,
                                          std::vector<std::string>& warnings) {
  const std::vector<NamedFile> named = named_files(choice, flags, strata_env);
  std::vector<std::filesystem::path> defaults;
  for (const auto& path : choice.flyway_default_files) defaults.push_back(path.is_relative() ? choice.base / path : path);
  if (choice.working_directory_given)
    for (const char* name : {"flyway.toml", "flyway.user.toml", "flyway.conf"}) defaults.push_back(choice.base / name);
  const FileFormat flyway_format = toml_in_use(named, defaults) ? FileFormat::Toml : FileFormat::Conf;

  std::vector<ConfigFile> files;
  auto load = [&](const std::filesystem::path& path, FileFormat format) {
    switch (format) {
      case FileFormat::Yaml: files.push_back(read_yaml_file(path)); break;
      case FileFormat::Conf: files.push_back(read_flyway_conf(path, choice.env, warnings)); break;
      case FileFormat::Toml: files.push_back(read_flyway_toml(path, choice.env, warnings)); break;
    }
  };
  std::set<std::filesystem::path> seen;  // the working directory may also be -workingDirectory
  for (const auto& path : defaults) {
    if (format_of(path, false) != flyway_format || !is_file(path)) continue;
    std::error_code ec;
    if (seen.insert(std::filesystem::weakly_canonical(path, ec)).second) load(path, flyway_format);
  }
  bool named_yaml = false;
  for (const auto& n : named) named_yaml = named_yaml || n.format == FileFormat::Yaml;
  if (const auto strata_yaml = choice.base / "strata.yaml"; !named_yaml && is_file(strata_yaml))
    load(strata_yaml, FileFormat::Yaml);
  for (const auto& n : named) {
    if (!is_file(n.path)) fail_at(n.from.source, "config file not found: " + n.path.string());
    load(n.path, n.format);
  }
  return files;
}

std::vector<std::filesystem::path> default_flyway_config_files(const std::map<std::string, std::string>& env) {
  // Flyway's own order: its installation's conf/ (in its Docker image, /flyway/conf), the home
  // directory, the working directory; .toml and .conf in each, whichever kind is in use.
  std::vector<std::filesystem::path> files;
  auto in = [&](const std::filesystem::path& dir) {
    for (const char* name : {"flyway.toml", "flyway.user.toml", "flyway.conf"}) files.push_back(dir / name);
  };
  in("/flyway/conf");
  if (auto home = env.find("HOME"); home != env.end() && !home->second.empty()) in(home->second);
  in("");
  return files;
}

}  // namespace strata
