// Which databases a fleet command runs on: the environment's targets and targets_query, then
// --target-filter and --shard.
#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "connection/parts.hpp"
#include "strata/error.hpp"
#include "strata/fleet.hpp"
#include "text.hpp"

namespace strata {
namespace {

const std::string* setting(const Config& config, const std::string& key) {
  auto it = config.settings.find(key);
  return it == config.settings.end() || trim(it->second).empty() ? nullptr : &it->second;
}

std::optional<std::string> optional_setting(const Config& config, const std::string& key) {
  const std::string* value = setting(config, key);
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

// The database a display URL ("postgresql://user@host:5432/db") names.
std::string database_of(const ConnectionSettings& connection) {
  const std::string& display = connection.display;
  const std::size_t slash = display.rfind('/');
  std::string db = slash == std::string::npos ? std::string() : display.substr(slash + 1);
  return connection::percent_decode(db, false).value_or(db);
}

bool looks_like_url(std::string_view text) {
  return text.find("://") != std::string_view::npos || text.starts_with("jdbc:") || text.find('=') != std::string_view::npos;
}

FleetTarget target_from_url(const Config& config, const TargetSpec& spec) {
  FleetTarget target;
  target.connection = make_connection_settings(spec.url, optional_setting(config, "user"),
                                               optional_setting(config, "password"),
                                               optional_setting(config, "connectTimeout"));
  target.connection.connect_retries = config.connection.connect_retries;
  target.connection.connect_retries_interval = config.connection.connect_retries_interval;
  target.name = spec.name.empty() ? database_of(target.connection) : spec.name;
  return target;
}

// A database of the server the environment's url reaches, as that url connects to it.
FleetTarget target_on_server(const Config& config, const std::string& database) {
  connection::Params params = connection::parse_libpq(config.connection.conninfo);
  connection::set_param(params, "dbname", database);
  FleetTarget target{database, config.connection};
  target.connection.conninfo = connection::conninfo_of(params);
  target.connection.display = connection::display_of(params);
  return target;
}

void add_query_targets(const Config& config, const std::string& query, std::vector<FleetTarget>& targets) {
  Session session(config.connection);
  Rows rows;
  try {
    rows = session.query(query);
  } catch (const SqlError& e) {
    ConfigError error(std::string("targets_query failed on ") + config.connection.display + ": " + e.what());
    error.hint = "the query must return one column: database names or URLs";
    throw error;
  }
  for (const Row& row : rows) {
    if (row.empty() || !row[0] || trim(*row[0]).empty()) continue;
    const std::string value(trim(*row[0]));
    targets.push_back(looks_like_url(value) ? target_from_url(config, {{}, value}) : target_on_server(config, value));
  }
}

}  // namespace

std::vector<TargetSpec> parse_target_list(std::string_view text) {
  std::vector<TargetSpec> specs;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.empty()) continue;
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos) specs.push_back({{}, std::string(line)});
    else specs.push_back({std::string(trim(line.substr(0, tab))), std::string(trim(line.substr(tab + 1)))});
  }
  return specs;
}

std::string format_target_list(const std::vector<TargetSpec>& targets) {
  std::string text;
  for (const TargetSpec& t : targets) {
    if (!text.empty()) text += '\n';
    text += t.name.empty() ? t.url : t.name + '\t' + t.url;
  }
  return text;
}

bool is_fleet(const Config& config) { return setting(config, "targets") || setting(config, "targetsQuery"); }

std::vector<FleetTarget> fleet_targets(const Config& config) {
  std::vector<FleetTarget> targets;
  if (const std::string* list = setting(config, "targets")) {
    for (const TargetSpec& spec : parse_target_list(*list)) targets.push_back(target_from_url(config, spec));
  }
  if (const std::string* query = setting(config, "targetsQuery")) add_query_targets(config, *query, targets);
  std::set<std::string> names;
  for (const FleetTarget& t : targets) {
    if (t.name.empty()) throw ConfigError("target " + t.connection.display + " names no database; give it a name and a database");
    if (!names.insert(t.name).second) {
      ConfigError error("two targets are named '" + t.name + "'");
      error.hint = "give one of them a name: targets: [{name: other, url: ...}]";
      throw error;
    }
  }
  if (targets.empty()) throw ConfigError("the fleet has no targets: targets is empty and targets_query returned no rows");
  return targets;
}

std::vector<FleetTarget> filter_targets(std::vector<FleetTarget> targets, const std::string& glob) {
  if (glob.empty()) return targets;
  std::erase_if(targets, [&](const FleetTarget& t) { return fnmatch(glob.c_str(), t.name.c_str(), 0) != 0; });
  return targets;
}

Shard parse_shard(std::string_view text) {
  const std::string_view t = trim(text);
  const std::size_t slash = t.find('/');
  Shard shard;
  auto number = [](std::string_view s, std::uint64_t& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
  };
  if (slash == std::string_view::npos || !number(t.substr(0, slash), shard.index) ||
      !number(t.substr(slash + 1), shard.count) || shard.count == 0 || shard.index == 0 || shard.index > shard.count) {
    throw UsageError("invalid --shard '" + std::string(text) + "': expected I/N with 1 <= I <= N, e.g. 2/3");
  }
  return shard;
}

std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

bool in_shard(std::string_view name, const Shard& shard) { return fnv1a_64(name) % shard.count == shard.index - 1; }

std::vector<FleetTarget> shard_targets(std::vector<FleetTarget> targets, const Shard& shard) {
  std::erase_if(targets, [&](const FleetTarget& t) { return !in_shard(t.name, shard); });
  return targets;
}

}  // namespace strata
