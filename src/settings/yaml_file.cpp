// strata.yaml: settings at the top level and under environments.NAME, YAML anchors and merges.
#include <yaml-cpp/yaml.h>

#include "file_text.hpp"
#include "strata/config.hpp"
#include "strata/fleet.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {
namespace {

struct YamlReader {
  ConfigFile& file;

  Setting at(const YAML::Node& node, const std::string* environment, std::string value = {}) const {
    return file_setting(file.path, node.Mark().line + 1, environment ? "environments." + *environment : "",
                        std::move(value));
  }

  std::string scalar_text(const std::string& key, const YAML::Node& v) const {
    if (v.IsNull()) return {};
    if (v.IsScalar()) return v.Scalar();
    fail_at(at(v, nullptr).source, key + " expects a single value");
  }

  void placeholders(const YAML::Node& v, Layer& layer, Layer& seen, const std::string* environment) {
    if (v.IsNull()) return;
    if (!v.IsMap()) fail_at(at(v, environment).source, "placeholders must be a map of name: value");
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string key = std::string(kPlaceholderPrefix) + name;
      Setting s = at(it->first, environment, scalar_text("placeholder " + name, it->second));
      if (auto prev = seen.find(key); prev != seen.end())
        fail_at(s.source, "placeholder '" + name + "' is already set at line " + std::to_string(prev->second.source.line));
      seen[key] = s;
      layer[key] = std::move(s);
    }
  }

  void environments(const YAML::Node& k, const YAML::Node& v, const std::string* environment) {
    if (environment)
      fail_at(at(k, environment).source, "environments cannot be nested inside environment '" + *environment + "'");
    if (v.IsNull()) return;
    if (!v.IsMap()) fail_at(at(k, nullptr).source, "environments must be a map of name: settings");
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string env = it->first.Scalar();
      if (file.environments.count(env))
        fail_at(at(it->first, nullptr).source, "environment '" + env + "' is defined twice");
      Layer& env_layer = file.environments[env];
      if (it->second.IsNull()) continue;
      if (!it->second.IsMap())
        fail_at(at(it->first, nullptr).source, "environment '" + env + "' must be a map of settings");
      section(it->second, env_layer, &env);
    }
  }

  void protect(const YAML::Node& k, const YAML::Node& v, const std::string* environment) {
    Setting s = at(k, environment);
    if (!environment) fail_at(s.source, "'protected' is only valid inside an environment");
    const std::string written = scalar_text("protected", v);
    s.value = lower(trim(written));
    if (s.value != "true" && s.value != "false")
      fail_at(s.source, "invalid value for protected: '" + written + "' (expected true or false)");
    file.protected_flags[*environment] = std::move(s);
  }

  void entry(const YAML::Node& k, const YAML::Node& v, Layer& layer, Layer& seen, const std::string* environment) {
    const std::string name = k.Scalar();
    if (name == "environments") return environments(k, v, environment);
    // Extension keys (as in docker-compose) give YAML anchors a home outside the settings.
    if (name.starts_with("x-")) return;
    if (name == "placeholders") return placeholders(v, layer, seen, environment);
    if (name == "protected") return protect(k, v, environment);
    Setting s = at(k, environment);
    const std::string key = canonical_key(name);
    if (key.empty()) fail_at(s.source, "unknown setting '" + name + "'");
    if (key == "configFiles") fail_at(s.source, "a config file cannot name another config file");
    if (key == "environment" && environment)
      fail_at(s.source, "'environment' selects an environment; it cannot be set inside one");
    if (auto prev = seen.find(key); prev != seen.end())
      fail_at(s.source, key + " is already set at line " + std::to_string(prev->second.source.line));
    if (key == "targets") {
      s.value = target_list(v);
    } else if (v.IsSequence() && is_list_setting(key)) {
      std::vector<std::string> items;
      for (const auto& item : v) items.push_back(scalar_text(key, item));
      s.value = join_list(items);
    } else {
      s.value = scalar_text(key, v);
    }
    seen[key] = s;
    layer[key] = std::move(s);
  }

  // A fleet's targets: URLs, or {name, url} maps, stored as fleet.hpp's parse_target_list reads them.
  std::string target_list(const YAML::Node& v) const {
    if (!v.IsSequence()) fail_at(at(v, nullptr).source, "targets must be a list of URLs or {name, url} maps");
    std::vector<TargetSpec> targets;
    for (const auto& item : v) {
      if (item.IsScalar()) {
        targets.push_back({{}, item.Scalar()});
        continue;
      }
      if (!item.IsMap() || !item["url"] || !item["url"].IsScalar() || (item["name"] && !item["name"].IsScalar()))
        fail_at(at(item, nullptr).source, "each target is a URL or a map with url (and name)");
      for (auto field = item.begin(); field != item.end(); ++field) {
        const std::string f = field->first.Scalar();
        if (f != "name" && f != "url") fail_at(at(field->first, nullptr).source, "unknown target field '" + f + "' (expected name, url)");
      }
      const std::string name = item["name"] ? item["name"].Scalar() : std::string();
      if (name.find_first_of("\t\n") != std::string::npos) fail_at(at(item, nullptr).source, "a target name cannot hold a tab or newline");
      targets.push_back({name, item["url"].Scalar()});
    }
    return format_target_list(targets);
  }

  // `<<: *anchor` merges are resolved here (yaml-cpp 0.7 leaves them as a plain "<<" key): the
  // merged map's entries count unless the section sets the same key itself.
  void section(const YAML::Node& node, Layer& layer, const std::string* environment) {
    Layer seen, merged;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) fail_at(at(it->first, environment).source, "setting names must be plain text");
      if (it->first.Scalar() != "<<") continue;
      std::vector<YAML::Node> sources;
      if (it->second.IsMap()) sources.push_back(it->second);
      else if (it->second.IsSequence())
        for (const auto& n : it->second) sources.push_back(n);
      for (const auto& src : sources) {
        if (!src.IsMap()) fail_at(at(it->first, environment).source, "'<<' must merge a map");
        Layer merged_seen;
        for (auto m = src.begin(); m != src.end(); ++m) entry(m->first, m->second, merged, merged_seen, environment);
      }
    }
    for (auto it = node.begin(); it != node.end(); ++it)
      if (it->first.Scalar() != "<<") entry(it->first, it->second, layer, seen, environment);
    for (auto& [key, s] : merged) layer.try_emplace(key, std::move(s));
  }
};

}  // namespace

ConfigFile read_yaml_file(const std::filesystem::path& path) {
  ConfigFile file;
  file.path = path.string();
  const std::string text = read_config_text(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail_at(file_setting(file.path, e.mark.line + 1, "", {}).source, "invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return file;
  YamlReader reader{file};
  if (!root.IsMap()) fail_at(reader.at(root, nullptr).source, "the top level must be a map of settings");
  reader.section(root, file.top, nullptr);
  return file;
}

}  // namespace strata
