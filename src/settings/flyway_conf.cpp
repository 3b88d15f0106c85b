// Flyway's flyway.conf: java.util.Properties as Flyway feeds it, and its flyway.* keys.
#include <cctype>

#include "file_text.hpp"
#include "strata/config.hpp"
#include "strata/settings.hpp"

namespace strata {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (true) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string_view strip_bom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

// Java's String.trim(): every character up to ' ' counts as space.
std::string_view java_trim(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

bool env_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string expand_env(std::string_view text, const std::map<std::string, std::string>& env) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "${") == 0) {
      std::size_t j = i + 2;
      while (j < text.size() && env_name_char(text[j])) ++j;
      if (j > i + 2 && j < text.size() && text[j] == '}') {
        auto it = env.find(std::string(text.substr(i + 2, j - i - 2)));
        if (it != env.end()) out += it->second;
        i = j + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

// Whether a line ending in '\' continues onto `next`, as Flyway decides before Properties runs.
bool continues_onto(std::string_view next) {
  if (next.empty()) return false;
  std::string_view t = java_trim(next);
  if (t.starts_with("flyway.") && t.find('=') != std::string_view::npos)
    return t.find("==") != std::string_view::npos || t.find("!=") != std::string_view::npos;
  return true;
}

bool is_key_end(char c) { return c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f'; }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

}  // namespace

std::vector<FileEntry> parse_flyway_properties(std::string_view text, const std::map<std::string, std::string>& env) {
  const std::vector<std::string_view> lines = split_lines(strip_bom(text));
  std::vector<FileEntry> entries;
  std::size_t i = 0;
  while (i < lines.size()) {
    const int first_line = static_cast<int>(i) + 1;
    std::string_view line = java_trim(lines[i]);
    if (line.empty() || line.front() == '#' || line.front() == '!') {
      ++i;
      continue;
    }
    // The logical line: physical lines joined where a trailing backslash continues them.
    std::string logical;
    while (true) {
      const bool last = i + 1 >= lines.size();
      if (line.ends_with('\\') && !last && continues_onto(lines[i + 1])) {
        logical += line.substr(0, line.size() - 1);
        line = java_trim(lines[++i]);
        continue;
      }
      logical += line;
      ++i;
      break;
    }
    logical = expand_env(logical, env);

    std::size_t k = 0;
    while (k < logical.size() && !is_key_end(logical[k])) ++k;
    FileEntry e;
    e.key = logical.substr(0, k);
    bool separator = false;
    while (k < logical.size()) {
      char c = logical[k];
      if (!is_blank(c)) {
        if (separator || (c != '=' && c != ':')) break;
        separator = true;
      }
      ++k;
    }
    e.value = logical.substr(k);
    e.line = first_line;
    e.path = {e.key};
    entries.push_back(std::move(e));
  }
  return entries;
}

// Unknown plain keys fail, as in Flyway; keys inside a namespace ("postgresql.transactional.lock"
// is known, "check.buildUrl" is not) belong to Flyway plugins strata does not have, so they are
// named in a warning and skipped.
std::string flyway_file_key(const std::string& name, const SettingSource& at, std::vector<std::string>& warnings) {
  std::string key = canonical_key(name);
  if (key.empty()) {
    if (name.find('.') != std::string::npos) {
      warnings.push_back("ignoring flyway." + name + " (" + at.origin + "): strata does not support this Flyway setting");
      return {};
    }
    fail_at(at, "unknown setting 'flyway." + name + "'");
  }
  if (key == "workingDirectory")
    fail_at(at, "workingDirectory can only be given on the command line (-workingDirectory=DIR)");
  if (key == "configFiles") {
    warnings.push_back("ignoring flyway." + name + " (" + at.origin + "): a config file cannot name other config files");
    return {};
  }
  return key;
}

ConfigFile read_flyway_conf(const std::filesystem::path& path, const std::map<std::string, std::string>& env,
                            std::vector<std::string>& warnings) {
  ConfigFile file;
  file.path = path.string();
  for (auto& entry : parse_flyway_properties(read_config_text(path), env)) {
    // Flyway reads only its own keys from a .conf file and passes over anything else.
    if (!entry.key.starts_with("flyway.")) continue;
    Setting s = file_setting(file.path, entry.line, "", std::move(entry.value));
    std::string key = flyway_file_key(entry.key.substr(7), s.source, warnings);
    if (!key.empty()) file.top[key] = std::move(s);  // later lines win, as in java.util.Properties
  }
  return file;
}

}  // namespace strata
