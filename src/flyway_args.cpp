#include "strata/flyway_args.hpp"

#include <cctype>
#include <cstdint>
#include <utility>

#include "strata/config.hpp"
#include "strata/error.hpp"
#include "text.hpp"

namespace strata {

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

// Flyway switches that take no value and mean nothing to strata: -n stopped credential prompts
// (strata never prompts), the others concern Flyway's editions and update check.
constexpr std::string_view kInertSwitches[] = {"-n", "-skipCheckForUpdate", "-communityFallback"};

bool is_inert_switch(std::string_view arg) {
  for (auto s : kInertSwitches)
    if (s == arg) return true;
  return false;
}

[[noreturn]] void usage(const std::string& message) { throw UsageError(message); }

}  // namespace

std::string_view flyway_forms_help() {
  return "Flyway's forms work too: strata -url=jdbc:postgresql://host:5432/db -user=... -password=...\n"
         "  -locations=filesystem:sql -placeholders.NAME=VALUE [-X|-q] migrate; -configFiles=a.conf,b.toml;\n"
         "  flyway.conf / flyway.toml in the working directory; FLYWAY_* environment variables.\n";
}

SplitArgs split_flyway_args(const std::vector<std::string>& argv, const std::set<std::string>& declared_flags) {
  SplitArgs out;
  if (argv.empty()) return out;
  out.rest.push_back(argv.front());

  auto add_setting = [&](const std::string& name, std::string value) {
    if (!out.settings.emplace(name, std::move(value)).second) usage("argument " + name + " is given twice");
  };
  // A switch main declares goes to CLI11 (so repeats and conflicts stay its business); one it
  // does not becomes a setting.
  auto switch_on = [&](const std::string& flag) {
    if (declared_flags.count(flag)) out.rest.push_back("--" + flag);
    else add_setting("--" + flag, "true");
  };

  // Whether CLI11 may read the argument after `prev` as its value ("--password", "-c").
  auto may_take_value = [](const std::string& prev) {
    if (prev.size() < 2 || prev[0] != '-' || prev.find('=') != std::string::npos) return false;
    if (prev == "-X" || prev == "-q" || prev == "-?" || is_inert_switch(prev)) return false;
    return prev[1] == '-' || prev.size() == 2;
  };

  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    // Flyway drops blank arguments (an empty "$EXTRA_ARGS"), but `--password ""` is a value.
    if (trim(arg).empty() && !may_take_value(argv[i - 1])) continue;
    if (arg == "--") {
      out.rest.insert(out.rest.end(), argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      out.rest.push_back(arg);  // a command, or the value of the option before it
      continue;
    }

    const bool double_dash = arg[1] == '-';
    const std::string body = arg.substr(double_dash ? 2 : 1);
    const std::size_t eq = body.find('=');
    const std::string name = body.substr(0, eq);
    const std::string written = std::string(double_dash ? "--" : "-") + name;  // never the value: it may be a password

    if (double_dash) {
      if (name.empty() || declared_flags.count(name) || canonical_key(name).empty()) {
        out.rest.push_back(arg);  // CLI11 parses it, or says it is unknown
      } else if (eq != std::string::npos) {
        add_setting(written, body.substr(eq + 1));
      } else if (is_boolean_setting(canonical_key(name))) {
        add_setting(written, "true");
      } else {
        out.rest.push_back(arg);  // "--key value": CLI11 reports it, as for any undeclared option
      }
      continue;
    }

    // Single dash.
    if (arg == "-X") {
      switch_on("verbose");
    } else if (arg == "-q") {
      switch_on("quiet");
    } else if (arg == "-?") {
      out.rest.push_back("--help");
    } else if (is_inert_switch(arg)) {
      // accepted and ignored
    } else if (name.size() == 1 && eq != std::string::npos) {
      // Next to Flyway's -key=value, -e=dev is an easy slip that CLI11 would read as the
      // environment "=dev".
      out.rest.push_back(arg.substr(0, 2));
      out.rest.push_back(body.substr(eq + 1));
    } else if (name.size() <= 1) {
      out.rest.push_back(arg);  // CLI11's short options: -c FILE, -e dev, -h
    } else if (eq != std::string::npos) {
      if (canonical_key(name).empty())
        usage("unknown setting '" + name + "' in argument " + written + "=...");
      add_setting(written, body.substr(eq + 1));
    } else if (!canonical_key(name).empty()) {
      // Flyway rejects a bare -key too; without this CLI11 would read -cleanDisabled as
      // "-c leanDisabled".
      usage("argument " + written + " needs a value: " + written + "=VALUE");
    } else {
      out.rest.push_back(arg);  // short options with an attached value, e.g. -cstrata.yaml
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// .conf files

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

// ---------------------------------------------------------------------------------------------
// .toml files

namespace {

class TomlReader {
 public:
  TomlReader(std::string_view text, const std::string& file, const std::map<std::string, std::string>& env)
      : text_(strip_bom(text)), file_(file), env_(env) {}

  std::vector<FileEntry> read() {
    while (true) {
      skip_space_and_comments(true);
      if (at_end()) break;
      if (peek() == '[') table_header();
      else key_value(table_);
      end_of_line();
    }
    return std::move(entries_);
  }

 private:
  [[noreturn]] void fail(const std::string& message, int line = 0) const {
    if (line == 0) line = line_;
    ConfigError e(file_ + ":" + std::to_string(line) + ": " + message);
    e.file = file_;
    e.line = line;
    throw e;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  char next() {
    char c = text_[pos_++];
    if (c == '\n') ++line_;
    return c;
  }
  bool starts(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

  void skip_blanks() {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }
  void skip_comment() {
    if (peek() == '#')
      while (!at_end() && peek() != '\n') ++pos_;
  }
  // Blanks and comments, and with `newlines` also line ends (between statements, inside arrays).
  void skip_space_and_comments(bool newlines) {
    while (true) {
      skip_blanks();
      skip_comment();
      if (newlines && !at_end() && (peek() == '\n' || peek() == '\r')) {
        next();
        continue;
      }
      break;
    }
  }
  void end_of_line() {
    skip_blanks();
    skip_comment();
    if (peek() == '\r') ++pos_;
    if (at_end()) return;
    if (peek() != '\n') fail("expected the end of the line after the value, found '" + std::string(1, peek()) + "'");
    next();
  }

  static bool bare_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  }

  std::vector<std::string> dotted_key() {
    std::vector<std::string> parts;
    while (true) {
      skip_blanks();
      if (peek() == '"') {
        ++pos_;
        parts.push_back(basic_string_body());
      } else if (peek() == '\'') {
        ++pos_;
        parts.push_back(literal_string_body());
      } else {
        std::size_t start = pos_;
        while (!at_end() && bare_key_char(peek())) ++pos_;
        if (pos_ == start)
          fail(at_end() || peek() == '\n' ? "expected a key"
                                          : "invalid character '" + std::string(1, peek()) + "' in a key");
        parts.emplace_back(text_.substr(start, pos_ - start));
      }
      skip_blanks();
      if (peek() != '.') return parts;
      ++pos_;
    }
  }

  void table_header() {
    ++pos_;
    if (peek() == '[') fail("arrays of tables ([[...]]) are not supported in strata's TOML reader");
    std::vector<std::string> path = dotted_key();
    if (peek() != ']') fail("expected ']' to close the table name");
    ++pos_;
    std::string joined = join(path);
    if (!tables_seen_.insert(joined).second) fail("table [" + joined + "] is defined twice");
    table_ = std::move(path);
  }

  static std::string join(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
    return out;
  }

  void key_value(const std::vector<std::string>& table) {
    const int line = line_;
    std::vector<std::string> path = table;
    for (auto& p : dotted_key()) path.push_back(std::move(p));
    if (peek() != '=') fail("expected '=' after the key " + join(path));
    ++pos_;
    skip_blanks();
    if (peek() == '{') {
      ++pos_;
      inline_table(path);
      return;
    }
    std::string value = this->value(join(path));
    add(std::move(path), std::move(value), line);
  }

  void add(std::vector<std::string> path, std::string value, int line) {
    std::string joined = join(path);
    if (!keys_seen_.insert(joined).second) fail(joined + " is set twice", line);
    FileEntry e;
    e.key = std::move(joined);
    e.path = std::move(path);
    e.value = std::move(value);
    e.line = line;
    entries_.push_back(std::move(e));
  }

  void inline_table(const std::vector<std::string>& path) {
    skip_blanks();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    while (true) {
      skip_blanks();
      key_value(path);
      skip_blanks();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return;
      }
      fail("expected ',' or '}' in the inline table " + join(path));
    }
  }

  std::string value(const std::string& key) {
    if (at_end() || peek() == '\n' || peek() == '\r' || peek() == '#') fail("missing value for " + key);
    if (peek() == '[') {
      ++pos_;
      std::string out;
      bool first = true;
      while (true) {
        skip_space_and_comments(true);
        if (at_end()) fail("unterminated array for " + key);
        if (peek() == ']') {
          ++pos_;
          return out;
        }
        if (peek() == '[' || peek() == '{') fail("nested arrays and tables are not supported (in " + key + ")");
        std::string item = scalar(key);
        if (!first) out += ',';
        out += item;
        first = false;
        skip_space_and_comments(true);
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() != ']') fail("expected ',' or ']' in the array for " + key);
      }
    }
    return scalar(key);
  }

  std::string scalar(const std::string& key) {
    if (starts("\"\"\"")) {
      pos_ += 3;
      return resolve(multiline_basic_body());
    }
    if (starts("'''")) {
      pos_ += 3;
      return resolve(multiline_literal_body());
    }
    if (peek() == '"') {
      ++pos_;
      return resolve(basic_string_body());
    }
    if (peek() == '\'') {
      ++pos_;
      return resolve(literal_string_body());
    }
    std::size_t start = pos_;
    while (!at_end() && (bare_key_char(peek()) || peek() == '+' || peek() == '.' || peek() == ':')) ++pos_;
    std::string word(text_.substr(start, pos_ - start));
    if (word == "true" || word == "false") return word;
    std::string digits;
    std::size_t d = word.starts_with('+') || word.starts_with('-') ? 1 : 0;
    bool integer = d < word.size();
    for (std::size_t k = d; k < word.size(); ++k) {
      if (std::isdigit(static_cast<unsigned char>(word[k]))) digits += word[k];
      else if (word[k] != '_') integer = false;
    }
    if (integer && !digits.empty()) return (word.starts_with('-') ? "-" : "") + digits;
    if (word.empty()) fail("invalid value for " + key + " (strings need quotes)");
    fail("unsupported value '" + word + "' for " + key +
         " (strata's TOML reader takes strings, integers, booleans and arrays of them)");
  }

  void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid unicode escape");
    if (cp < 0x80) out += static_cast<char>(cp);
    else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  void escape(std::string& out) {
    if (at_end()) fail("unterminated string");
    char c = next();
    switch (c) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case 'n': out += '\n'; return;
      case 't': out += '\t'; return;
      case 'r': out += '\r'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'e': out += '\x1b'; return;
      case 'u':
      case 'U': {
        std::size_t n = c == 'u' ? 4 : 8;
        std::uint32_t cp = 0;
        for (std::size_t k = 0; k < n; ++k) {
          char h = at_end() ? '\0' : next();
          if (!std::isxdigit(static_cast<unsigned char>(h))) fail("invalid \\" + std::string(1, c) + " escape");
          const int digit = std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : std::tolower(h) - 'a' + 10;
          cp = cp * 16 + static_cast<std::uint32_t>(digit);
        }
        append_utf8(out, cp);
        return;
      }
      default: fail("invalid escape \\" + std::string(1, c) + " in a string");
    }
  }

  std::string basic_string_body() {
    std::string out;
    while (true) {
      if (at_end() || peek() == '\n') fail("unterminated string");
      char c = next();
      if (c == '"') return out;
      if (c == '\\') escape(out);
      else out += c;
    }
  }

  std::string literal_string_body() {
    std::string out;
    while (true) {
      if (at_end() || peek() == '\n') fail("unterminated string");
      char c = next();
      if (c == '\'') return out;
      out += c;
    }
  }

  // At least three quotes close a multi-line string; up to two more belong to its content.
  void close_quotes(std::string& out, char quote) {
    std::size_t n = 0;
    while (peek(n) == quote) ++n;
    if (n > 5) fail("too many quotes at the end of a multi-line string");
    out.append(n - 3, quote);
    pos_ += n;
  }

  std::string multiline_basic_body() {
    std::string out;
    if (peek() == '\r' && peek(1) == '\n') pos_ += 1;
    if (peek() == '\n') next();  // a newline right after the opening quotes is not content
    while (true) {
      if (at_end()) fail("unterminated multi-line string");
      if (starts("\"\"\"")) {
        close_quotes(out, '"');
        return out;
      }
      char c = next();
      if (c == '\\') {
        // A backslash at a line's end trims the newline and the whitespace that follows.
        std::size_t save = pos_;
        int save_line = line_;
        while (peek() == ' ' || peek() == '\t') ++pos_;
        if (peek() == '\r' || peek() == '\n') {
          while (!at_end() && std::isspace(static_cast<unsigned char>(peek()))) next();
          continue;
        }
        pos_ = save;
        line_ = save_line;
        escape(out);
      } else if (c != '\r') {
        out += c;
      }
    }
  }

  std::string multiline_literal_body() {
    std::string out;
    if (peek() == '\r' && peek(1) == '\n') pos_ += 1;
    if (peek() == '\n') next();
    while (true) {
      if (at_end()) fail("unterminated multi-line string");
      if (starts("'''")) {
        close_quotes(out, '\'');
        return out;
      }
      char c = next();
      if (c != '\r') out += c;
    }
  }

  // Flyway's property resolvers in string values: ${env.NAME} and verbatim !{...}.
  std::string resolve(std::string value) {
    if (value.size() >= 3 && value.starts_with("!{") && value.ends_with('}')) return value.substr(2, value.size() - 3);
    std::string out;
    std::size_t i = 0;
    while (i < value.size()) {
      std::size_t open = value.find("${", i);
      if (open == std::string::npos) break;
      std::size_t close = value.find('}', open + 2);
      std::size_t dot = value.find('.', open + 2);
      const bool resolver_form = close != std::string::npos && dot != std::string::npos && dot < close &&
                                 dot > open + 2 && dot + 1 < close;
      if (!resolver_form) {
        out += value.substr(i, open + 2 - i);
        i = open + 2;
        continue;
      }
      out += value.substr(i, open - i);
      std::string resolver = value.substr(open + 2, dot - open - 2);
      std::string name = value.substr(dot + 1, close - dot - 1);
      if (resolver != "env")
        fail("resolver '" + resolver + "' in ${" + resolver + "." + name +
             "} is not supported by strata (only ${env.NAME})");
      auto it = env_.find(name);
      if (it == env_.end()) fail("environment variable " + name + " is not set (used as ${env." + name + "})");
      out += it->second;
      i = close + 1;
    }
    out += value.substr(i);
    return out;
  }

  std::string_view text_;
  std::string file_;
  const std::map<std::string, std::string>& env_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::vector<std::string> table_;
  std::set<std::string> tables_seen_;
  std::set<std::string> keys_seen_;
  std::vector<FileEntry> entries_;
};

}  // namespace

std::vector<FileEntry> parse_flyway_toml(std::string_view text, const std::string& file,
                                         const std::map<std::string, std::string>& env) {
  return TomlReader(text, file, env).read();
}

}  // namespace strata
