#pragma once
// Result documents: what a command did, in Flyway's JSON shapes (MigrateResult, RepairResult,
// BaselineResult, CleanResult, and ErrorOutput on failure), built from small structs the commands
// fill in. Formatting only; the commands decide what goes in.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "strata/config.hpp"

namespace strata {

class Error;

// What every document says besides the command's own fields (Flyway's OperationResultBase).
struct DocumentBase {
  std::string database;               // the database name
  std::vector<std::string> warnings;  // in Flyway's words where Flyway has them
  std::string timestamp;              // ISO-8601, when the command ended
};

// One migration migrate ran (Flyway's MigrateOutput).
struct MigratedScript {
  std::string category;     // Versioned or Repeatable
  std::string version;      // "" for a repeatable
  std::string description;
  std::string type;         // SQL
  std::string filepath;     // absolute path on disk
  std::int64_t execution_time_ms = 0;
};

struct MigrateOutcome {
  DocumentBase base;
  std::string schema_name;                    // the managed schemas, joined by ", "
  std::optional<std::string> initial_version; // before the run; none for an empty schema
  std::vector<MigratedScript> migrations;     // in the order they ran
  bool success = true;
};

// A history row repair acted on (Flyway's RepairOutput).
struct RepairedRow {
  std::string version;  // "" for a repeatable
  std::string description;
  std::string filepath;  // the file on disk; "" when there is none
};

struct RepairOutcome {
  DocumentBase base;
  std::vector<RepairedRow> removed;  // failed rows deleted
  std::vector<RepairedRow> deleted;  // rows whose file is gone, marked DELETE
  std::vector<RepairedRow> aligned;  // checksum, description or type realigned with the file
};

struct BaselineOutcome {
  DocumentBase base;
  bool baselined = false;  // true also when the history already held this very baseline
  std::string baseline_version;
};

struct CleanOutcome {
  DocumentBase base;
  std::vector<std::string> cleaned;  // emptied, kept
  std::vector<std::string> dropped;  // dropped (strata created them)
};

nlohmann::ordered_json migrate_document(const MigrateOutcome& outcome);
nlohmann::ordered_json repair_document(const RepairOutcome& outcome);
nlohmann::ordered_json baseline_document(const BaselineOutcome& outcome);
nlohmann::ordered_json clean_document(const CleanOutcome& outcome);

// Flyway's error document, {"error": {errorCode, sqlState, message, lineNumber, path, ...}}, with
// strata's own fields inside `error`: file, line, column, migration and fix (null when unknown),
// and detail, hint and context where the server gave them. When the error carries the command's
// partial result, that document with `error` added (and success false).
nlohmann::ordered_json error_document(const Error& error);

// Flyway's error code for `error` (CoreErrorCode names).
std::string flyway_error_code(const Error& error);

// The document as text: every string scrubbed of secrets first, then written indented by
// `indent`, or on one line when `indent` < 0; bytes that are not UTF-8 replaced.
std::string document_text(nlohmann::ordered_json document, int indent);

// How a command's result document is written: indented with -outputType=json (as Flyway prints
// it), on one line under --log-format json (where it is the last line of stdout, read as one
// JSON object per line); not at all otherwise.
std::optional<int> document_indent(OutputFormat output, log::Format logs);

// Writes the document on stdout when `config` asks for one (document_indent).
void print_document(const Config& config, const nlohmann::ordered_json& document);

}  // namespace strata
