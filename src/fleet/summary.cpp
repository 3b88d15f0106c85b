// A fleet's answer: one exit code, the summary table and the JSON document.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "strata/fleet.hpp"
#include "strata/log.hpp"
#include "strata/run.hpp"

namespace strata {
namespace {

// Higher is more serious; see fleet_exit_code.
int seriousness(int code) {
  switch (code) {
    case 0: return 0;
    case 1: return 1;
    case 4: return 2;
    case 3: return 3;
    case 2: return 4;
    default: return code >= 128 ? 5 : 1;  // interrupted; anything else counts as a failure
  }
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Succeeded: return "succeeded";
    case Outcome::Failed: return "failed";
    case Outcome::Skipped: return "skipped";
  }
  return "skipped";
}

std::string version_text(const std::optional<std::string>& v) {
  if (!v) return "-";
  return v->empty() ? "<none>" : *v;
}

std::size_t count(const std::vector<TargetResult>& results, Outcome o) {
  return static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [o](const TargetResult& r) { return r.outcome == o; }));
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string outcome_text(const TargetResult& r) {
  std::string text(outcome_name(r.outcome));
  if (r.outcome == Outcome::Failed) text += " (exit " + std::to_string(r.exit_code) + ")";
  return text;
}

std::string note_text(const TargetResult& r) {
  if (r.outcome == Outcome::Skipped) return r.skipped_because;
  if (r.pending) return std::to_string(*r.pending) + " pending";
  return r.error;
}

}  // namespace

int fleet_exit_code(const std::vector<TargetResult>& results) {
  int worst = 0;
  for (const TargetResult& r : results) {
    if (seriousness(r.exit_code) > seriousness(worst)) worst = r.exit_code;
  }
  return worst;
}

std::string summary_table(std::string_view command, const std::vector<TargetResult>& results,
                          std::chrono::milliseconds total) {
  std::vector<std::vector<std::string>> rows{{"TARGET", "OUTCOME", "BEFORE", "AFTER", "DURATION", "NOTE"}};
  for (const TargetResult& r : results) {
    rows.push_back({r.name, outcome_text(r), version_text(r.version_before), version_text(r.version_after),
                    r.outcome == Outcome::Skipped ? "-" : format_duration(r.duration), note_text(r)});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) line += i + 1 == row.size() ? row[i] : pad(row[i], widths[i] + 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  out += "Fleet " + std::string(command) + ": " + std::to_string(results.size()) + " targets, " +
         std::to_string(count(results, Outcome::Succeeded)) + " succeeded, " +
         std::to_string(count(results, Outcome::Failed)) + " failed, " + std::to_string(count(results, Outcome::Skipped)) +
         " skipped (execution time " + format_duration(total) + "), exit code " +
         std::to_string(fleet_exit_code(results)) + '\n';
  return log::redact(out);
}

std::string summary_json(std::string_view command, const std::vector<TargetResult>& results,
                         std::chrono::milliseconds total, int indent) {
  nlohmann::json targets = nlohmann::json::array();
  for (const TargetResult& r : results) {
    nlohmann::json t{{"name", r.name},        {"database", r.display},  {"outcome", outcome_name(r.outcome)},
                     {"exitCode", r.exit_code}, {"durationMs", r.duration.count()}};
    t["versionBefore"] = r.version_before ? nlohmann::json(*r.version_before) : nlohmann::json();
    t["versionAfter"] = r.version_after ? nlohmann::json(*r.version_after) : nlohmann::json();
    if (r.pending) t["pending"] = *r.pending;
    if (r.outcome == Outcome::Failed) t["error"] = {{"kind", r.error_kind}, {"message", r.error}};
    if (r.outcome == Outcome::Skipped) t["skippedBecause"] = r.skipped_because;
    targets.push_back(std::move(t));
  }
  nlohmann::json doc{{"command", command},
                     {"exitCode", fleet_exit_code(results)},
                     {"succeeded", count(results, Outcome::Succeeded)},
                     {"failed", count(results, Outcome::Failed)},
                     {"skipped", count(results, Outcome::Skipped)},
                     {"durationMs", total.count()},
                     {"targets", std::move(targets)}};
  return log::redact(doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace strata
