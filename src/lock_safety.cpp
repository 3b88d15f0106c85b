#include "strata/lock_safety.hpp"

#include "strata/config.hpp"
#include "strata/settings.hpp"

namespace strata {
namespace {

std::optional<std::chrono::milliseconds> duration_setting(const Config& config, const std::string& key) {
  auto it = config.settings.find(key);
  if (it == config.settings.end() || it->second.empty()) return std::nullopt;
  auto d = parse_duration(it->second);
  if (!d || d->count() == 0) return std::nullopt;  // 0 means off, as in PostgreSQL
  return d;
}

}  // namespace

LockSafety lock_safety(const Config& config) {
  LockSafety safety;
  safety.lock_timeout = duration_setting(config, "lockTimeout");
  safety.statement_timeout = duration_setting(config, "statementTimeout");
  if (auto it = config.settings.find("lockRetryCount"); it != config.settings.end()) {
    if (auto n = parse_setting_int(it->second, true)) safety.retries = static_cast<int>(*n);
  }
  safety.connection = config.connection;
  return safety;
}

std::string postgres_duration(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

std::string timeout_statements(const LockSafety& safety) {
  std::string out;
  if (safety.lock_timeout) out += "SET lock_timeout = '" + postgres_duration(*safety.lock_timeout) + "'";
  if (safety.statement_timeout) {
    out += (out.empty() ? "" : "; ") + std::string("SET statement_timeout = '") +
           postgres_duration(*safety.statement_timeout) + "'";
  }
  return out;
}

}  // namespace strata
