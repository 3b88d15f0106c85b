#include "strata/report.hpp"

#include "strata/validate.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

// Shapes follow Flyway 10: MigrationInfoDumper + AsciiTable for the table, InfoResult/InfoOutput
// (via CommandResultFactory) for JSON; the other documents are in result_documents.cpp.

namespace strata {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::string_view kEmptySchema = "<< Empty Schema >>";

std::string_view category(const MigrationInfo& info) {
  const std::string& type = info.type();
  if (is_synthetic_type(type)) return "";
  if (!info.is_versioned()) return "Repeatable";
  if (is_undo_type(type)) return "Undo";
  return "Versioned";
}

// strata resolves no undo migrations, so nothing is ever undoable; Flyway still prints "No" for
// versioned rows, and the table (not the JSON) leaves deleted ones blank.
std::string_view undoable(const MigrationInfo& info, bool for_table) {
  if (!info.is_versioned() || is_undo_type(info.type())) return "";
  if (for_table && (info.type() == "DELETE" || info.state == MigrationState::Deleted)) return "";
  return "No";
}

// The server prints "2024-01-31 12:34:56.789"; Flyway's table shows it to the second.
std::string installed_on_local(const MigrationInfo& info) {
  if (!info.applied) return {};
  std::string text = info.applied->installed_on.substr(0, 19);
  if (text.size() > 10 && text[10] == 'T') text[10] = ' ';
  return text;
}

// Flyway prints Instant.toString(): ISO-8601 in UTC with 0, 3, 6 or 9 fraction digits. The
// history column has no zone; like Flyway running in UTC (its Docker image), read it as UTC.
std::string installed_on_utc(const MigrationInfo& info) {
  if (!info.applied) return {};
  const std::string& in = info.applied->installed_on;
  if (in.size() < 19 || (in[10] != ' ' && in[10] != 'T')) return in;
  std::string out = in.substr(0, 19);
  out[10] = 'T';
  std::uint32_t nanos = 0;
  if (in.size() > 20 && in[19] == '.') {
    std::uint32_t scale = 100000000;
    for (std::size_t i = 20; i < in.size() && in[i] >= '0' && in[i] <= '9' && scale > 0; ++i, scale /= 10) {
      nanos += static_cast<std::uint32_t>(in[i] - '0') * scale;
    }
  }
  if (nanos != 0) {
    char buf[16];
    if (nanos % 1000000 == 0) {
      std::snprintf(buf, sizeof buf, ".%03u", nanos / 1000000);
    } else if (nanos % 1000 == 0) {
      std::snprintf(buf, sizeof buf, ".%06u", nanos / 1000);
    } else {
      std::snprintf(buf, sizeof buf, ".%09u", nanos);
    }
    out += buf;
  }
  out += 'Z';
  return out;
}

// Width in characters (code points), so non-ASCII descriptions keep the columns aligned.
std::size_t width_of(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Flyway's StringUtils.trimOrPad: cut to `width` characters or pad with `fill`.
void trim_or_pad(std::ostream& out, std::string_view s, std::size_t width, char fill) {
  std::size_t chars = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == width) break;
      ++chars;
    }
  }
  out.write(s.data(), static_cast<std::streamsize>(i));
  for (; chars < width; ++chars) out.put(fill);
}

constexpr std::size_t kColumns = 7;
using TableRow = std::array<std::string, kColumns>;

void render_table(std::ostream& out, const std::vector<TableRow>& rows) {
  static const std::array<std::string_view, kColumns> headers{"Category", "Version", "Description", "Type",
                                                              "Installed On", "State", "Undoable"};
  std::array<std::size_t, kColumns> widths{};
  for (std::size_t c = 0; c < kColumns; ++c) widths[c] = width_of(headers[c]);
  for (const TableRow& row : rows) {
    for (std::size_t c = 0; c < kColumns; ++c) widths[c] = std::max(widths[c], width_of(row[c]));
  }
  std::size_t ruler_chars = 1;
  for (std::size_t w : widths) ruler_chars += w + 3;
  auto ruler = [&] {
    out.put('+');
    for (std::size_t w : widths) {
      trim_or_pad(out, "", w + 2, '-');
      out.put('+');
    }
    out.put('\n');
  };
  auto line = [&](auto cell) {
    out.put('|');
    for (std::size_t c = 0; c < kColumns; ++c) {
      out.put(' ');
      trim_or_pad(out, cell(c), widths[c], ' ');
      out << " |";
    }
    out.put('\n');
  };
  ruler();
  line([&](std::size_t c) { return headers[c]; });
  ruler();
  if (rows.empty()) {
    // Flyway sizes this from the ruler's length including its newline, less five.
    out << "| ";
    trim_or_pad(out, "No migrations found", ruler_chars + 1 - std::min<std::size_t>(ruler_chars + 1, 5), ' ');
    out << " |\n";
  } else {
    for (const TableRow& row : rows) line([&](std::size_t c) { return std::string_view(row[c]); });
  }
  ruler();
}

}  // namespace

#ifndef STRATA_VERSION
#define STRATA_VERSION "0.0.0-dev"
#endif
const char* strata_version() noexcept { return STRATA_VERSION; }

void print_info_table(std::ostream& out, const Reconciliation& reconciliation) {
  out << "Schema version: ";
  if (reconciliation.current) {
    out << reconciliation.current->text();
  } else {
    out << kEmptySchema;
  }
  out << "\n\n";
  std::vector<TableRow> rows;
  rows.reserve(reconciliation.infos.size());
  for (const MigrationInfo& info : reconciliation.infos) {
    // Flyway's dumper leaves undo rows out of the table (they only feed the Undoable column).
    if (is_undo_type(info.type())) continue;
    rows.push_back(TableRow{std::string(category(info)), info.version_text(), info.description(), info.type(),
                            installed_on_local(info), std::string(state_name(info.state)),
                            std::string(undoable(info, true))});
  }
  render_table(out, rows);
}

std::string info_json(const InfoContext& context, const Reconciliation& reconciliation, int indent) {
  ordered_json doc = ordered_json::object();
  doc["schemaVersion"] = reconciliation.current ? ordered_json(reconciliation.current->text()) : ordered_json(nullptr);
  doc["schemaName"] = context.schema_name;
  ordered_json migrations = ordered_json::array();
  for (const MigrationInfo& info : reconciliation.infos) {
    ordered_json m = ordered_json::object();
    m["category"] = category(info);
    const std::string version = info.version_text();
    m["version"] = version;
    // Flyway keeps the version as written before '_' became '.'; history rows and strata's
    // parsed file versions only have the dotted form.
    m["rawVersion"] = version;
    m["description"] = info.description();
    m["type"] = info.type();
    m["installedOnUTC"] = installed_on_utc(info);
    m["state"] = state_name(info.state);
    m["undoable"] = undoable(info, false);
    // Flyway reports the file's absolute path on disk.
    m["filepath"] = info.resolved ? std::filesystem::absolute(info.resolved->path).lexically_normal().generic_string()
                                  : std::string();
    m["undoFilepath"] = "";
    m["installedBy"] = info.applied ? info.applied->installed_by : std::string();
    m["shouldExecuteExpression"] = nullptr;
    m["executionTime"] = info.applied ? info.applied->execution_time : 0;
    migrations.push_back(std::move(m));
  }
  doc["migrations"] = std::move(migrations);
  doc["flywayVersion"] = strata_version();
  doc["database"] = context.database;
  doc["allSchemasEmpty"] = context.all_schemas_empty;
  doc["timestamp"] = context.timestamp;
  doc["operation"] = "info";
  doc["exception"] = nullptr;
  doc["licenseFailed"] = false;
  // Replace, not throw, on bytes that are not UTF-8: a report must always come out.
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string validate_json(const std::string& database, const std::vector<ValidationProblem>& problems,
                          int validate_count, int indent) {
  ordered_json doc = ordered_json::object();
  ordered_json invalid = ordered_json::array();
  for (const ValidationProblem& p : problems) {
    ordered_json item = ordered_json::object();
    // Flyway's ValidateOutput: the migration's description and its absolute path on disk, as in info.
    item["version"] = p.version;
    item["description"] = p.description;
    item["filepath"] = p.path.empty() ? std::string()
                                      : std::filesystem::absolute(p.path).lexically_normal().generic_string();
    item["errorDetails"] = {{"errorCode", p.code}, {"errorMessage", p.message + "; to fix: " + p.fix}};
    invalid.push_back(std::move(item));
  }
  if (problems.empty()) {
    doc["errorDetails"] = nullptr;
  } else {
    doc["errorDetails"] = {{"errorCode", "VALIDATE_ERROR"}, {"errorMessage", "Migrations have failed validation"}};
  }
  doc["invalidMigrations"] = std::move(invalid);
  doc["validationSuccessful"] = problems.empty();
  doc["validateCount"] = problems.empty() ? validate_count : 0;
  doc["flywayVersion"] = strata_version();
  doc["database"] = database;
  doc["warnings"] = ordered_json::array();
  doc["operation"] = "validate";
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata
