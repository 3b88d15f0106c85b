#include "strata/naming.hpp"

#include <string>

#include "strata/checksum.hpp"
#include "strata/error.hpp"

// Rules read off Flyway's ResourceNameParser, StringUtils.startsAndEndsWith and
// SqlMigrationResolver (flyway-core):
// - the suffix matches case-insensitively (V1__x.SQL is a migration), the prefix case-sensitively;
//   when both prefixes match, the longer wins;
// - the name is split at the FIRST separator: the left part is the version, the right part the
//   description with every '_' turned into ' ' (so "V1___x" has description " x");
// - a versioned name without any separator is still valid: V1.sql is version 1 with an empty
//   description, as is V1__.sql;
// - a repeatable name must have nothing between prefix and separator.
// Flyway merely logs names it cannot parse (unless validateMigrationNaming); strata rejects them.

namespace strata {
namespace {

bool ends_with_ignore_case(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s.remove_prefix(s.size() - suffix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char a = s[i], b = suffix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

bool is_version_char(char c) { return (c >= '0' && c <= '9') || c == '.' || c == '_'; }

// The name for a message: bytes that are not UTF-8 spelled \xHH so that the message stays text.
std::string printable(std::string_view name) {
  std::string out;
  while (!name.empty()) {
    const std::size_t bad = find_invalid_utf8(name);
    out.append(name.substr(0, bad));
    if (bad == std::string_view::npos) break;
    static constexpr char hex[] = "0123456789ABCDEF";
    const auto b = static_cast<unsigned char>(name[bad]);
    out.append("\\x").push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
    name.remove_prefix(bad + 1);
  }
  return out;
}

[[noreturn]] void bad_name(std::string_view filename, const std::string& what, const std::string& expected,
                           const std::string& example) {
  std::string msg = "invalid migration file name \"";
  msg.append(printable(filename)).append("\": ").append(what).append("; expected ").append(expected);
  if (!example.empty()) msg.append(", e.g. ").append(example);
  InputError e(msg);
  e.file = std::string(filename);
  e.hint = "rename the file, or move it out of the migration locations if it is not a migration";
  throw e;
}

}  // namespace

std::optional<MigrationName> parse_migration_name(std::string_view filename, const NamingRules& rules) {
  std::string_view suffix;
  bool has_suffix = false;
  for (const auto& s : rules.suffixes) {
    if (ends_with_ignore_case(filename, s)) {
      suffix = filename.substr(filename.size() - s.size());
      has_suffix = true;
      break;
    }
  }
  if (!has_suffix) return std::nullopt;
  const std::string_view stem = filename.substr(0, filename.size() - suffix.size());

  const std::string& vp = rules.versioned_prefix;
  const std::string& rp = rules.repeatable_prefix;
  const bool v_match = stem.starts_with(vp);
  const bool r_match = stem.starts_with(rp);
  if (!v_match && !r_match) return std::nullopt;
  const bool versioned = v_match && (!r_match || vp.size() >= rp.size());
  const std::string& prefix = versioned ? vp : rp;
  const std::string& sep = rules.separator;

  // The description becomes text in the history table; a name PostgreSQL would refuse is
  // better reported here, against the file.
  if (find_invalid_utf8(filename) != std::string_view::npos) {
    bad_name(filename, "the name is not valid UTF-8", "a UTF-8 file name", "");
  }

  const std::string_view rest = stem.substr(prefix.size());
  const std::size_t at = rest.find(sep);
  const std::string_view left = at == std::string_view::npos ? rest : rest.substr(0, at);
  const std::string_view right = at == std::string_view::npos ? std::string_view{} : rest.substr(at + sep.size());

  MigrationName name;
  if (versioned) {
    const std::string form = vp + "<version>" + sep + "<description>" + std::string(suffix);
    if (left.empty()) {
      const std::string desc = right.empty() ? std::string("description") : std::string(right);
      bad_name(filename, "no version after \"" + vp + "\"", form, vp + "1" + sep + desc + std::string(suffix));
    }
    name.version = Version::parse(left);
    if (!name.version) {
      // Suggest the likely intent: the leading run of digits, dots and underscores is the version
      // (as in "V1_init.sql", a single underscore where two were meant), the rest the description.
      std::size_t n = 0;
      while (n < left.size() && is_version_char(left[n])) ++n;
      std::string_view v = left.substr(0, n);
      while (!v.empty() && (v.back() == '_' || v.back() == '.')) v.remove_suffix(1);
      std::string_view d = left.substr(n);
      if (at != std::string_view::npos) d = right;
      std::string example = vp + (v.empty() || !Version::parse(v) ? std::string("1") : std::string(v)) + sep +
                            (d.empty() ? std::string("description") : std::string(d)) + std::string(suffix);
      bad_name(filename,
               "\"" + std::string(left) + "\" is not a version (digits separated by '.' or '_')" +
                   (at == std::string_view::npos ? ", and there is no \"" + sep + "\" separator" : std::string()),
               form, example);
    }
    name.kind = MigrationKind::Versioned;
  } else {
    if (at != 0) {
      std::string_view d = right;
      if (at == std::string_view::npos) {
        d = rest;
        while (!d.empty() && d.front() == '_') d.remove_prefix(1);
        if (rest.empty() || rest.front() != '_') d = {};  // "README.sql": nothing sensible to suggest
      }
      const std::string what =
          rest.empty() ? "no description after \"" + rp + "\""
                       : "a repeatable migration has no version: \"" + sep + "\" must follow \"" + rp + "\" directly";
      bad_name(filename, what, rp + sep + "<description>" + std::string(suffix),
               rp + sep + (d.empty() ? std::string("description") : std::string(d)) + std::string(suffix));
    }
    name.kind = MigrationKind::Repeatable;
  }
  name.description.assign(right);
  for (char& c : name.description) {
    if (c == '_') c = ' ';
  }
  return name;
}

}  // namespace strata
