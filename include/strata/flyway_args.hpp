#pragma once
// Flyway's ways of being invoked on the command line, so that an existing `flyway ... migrate`
// line works with only the program name changed: single-dash -key=value arguments. Pure text in,
// data out; settings decide what the keys mean (its flyway.conf and flyway.toml readers are in
// settings.hpp).
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

}  // namespace strata
