// Flyway's flyway.toml, read with toml++ (the only file that includes it): [flyway] and
// [environments.NAME] tables, Flyway's ${env.NAME} and !{...} in strings.
// Compiled here rather than linked from libtomlplusplus.so: one library fewer at every start.
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "file_text.hpp"
#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/settings.hpp"

namespace strata {
namespace {

class TomlWalker {
 public:
  TomlWalker(const std::string& file, const std::map<std::string, std::string>& env) : file_(file), env_(env) {}

  void table(const toml::table& t, std::vector<std::string>& path) {
    for (auto&& [key, node] : t) {
      path.emplace_back(key.str());
      if (const toml::table* inner = node.as_table()) table(*inner, path);
      else entries_.push_back(entry(key, node, path));
      path.pop_back();
    }
  }

  std::vector<FileEntry> take() {
    // toml++ keeps keys sorted; file order is what people read and what later settings rely on.
    std::stable_sort(entries_.begin(), entries_.end(), [](const FileEntry& a, const FileEntry& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return std::move(entries_);
  }

  [[noreturn]] void fail(const toml::source_position& at, const std::string& message) const {
    ConfigError e(file_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + message);
    e.file = file_;
    e.line = static_cast<int>(at.line);
    e.column = static_cast<int>(at.column);
    throw e;
  }

 private:
  FileEntry entry(const toml::key& key, const toml::node& node, const std::vector<std::string>& path) {
    FileEntry e;
    e.path = path;
    for (const auto& p : path) e.key += (e.key.empty() ? "" : ".") + p;
    e.line = static_cast<int>(key.source().begin.line);
    e.column = static_cast<int>(key.source().begin.column);
    if (const toml::array* items = node.as_array()) {
      std::vector<std::string> values;
      for (const toml::node& item : *items) {
        if (item.is_array() || item.is_table())
          fail(item.source().begin, "nested arrays and tables are not supported (in " + e.key + ")");
        values.push_back(scalar(item, e.key));
      }
      e.value = join_list(values);
    } else {
      e.value = scalar(node, e.key);
    }
    return e;
  }

  std::string scalar(const toml::node& node, const std::string& key) const {
    if (const auto* s = node.as_string()) return resolve(s->get(), node.source().begin);
    if (const auto* i = node.as_integer()) return std::to_string(i->get());
    if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
    std::ostringstream shown;
    node.visit([&](auto&& value) { shown << value; });
    fail(node.source().begin, "unsupported value '" + shown.str() + "' for " + key +
                                  " (strata takes strings, integers, booleans and arrays of them)");
  }

  // Flyway's property resolvers in string values: ${env.NAME} and verbatim !{...}.
  std::string resolve(const std::string& value, const toml::source_position& at) const {
    if (value.size() >= 3 && value.starts_with("!{") && value.ends_with('}')) return value.substr(2, value.size() - 3);
    std::string out;
    std::size_t i = 0;
    while (true) {
      const std::size_t open = value.find("${", i);
      if (open == std::string::npos) break;
      const std::size_t close = value.find('}', open + 2);
      const std::size_t dot = value.find('.', open + 2);
      const bool resolver_form = close != std::string::npos && dot != std::string::npos && dot < close &&
                                 dot > open + 2 && dot + 1 < close;
      if (!resolver_form) {
        out += value.substr(i, open + 2 - i);
        i = open + 2;
        continue;
      }
      out += value.substr(i, open - i);
      const std::string resolver = value.substr(open + 2, dot - open - 2);
      const std::string name = value.substr(dot + 1, close - dot - 1);
      if (resolver != "env")
        fail(at, "resolver '" + resolver + "' in ${" + resolver + "." + name +
                     "} is not supported by strata (only ${env.NAME})");
      auto it = env_.find(name);
      if (it == env_.end()) fail(at, "environment variable " + name + " is not set (used as ${env." + name + "})");
      out += it->second;
      i = close + 1;
    }
    return out + value.substr(i);
  }

  std::string file_;
  const std::map<std::string, std::string>& env_;
  std::vector<FileEntry> entries_;
};

// What an [environments.NAME] table of flyway.toml holds besides its own [....flyway] table.
constexpr std::string_view kEnvironmentKeys[] = {"url",    "user",           "password",
                                                 "schemas", "connectRetries", "connectRetriesInterval",
                                                 "driver", "initSql"};

std::string map_entry_key(const std::vector<std::string>& p, std::size_t at) {
  if (p.size() == at + 2 && p[at] == "placeholders") return std::string(kPlaceholderPrefix) + p[at + 1];
  if (p.size() == at + 2 && p[at] == "jdbcProperties") return std::string(kJdbcPropertiesPrefix) + p[at + 1];
  return {};
}

// The canonical key of an [environments.NAME] entry; empty when it is not one strata reads.
std::string environment_key(const std::vector<std::string>& p, const Setting& s, bool& unsupported,
                            std::vector<std::string>& warnings) {
  if (p.size() >= 4 && p[2] == "flyway") {
    std::string key = p.size() == 4 ? flyway_file_key(p[3], s.source, warnings) : map_entry_key(p, 3);
    if (key == "environment") fail_at(s.source, "'environment' selects an environment; it cannot be set inside one");
    unsupported = key.empty() && p.size() > 4;
    return key;
  }
  if (p.size() == 3) {
    for (auto allowed : kEnvironmentKeys)
      if (p[2] == allowed) return canonical_key(allowed);
    // Flyway warns about other keys in an environment and goes on without them.
    unsupported = p[2] != "displayName";
    return {};
  }
  if (p.size() == 4 && p[2] == "jdbcProperties") return std::string(kJdbcPropertiesPrefix) + p[3];
  unsupported = true;  // resolvers, provisioners
  return {};
}

}  // namespace

std::vector<FileEntry> parse_flyway_toml(std::string_view text, const std::string& file,
                                         const std::map<std::string, std::string>& env) {
  TomlWalker walker(file, env);
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    walker.fail(e.source().begin, std::string(e.description()));
  }
  std::vector<std::string> path;
  walker.table(root, path);
  return walker.take();
}

ConfigFile read_flyway_toml(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                            std::vector<std::string>& warnings) {
  ConfigFile file;
  file.path = path.string();
  file.toml = true;
  for (auto& entry : parse_flyway_toml(read_config_text(path), file.path, env)) {
    const auto& p = entry.path;
    const bool in_environment = p.size() >= 3 && p[0] == "environments";
    Setting s = file_setting(file.path, entry.line, in_environment ? "environments." + p[1] : "", std::move(entry.value));
    bool unsupported = false;
    std::string key;
    Layer* layer = nullptr;
    if (p.size() >= 2 && p[0] == "flyway") {
      layer = &file.top;
      key = p.size() == 2 ? flyway_file_key(p[1], s.source, warnings) : map_entry_key(p, 1);
      unsupported = key.empty() && p.size() > 2;
    } else if (in_environment) {
      layer = &file.environments[p[1]];
      key = environment_key(p, s, unsupported, warnings);
    }
    // Anything else (Flyway Desktop's id/name/databaseType, [flywayDesktop], [redgateCompare])
    // belongs to other tools that share the file.
    if (unsupported)
      warnings.push_back("ignoring " + entry.key + " (" + s.source.origin + "): strata does not support this Flyway setting");
    if (layer && !key.empty()) (*layer)[key] = std::move(s);
  }
  return file;
}

}  // namespace strata
