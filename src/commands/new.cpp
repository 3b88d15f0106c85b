// new: the next migration file in the first location, named from its description; prints its path.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "strata/commands.hpp"
#include "strata/error.hpp"
#include "strata/resolve.hpp"
#include "strata/scaffold.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string file_name(const Config& config, const CommandArgs& args, const std::vector<ResolvedMigration>& existing) {
  const NamingRules& rules = config.naming;
  const std::string description = description_file_part(args.words.at(0));
  const std::string suffix = rules.suffixes.empty() ? std::string(".sql") : rules.suffixes.front();
  if (args.switches.count("--repeatable")) return rules.repeatable_prefix + rules.separator + description + suffix;
  std::vector<Version> versions;
  for (const ResolvedMigration& m : existing)
    if (m.version) versions.push_back(*m.version);
  const std::string version =
      next_version(versions, args.switches.count("--timestamp") > 0, std::chrono::system_clock::now());
  return rules.versioned_prefix + version + rules.separator + description + suffix;
}

// Creates the empty file; an existing one (a repeatable of that description) is an error.
void create_file(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "wx");
  if (!f) {
    InputError e(path.string() + (fs::exists(path) ? " already exists" : " cannot be created"));
    e.file = path.string();
    throw e;
  }
  std::fclose(f);
}

}  // namespace

int run_new(const Config& config, const CommandArgs& args) {
  if (args.switches.count("--repeatable") && args.switches.count("--timestamp"))
    throw UsageError("--timestamp and --repeatable exclude each other: a repeatable migration has no version");
  if (config.locations.empty()) throw ConfigError("no location to create the migration in; set --locations");
  const fs::path directory = location_directory(config.locations.front());
  std::error_code ec;
  fs::create_directories(directory, ec);  // a first migration needs no `init`
  if (ec) throw InputError("cannot create " + directory.string() + ": " + ec.message());

  // Every location counts: a version taken in another one would clash.
  ResolveOptions options;
  options.locations = config.locations;
  options.naming = config.naming;
  const fs::path path = directory / file_name(config, args, resolve_migrations(options));
  create_file(path);
  std::cout << path.string() << '\n';
  return 0;
}

}  // namespace strata
