#pragma once
// Flyway's ways of being invoked, so that an existing `flyway ... migrate` line, flyway.conf or
// flyway.toml works with only the program name changed: single-dash -key=value arguments,
// Java-properties .conf files and a subset of Flyway 10's TOML files. Pure text in, data out;
// config.cpp decides what the keys mean.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct SplitArgs {
  // What CLI11 should still parse, argv[0] first, in the original order.
  std::vector<std::string> rest;
  // Settings CLI11 does not declare, keyed by the argument's name as written including its
  // dashes ("-url", "-placeholders.tenant", "--baseline-on-migrate"), so that ConfigInputs::flags
  // can take them alongside CLI11's own keys and a setting given both ways is reported as such.
  std::map<std::string, std::string> settings;
};

// Splits a command line that may mix strata's options (--url=..., -c FILE) with Flyway's:
//   -key=value            a setting (split at the first '='), before or after the command;
//   -X, -q                --verbose, --quiet;
//   -n, -skipCheckForUpdate, -communityFallback   accepted, no effect (strata never prompts);
//   -?                    --help;   -e=dev, -c=FILE   -e dev, -c FILE;
//   --key=value, --key    a setting CLI11 does not declare (--baseline-on-migrate=true,
//                         --placeholders.x=y; a bare --key only for true/false settings).
// `declared_flags` are the long option names CLI11 declares ("url", "out-of-order"); those are
// left for CLI11 in either form, and so are unknown --options. Blank arguments are dropped
// as Flyway does, unless they follow an option that may take them as its value; everything after
// a lone "--" is left alone. Throws UsageError naming the argument (never its value) for a
// single-dash -key=value whose key is not a setting, a setting without "=value", or one given
// twice.
SplitArgs split_flyway_args(const std::vector<std::string>& argv, const std::set<std::string>& declared_flags);

// The help text's line about the forms above, for main's footer.
std::string_view flyway_forms_help();

// ---- config files

struct FileEntry {
  std::string key;    // properties: the key as written ("flyway.url"); TOML: dotted path
  std::vector<std::string> path;  // TOML: the table path and key ({"environments", "dev", "url"})
  std::string value;  // TOML arrays are joined with ','
  int line = 0;       // 1-based line the key is on
};

// Flyway's reading of a .conf file: java.util.Properties as Flyway feeds it. Lines are trimmed;
// '#' and '!' start comments; key and value are separated by '=', ':' or whitespace; a trailing
// '\' continues the value on the next line unless that line is blank or is itself a
// `flyway.key=value` line; every other backslash is literal (Flyway doubles them before
// java.util.Properties sees them, so Windows paths survive and \uXXXX is not an escape);
// ${NAME} (letters, digits, '_') is replaced by environment variable NAME or by nothing.
// Entries come in file order; of a repeated key the last counts, as in Properties. Never fails:
// any text is a properties file.
std::vector<FileEntry> parse_flyway_properties(std::string_view text, const std::map<std::string, std::string>& env);

// The subset of TOML that Flyway's flyway.toml uses: [tables] and [dotted.tables], key = value
// with bare, quoted and dotted keys, basic and literal strings (also multi-line), integers,
// booleans, arrays of those (across lines) and inline tables of them. Values in strings of the
// form ${env.NAME} are replaced from `env`; !{...} is verbatim. Throws ConfigError with
// file/line set (the message starts with "<file>:<line>: ") for anything else.
std::vector<FileEntry> parse_flyway_toml(std::string_view text, const std::string& file,
                                         const std::map<std::string, std::string>& env);

}  // namespace strata
