#include "strata/reconcile.hpp"

#include <algorithm>

#include "strata/error.hpp"

// The vocabulary of reconcile: Flyway's state names, targets and what one line of `info` shows.

namespace strata {

bool checksum_matches(const ResolvedMigration& r, const std::optional<std::int32_t>& applied) {
  if (!applied) return false;
  return *applied == r.checksum || (r.equivalent_checksum && *applied == *r.equivalent_checksum);
}

bool is_failed(MigrationState s) noexcept {
  return s == MigrationState::Failed || s == MigrationState::MissingFailed || s == MigrationState::FutureFailed;
}

std::string_view state_name(MigrationState state) noexcept {
  switch (state) {
    case MigrationState::Pending: return "Pending";
    case MigrationState::AboveTarget: return "Above Target";
    case MigrationState::BelowBaseline: return "Below Baseline";
    case MigrationState::BaselineIgnored: return "Ignored (Baseline)";
    case MigrationState::Baseline: return "Baseline";
    case MigrationState::Ignored: return "Ignored";
    case MigrationState::Missing: return "Missing";
    case MigrationState::MissingFailed: return "Failed (Missing)";
    case MigrationState::Success: return "Success";
    case MigrationState::Failed: return "Failed";
    case MigrationState::OutOfOrder: return "Out of Order";
    case MigrationState::Future: return "Future";
    case MigrationState::FutureFailed: return "Failed (Future)";
    case MigrationState::Outdated: return "Outdated";
    case MigrationState::Superseded: return "Superseded";
    case MigrationState::Deleted: return "Deleted";
    case MigrationState::Schema: return "Success";
  }
  return "Unknown";
}

Target Target::parse(std::string_view text) {
  auto is = [&](std::string_view word) {
    return text.size() == word.size() &&
           std::equal(text.begin(), text.end(), word.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? char(a - 'A' + 'a') : a) == b;
           });
  };
  Target t;
  // Flyway also reads Long.MAX_VALUE, the way it prints `latest`, as latest.
  if (is("latest") || text == "9223372036854775807") return t;
  if (is("current")) {
    t.kind = Kind::Current;
    return t;
  }
  if (is("next")) {
    t.kind = Kind::Next;
    return t;
  }
  if (auto v = Version::parse(text)) {
    t.kind = Kind::Version;
    t.version = std::move(v);
    return t;
  }
  throw ConfigError("invalid target '" + std::string(text) +
                    "': expected latest, current, next or a version such as 1.2");
}

bool MigrationInfo::is_versioned() const {
  if (applied) return applied->version.has_value();
  return resolved && resolved->version.has_value();
}

std::optional<Version> MigrationInfo::version() const {
  if (applied) return applied->version ? Version::parse(*applied->version) : std::nullopt;
  return resolved ? resolved->version : std::nullopt;
}

std::string MigrationInfo::version_text() const {
  if (applied) {
    if (!applied->version) return {};
    std::string text = *applied->version;
    std::replace(text.begin(), text.end(), '_', '.');
    return text;
  }
  return resolved && resolved->version ? resolved->version->text() : std::string();
}

const std::string& MigrationInfo::description() const {
  static const std::string empty;
  return applied ? applied->description : resolved ? resolved->description : empty;
}

const std::string& MigrationInfo::type() const {
  static const std::string empty;
  return applied ? canonical_type(applied->type) : resolved ? resolved->type : empty;
}

const std::string& MigrationInfo::script() const {
  static const std::string empty;
  return applied ? applied->script : resolved ? resolved->script : empty;
}

}  // namespace strata
