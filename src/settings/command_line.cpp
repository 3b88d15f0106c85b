// The command line in its two forms: strata's GNU options (CLI11 parses them in main) and
// Flyway's single-dash -key=value, split out here; both end as one layer.
#include "strata/flyway_args.hpp"

#include <cctype>
#include <cstdint>
#include <utility>

#include "strata/config.hpp"
#include "strata/error.hpp"
#include "strata/settings.hpp"
#include "text.hpp"

namespace strata {

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

namespace {

// Whether CLI11 may read the argument after `prev` as its value ("--password", "-c").
bool may_take_value(const std::string& prev) {
  if (prev.size() < 2 || prev[0] != '-' || prev.find('=') != std::string::npos) return false;
  if (prev == "-X" || prev == "-q" || prev == "-?" || is_inert_switch(prev)) return false;
  return prev[1] == '-' || prev.size() == 2;
}

class ArgSplitter {
 public:
  explicit ArgSplitter(const std::set<std::string>& declared) : declared_(declared) {}

  SplitArgs split(const std::vector<std::string>& argv) {
    out_.rest.push_back(argv.front());
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& arg = argv[i];
      // Flyway drops blank arguments (an empty "$EXTRA_ARGS"), but `--password ""` is a value.
      if (trim(arg).empty() && !may_take_value(argv[i - 1])) continue;
      if (arg == "--") {
        out_.rest.insert(out_.rest.end(), argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
        break;
      }
      if (arg.size() < 2 || arg[0] != '-') out_.rest.push_back(arg);  // a command, or an option's value
      else if (arg[1] == '-') double_dash(arg);
      else single_dash(arg);
    }
    return std::move(out_);
  }

 private:
  void add_setting(const std::string& name, std::string value) {
    if (!out_.settings.emplace(name, std::move(value)).second) usage("argument " + name + " is given twice");
  }
  // A switch main declares goes to CLI11 (so repeats and conflicts stay its business); one it
  // does not becomes a setting.
  void switch_on(const std::string& flag) {
    if (declared_.count(flag)) out_.rest.push_back("--" + flag);
    else add_setting("--" + flag, "true");
  }

  void double_dash(const std::string& arg) {
    const std::string body = arg.substr(2);
    const std::size_t eq = body.find('=');
    const std::string name = body.substr(0, eq);
    if (name.empty() || declared_.count(name) || canonical_key(name).empty()) {
      out_.rest.push_back(arg);  // CLI11 parses it, or says it is unknown
    } else if (eq != std::string::npos) {
      add_setting("--" + name, body.substr(eq + 1));
    } else if (is_boolean_setting(canonical_key(name))) {
      add_setting("--" + name, "true");
    } else {
      out_.rest.push_back(arg);  // "--key value": CLI11 reports it, as for any undeclared option
    }
  }

  void single_dash(const std::string& arg) {
    const std::string body = arg.substr(1);
    const std::size_t eq = body.find('=');
    const std::string name = body.substr(0, eq);
    const std::string written = "-" + name;  // never the value: it may be a password
    if (arg == "-X") {
      switch_on("verbose");
    } else if (arg == "-q") {
      switch_on("quiet");
    } else if (arg == "-?") {
      out_.rest.push_back("--help");
    } else if (is_inert_switch(arg)) {
      // accepted and ignored
    } else if (name.size() == 1 && eq != std::string::npos) {
      // Next to Flyway's -key=value, -e=dev is an easy slip that CLI11 would read as the
      // environment "=dev".
      out_.rest.push_back(arg.substr(0, 2));
      out_.rest.push_back(body.substr(eq + 1));
    } else if (name.size() <= 1) {
      out_.rest.push_back(arg);  // CLI11's short options: -c FILE, -e dev, -h
    } else if (eq != std::string::npos) {
      if (canonical_key(name).empty()) usage("unknown setting '" + name + "' in argument " + written + "=...");
      add_setting(written, body.substr(eq + 1));
    } else if (!canonical_key(name).empty()) {
      // Flyway rejects a bare -key too; without this CLI11 would read -cleanDisabled as
      // "-c leanDisabled".
      usage("argument " + written + " needs a value: " + written + "=VALUE");
    } else {
      out_.rest.push_back(arg);  // short options with an attached value, e.g. -cstrata.yaml
    }
  }

  const std::set<std::string>& declared_;
  SplitArgs out_;
};

}  // namespace

SplitArgs split_flyway_args(const std::vector<std::string>& argv, const std::set<std::string>& declared_flags) {
  if (argv.empty()) return {};
  return ArgSplitter(declared_flags).split(argv);
}

Layer read_command_line(const std::map<std::string, std::string>& flags) {
  Layer layer;
  for (const auto& [name, value] : flags) {
    Setting s{value, {SourceKind::CommandLine, "option '" + name + "'", {}, 0, {}, name}};
    const std::string key = canonical_key(name);
    if (key.empty()) fail_at(s.source, "unknown setting '" + name + "'");
    if (auto prev = layer.find(key); prev != layer.end())
      fail_at(s.source, key + " is also given as " + prev->second.source.origin);
    layer[key] = std::move(s);
  }
  return layer;
}

}  // namespace strata
