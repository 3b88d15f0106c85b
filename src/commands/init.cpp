// init: a starting strata.yaml and migrations/ for a new project. It checks everything before it
// writes anything, and never writes over what is there.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string_view>
#include <system_error>

#include "strata/commands.hpp"
#include "strata/error.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kStarterConfig = R"(# strata.yaml: written by `strata init`. Every setting is optional; the full list, with what each
# means, is in strata.example.yaml and the README.
#
# Strongest first: command-line options, STRATA_* then FLYWAY_* environment variables, the
# environment chosen below (-e NAME), the top level of this file, built-in defaults.
# Keep passwords out of this file: PGPASSWORD, STRATA_PASSWORD or ~/.pgpass.

# Used by every environment unless it says otherwise.
schemas:
  - public                      # the first one holds the history table
table: flyway_schema_history    # Flyway's name, so Flyway and strata share one history
locations:
  - migrations                  # `strata new` creates files in the first location

# How long migrate waits for another run's migration lock (500ms, 30s, 10m, 1h).
lockWaitTimeout: 10m
# Recommended: also bound how long one statement waits for a table lock, so that a migration
# queued behind a long transaction does not stall every query on that table. Until strata has
# its own setting for it, set it in the first lines of a migration that takes strong locks:
#   SET lock_timeout = '5s';

# The environment used when neither -e nor STRATA_ENVIRONMENT names one.
environment: dev

environments:
  dev:
    url: postgresql://localhost:5432/app_dev

  staging:
    url: postgresql://staging-db.example.internal:5432/app?sslmode=require
    user: app_migrator
    connectRetries: 5           # the database may still be starting when a deploy runs

  prod:
    protected: true             # `strata clean` is always refused here
    url: postgresql://prod-db.example.internal:5432/app?sslmode=verify-full
    user: app_migrator
    connectRetries: 5
)";

// ConfigError naming the file that is in the way; nothing has been written yet.
[[noreturn]] void refuse(const fs::path& path, const std::string& why) {
  ConfigError e(path.string() + " " + why + "; strata init writes nothing over an existing file");
  e.file = path.string();
  e.hint = "remove or move it first, or edit it by hand";
  throw e;
}

void write_new_file(const fs::path& path, std::string_view text) {
  // "x": fails when the file appeared since it was checked, instead of replacing it.
  std::FILE* f = std::fopen(path.c_str(), "wx");
  if (!f) refuse(path, "cannot be created");
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !written) throw InputError("cannot write " + path.string());
}

}  // namespace

// Relative names: they are what the user sees, and init works where it is run.
int run_init(const Config&, const CommandArgs&) {
  const fs::path config = "strata.yaml";
  const fs::path migrations = "migrations";
  std::error_code ec;
  if (fs::exists(fs::symlink_status(config, ec))) refuse(config, "already exists");
  const bool have_migrations = fs::is_directory(migrations, ec);
  if (!have_migrations && fs::exists(fs::symlink_status(migrations, ec))) refuse(migrations, "exists and is not a directory");

  write_new_file(config, kStarterConfig);
  std::cout << "created " << config.string() << '\n';
  if (!have_migrations) {
    if (!fs::create_directory(migrations, ec)) throw InputError("cannot create " + migrations.string() + ": " + ec.message());
    std::cout << "created " << migrations.string() << "/\n";
  }
  std::cout << "next: edit the URLs in strata.yaml, then `strata new \"create first table\"`\n";
  return 0;
}

}  // namespace strata
