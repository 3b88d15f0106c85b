#include "strata/placeholders.hpp"

#include <cctype>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/checksum.hpp"
#include "strata/error.hpp"
#include "text.hpp"

// Behaviour learnt from Flyway's PlaceholderReplacingReader, ParsingContext, Parser,
// SqlMigrationResolver and ChecksumCalculator (flyway-core, unchanged in this respect from 7.x to
// 12.x); see placeholders.hpp for the rules. Where strata differs on purpose: the error names
// the line and column and every undefined placeholder, and a prefix that is never closed is its
// own error (Flyway takes the rest of the file as the name, or crashes when too little is left).

namespace strata {
namespace {

constexpr std::string_view kBuiltinNamespace = "flyway:";
constexpr std::string_view kFilenameBuiltin = "flyway:filename";
constexpr std::string_view kBuiltinNames[] = {"flyway:defaultSchema",    "flyway:user",  "flyway:database",
                                              "flyway:timestamp",        "flyway:filename",
                                              "flyway:workingDirectory", "flyway:table", "flyway:environment"};

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Index just past the character that starts at `i`. Flyway compares UTF-16 units; for text that
// is valid UTF-8 and a prefix made of whole characters, stepping by code points agrees with it.
std::size_t char_end(std::string_view text, std::size_t i) {
  ++i;
  while (i < text.size() && is_continuation(text[i])) ++i;
  return i;
}

struct Undefined {
  std::size_t offset;     // of the prefix
  std::string_view name;  // what stood between prefix and suffix (to the end when not closed)
  bool closed;
};

// 1-based line and column (in characters) of byte offsets, asked for in increasing order, so
// that reporting many placeholders stays one pass over the text.
class Locator {
 public:
  explicit Locator(std::string_view text) : text_(text) {
    // Editors do not show a byte-order mark, and Flyway strips it before replacing.
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  std::pair<int, int> at(std::size_t offset) {
    for (; pos_ < offset && pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '\n' && previous_cr_) {
        previous_cr_ = false;  // the second half of a CRLF
        continue;
      }
      previous_cr_ = c == '\r';
      if (c == '\n' || c == '\r') {
        ++line_;
        column_ = 1;
      } else if (!is_continuation(c)) {
        ++column_;
      }
    }
    return {line_, column_};
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  bool previous_cr_ = false;
};

// A name as it can be shown on one line of message: control characters escaped, long ones cut.
std::string printable(std::string_view name) {
  constexpr int kMaxChars = 40;
  std::string out;
  int chars = 0;
  for (std::size_t i = 0; i < name.size(); i = char_end(name, i)) {
    if (++chars > kMaxChars) {
      out += "...";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.append(name.substr(i, char_end(name, i) - i));
    }
  }
  return out;
}

bool is_env_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

bool is_flag_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)) || c == '=') {
      return false;
    }
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string describe_first(const Undefined& u, const PlaceholderSettings& settings, Locator& locator) {
  if (!u.closed) {
    return "placeholder prefix " + settings.prefix + " is never closed: no " + settings.suffix +
           " follows it in the file";
  }
  const std::string shown = settings.prefix + printable(u.name) + settings.suffix;
  if (u.name.find_first_of("\r\n") != std::string_view::npos) {
    const auto [line, column] = locator.at(u.offset + settings.prefix.size() + u.name.size());
    return "no value provided for placeholder " + shown + ": the name runs over a line break to the next " +
           settings.suffix + " at " + std::to_string(line) + ":" + std::to_string(column);
  }
  const std::string folded = lower(u.name);
  if (folded.starts_with(kBuiltinNamespace)) {
    for (std::string_view builtin : kBuiltinNames) {
      if (lower(builtin) == folded) {
        return "no value for built-in placeholder " + shown + ": strata could not determine it" +
               (builtin == "flyway:defaultSchema" ? " (set defaultSchema or schemas)" : "");
      }
    }
    std::string all;
    for (std::string_view builtin : kBuiltinNames) all.append(all.empty() ? "" : ", ").append(builtin);
    return "unknown built-in placeholder " + shown + "; the built-ins are " + all;
  }
  if (u.name.empty()) return "placeholder " + shown + " has no name";
  std::string message = "no value provided for placeholder " + shown + "; set it with ";
  if (is_flag_name(u.name)) message += "--placeholders." + std::string(u.name) + "=..., ";
  if (is_env_name(u.name)) message += "FLYWAY_PLACEHOLDERS_" + upper(u.name) + ", ";
  if (message.ends_with(", ")) {
    message.resize(message.size() - 2);
    message += " or ";
  }
  return message + "the placeholders map in strata.yaml";
}

[[noreturn]] void report(std::string_view text, const std::vector<Undefined>& undefined, std::size_t total,
                         const PlaceholderSettings& settings, const std::string& file) {
  Locator locator(text);
  const auto [line, column] = locator.at(undefined.front().offset);
  std::string message = describe_first(undefined.front(), settings, locator);
  if (undefined.size() > 1) {
    message += " (also undefined: ";
    for (std::size_t i = 1; i < undefined.size(); ++i) {
      const auto [l, c] = locator.at(undefined[i].offset);
      if (i > 1) message += ", ";
      message += settings.prefix + printable(undefined[i].name) + (undefined[i].closed ? settings.suffix : "") +
                 " at " + std::to_string(l) + ":" + std::to_string(c);
    }
    if (total > undefined.size()) message += ", and " + std::to_string(total - undefined.size()) + " more";
    message += ")";
  }
  InputError e(message);
  e.file = file;
  e.line = line;
  e.column = column;
  e.hint = "Flyway replaces placeholders everywhere in a migration, comments and string literals included, "
           "and matches names case-insensitively; if this is not meant as a placeholder, set "
           "placeholderReplacement=false or choose another placeholderPrefix";
  throw e;
}

void check(const PlaceholderSettings& settings) {
  if (settings.prefix.empty()) throw ConfigError("placeholderPrefix cannot be empty");
  if (settings.suffix.empty()) throw ConfigError("placeholderSuffix cannot be empty");
}

bool may_have_placeholders(std::string_view text, const PlaceholderSettings& settings) {
  if (!settings.enabled) return false;
  check(settings);
  return text.find(settings.prefix) != std::string_view::npos;
}

std::string replace(std::string_view text, const PlaceholderSettings& settings, std::string_view filename,
                    const std::string& file_for_errors, std::vector<Splice>* splices = nullptr) {
  // Later entries win: user values, then built-ins, then this file's name, the order in which
  // Flyway fills its map. Among user names equal but for case, the last in map order wins.
  std::unordered_map<std::string, const std::string*> values;
  for (const auto& [name, value] : settings.values) values.insert_or_assign(lower(name), &value);
  for (const auto& [name, value] : settings.builtins) values.insert_or_assign(lower(name), &value);
  const std::string file_name(filename);
  values.insert_or_assign(std::string(kFilenameBuiltin), &file_name);

  const std::string_view prefix = settings.prefix;
  const std::string_view suffix = settings.suffix;
  constexpr std::size_t kMaxListed = 6;
  std::vector<Undefined> undefined;
  std::size_t undefined_total = 0;
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::string folded;

  std::size_t copied = 0;  // text before this is in `out` or replaced
  std::size_t scan = 0;    // where the next fresh scan for the prefix starts
  while (scan < text.size()) {
    const std::size_t start = text.find(prefix.front(), scan);
    if (start == std::string_view::npos) break;
    std::size_t matched = 0;
    while (matched < prefix.size() && start + matched < text.size() && text[start + matched] == prefix[matched]) {
      ++matched;
    }
    if (matched < prefix.size()) {
      if (start + matched >= text.size()) break;
      // Flyway emits the partial match and the character that broke it without looking at them
      // again, so a prefix starting inside them is not seen.
      std::size_t breaker = start + matched;
      while (breaker > start && is_continuation(text[breaker])) --breaker;
      scan = char_end(text, breaker);
      continue;
    }
    const std::size_t name_begin = start + prefix.size();
    const std::size_t name_end = text.find(suffix, name_begin);
    if (name_end == std::string_view::npos) {
      undefined.push_back({start, text.substr(name_begin), false});
      ++undefined_total;
      break;
    }
    const std::string_view name = text.substr(name_begin, name_end - name_begin);
    folded.assign(name);
    for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.append(text.substr(copied, start - copied));
    copied = scan = name_end + suffix.size();
    if (const auto it = values.find(folded); it != values.end()) {
      const std::size_t out_begin = out.size();
      out.append(*it->second);
      if (splices) splices->push_back({start, name_end + suffix.size(), out_begin, out.size()});
    } else {
      if (undefined.size() < kMaxListed) undefined.push_back({start, name, true});
      ++undefined_total;
    }
  }
  if (!undefined.empty()) report(text, undefined, undefined_total, settings, file_for_errors);
  out.append(text.substr(copied));
  return out;
}

}  // namespace

std::map<std::string, std::string> builtin_placeholders(std::string_view default_schema, std::string_view user,
                                                        std::string_view database, std::string_view table,
                                                        std::string_view environment,
                                                        std::string_view working_directory,
                                                        std::chrono::system_clock::time_point now) {
  std::map<std::string, std::string> out;
  if (!default_schema.empty()) out.emplace("flyway:defaultSchema", default_schema);
  if (!database.empty()) out.emplace("flyway:database", database);
  out.emplace("flyway:user", user);
  // Flyway formats with SimpleDateFormat in the JVM's zone, which follows TZ like localtime does.
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  tzset();  // localtime_r need not look at TZ again by itself
  localtime_r(&seconds, &local);
  char stamp[64];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  out.emplace("flyway:timestamp", std::string(stamp, n));
  out.emplace("flyway:workingDirectory", working_directory);
  out.emplace("flyway:table", table);
  out.emplace("flyway:environment", environment.empty() ? std::string_view("default") : environment);
  return out;
}

bool has_placeholders(std::string_view text, const PlaceholderSettings& settings) {
  return may_have_placeholders(text, settings);
}

std::string replace_placeholders(std::string_view text, const PlaceholderSettings& settings,
                                 std::string_view filename, const std::string& file_for_errors,
                                 std::vector<Splice>* splices) {
  if (splices) splices->clear();
  if (!may_have_placeholders(text, settings)) return std::string(text);
  return replace(text, settings, filename, file_for_errors, splices);
}

MigrationChecksums migration_checksums(MigrationKind kind, std::string_view text,
                                       const PlaceholderSettings& settings, std::string_view filename,
                                       const std::string& file_for_errors) {
  const std::int32_t raw = flyway_checksum(text);
  if (kind != MigrationKind::Repeatable) return {raw, std::nullopt};
  if (!may_have_placeholders(text, settings)) return {raw, raw};
  return {flyway_checksum(replace(text, settings, filename, file_for_errors)), raw};
}

}  // namespace strata
