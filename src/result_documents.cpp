#include "strata/result_documents.hpp"

#include <iostream>

#include "strata/error.hpp"
#include "strata/log.hpp"
#include "strata/report.hpp"

// Field names and their order follow Flyway's api/output classes (each class's own fields, then
// those of OperationResultBase or HtmlResult), as info_json and validate_json do.

namespace strata {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json text_or_null(const std::string& text) { return text.empty() ? ordered_json(nullptr) : ordered_json(text); }

ordered_json strings(const std::vector<std::string>& list) {
  ordered_json out = ordered_json::array();
  for (const std::string& s : list) out.push_back(s);
  return out;
}

// The command's own fields, then OperationResultBase's.
ordered_json with_base(ordered_json doc, const DocumentBase& base, const char* operation) {
  doc["flywayVersion"] = strata_version();
  doc["database"] = base.database;
  doc["warnings"] = strings(base.warnings);
  doc["operation"] = operation;
  return doc;
}

ordered_json repaired_rows(const std::vector<RepairedRow>& rows) {
  ordered_json out = ordered_json::array();
  for (const RepairedRow& r : rows) {
    out.push_back(ordered_json{{"version", r.version}, {"description", r.description}, {"filepath", r.filepath}});
  }
  return out;
}

// Flyway's migrate reports the last version it applied; null when it applied none.
ordered_json target_version(const std::vector<MigratedScript>& migrations) {
  for (auto it = migrations.rbegin(); it != migrations.rend(); ++it) {
    if (!it->version.empty()) return it->version;
  }
  return nullptr;
}

// Flyway writes the server's fields on extra lines of the message; so does strata.
std::string flyway_message(const Error& error) {
  std::string message = error.what();
  if (message.empty()) message = "Error occurred";
  if (!error.sqlstate.empty()) message += "\nSQL State  : " + error.sqlstate;
  if (!error.detail.empty()) message += "\nDetail     : " + error.detail;
  if (!error.hint.empty()) message += "\nHint       : " + error.hint;
  return message;
}

ordered_json error_item(const Error& error) {
  ordered_json item = ordered_json::object();
  item["errorCode"] = flyway_error_code(error);
  item["sqlState"] = text_or_null(error.sqlstate);
  item["message"] = flyway_message(error);
  item["stackTrace"] = nullptr;
  item["lineNumber"] = error.line > 0 ? ordered_json(error.line) : ordered_json(nullptr);
  item["path"] = text_or_null(error.file);
  item["cause"] = nullptr;
  // strata's own: where, which migration, and what to run.
  item["file"] = text_or_null(error.file);
  item["line"] = error.line > 0 ? ordered_json(error.line) : ordered_json(nullptr);
  item["column"] = error.column > 0 ? ordered_json(error.column) : ordered_json(nullptr);
  item["migration"] = text_or_null(error.migration);
  item["fix"] = text_or_null(fix_command(error));
  if (!error.detail.empty()) item["detail"] = error.detail;
  if (!error.hint.empty()) item["hint"] = error.hint;
  if (!error.context.empty()) item["context"] = error.context;
  // Only where strata knows the failed row's migration left nothing behind: the pipeline's
  // recorder may then run `strata repair` on its own (deploy/lambda/policy.mjs).
  if (error.repair_safe) item["repairSafe"] = true;
  return item;
}

void redact_strings(ordered_json& value) {
  if (value.is_string()) {
    value = log::redact(value.get_ref<const std::string&>());
  } else if (value.is_structured()) {
    for (auto& child : value) redact_strings(child);
  }
}

}  // namespace

std::string flyway_error_code(const Error& error) {
  if (!error.error_code.empty()) return error.error_code;
  switch (error.kind()) {
    case ErrorKind::Usage:
    case ErrorKind::Config: return "CONFIGURATION";
    case ErrorKind::Connect: return "DB_CONNECTION";
    // Flyway's FlywaySqlException carries DB_CONNECTION for any SQL failure outside a migration.
    case ErrorKind::Sql: return "DB_CONNECTION";
    case ErrorKind::MigrationFailed: return "FAILED_VERSIONED_MIGRATION";
    case ErrorKind::ValidationFailed: return "VALIDATE_ERROR";
    case ErrorKind::Internal: return "FAULT";
    case ErrorKind::Input:
    case ErrorKind::LockTimeout:
    case ErrorKind::Interrupted: return "ERROR";
  }
  return "ERROR";
}

ordered_json migrate_document(const MigrateOutcome& outcome) {
  ordered_json doc = ordered_json::object();
  doc["initialSchemaVersion"] = outcome.initial_version ? ordered_json(*outcome.initial_version) : ordered_json(nullptr);
  doc["targetSchemaVersion"] = target_version(outcome.migrations);
  doc["schemaName"] = outcome.schema_name;
  ordered_json migrations = ordered_json::array();
  for (const MigratedScript& m : outcome.migrations) {
    migrations.push_back(ordered_json{{"category", m.category},
                                      {"version", m.version},
                                      {"description", m.description},
                                      {"type", m.type},
                                      {"filepath", m.filepath},
                                      {"executionTime", m.execution_time_ms}});
  }
  doc["migrations"] = std::move(migrations);
  doc["migrationsExecuted"] = outcome.migrations.size();
  doc["success"] = outcome.success;
  doc["flywayVersion"] = strata_version();
  doc["database"] = outcome.base.database;
  doc["warnings"] = strings(outcome.base.warnings);
  doc["databaseType"] = "PostgreSQL";
  // HtmlResult's fields.
  doc["timestamp"] = outcome.base.timestamp;
  doc["operation"] = "migrate";
  doc["exception"] = nullptr;
  doc["licenseFailed"] = false;
  return doc;
}

ordered_json repair_document(const RepairOutcome& outcome) {
  ordered_json doc = ordered_json::object();
  // Flyway's CompletedRepairActions, in its words.
  std::vector<std::string> actions;
  if (!outcome.removed.empty()) actions.push_back("Removed failed migrations");
  if (!outcome.deleted.empty()) actions.push_back("Marked missing migrations as deleted");
  if (!outcome.aligned.empty()) actions.push_back("Aligned applied migration checksums");
  doc["repairActions"] = strings(actions);
  doc["migrationsRemoved"] = repaired_rows(outcome.removed);
  doc["migrationsDeleted"] = repaired_rows(outcome.deleted);
  doc["migrationsAligned"] = repaired_rows(outcome.aligned);
  return with_base(std::move(doc), outcome.base, "repair");
}

ordered_json baseline_document(const BaselineOutcome& outcome) {
  return with_base({{"successfullyBaselined", outcome.baselined}, {"baselineVersion", text_or_null(outcome.baseline_version)}},
                   outcome.base, "baseline");
}

ordered_json clean_document(const CleanOutcome& outcome) {
  return with_base({{"schemasCleaned", strings(outcome.cleaned)}, {"schemasDropped", strings(outcome.dropped)}},
                   outcome.base, "clean");
}

ordered_json error_document(const Error& error) {
  ordered_json doc = ordered_json::object();
  if (!error.partial_result.empty()) {
    doc = ordered_json::parse(error.partial_result, nullptr, false);
    if (!doc.is_object()) doc = ordered_json::object();
    if (doc.contains("success")) doc["success"] = false;
  }
  doc["error"] = error_item(error);
  return doc;
}

std::string document_text(ordered_json document, int indent) {
  redact_strings(document);
  return document.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<int> document_indent(OutputFormat output, log::Format logs) {
  if (logs == log::Format::Json) return -1;
  if (output == OutputFormat::Json) return 2;
  return std::nullopt;
}

void print_document(const Config& config, const ordered_json& document) {
  const std::optional<int> indent = document_indent(config.output, log::format());
  if (!indent) return;
  std::cout << document_text(document, *indent) << std::endl;
}

}  // namespace strata
