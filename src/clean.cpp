#include "strata/clean.hpp"

#include <algorithm>
#include <map>

#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/history.hpp"

namespace strata {
namespace {

// A PostgreSQL array literal, so any list of names travels as one bound parameter.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + quote_ident(n);
  return out;
}

// Everything that lives in a schema records a normal dependency on it (that is what DROP SCHEMA
// CASCADE follows), so listing those dependencies finds every kind of object, including kinds
// nobody thought of here. Left out, because they go with something else or must not be touched:
//  - members of an extension (dropping one alone fails: the extension requires it);
//  - objects internal to another (identity sequences, range and multirange constructors, ...);
//  - extensions someone else owns: Flyway drops only the current user's (it tried all of them
//    once, and failed for users who may not, flyway/flyway#3005).
// Row types and array types record no such dependency of their own: they go with their owner.
// pg_identify_object gives each name schema-qualified and quoted, so a DROP built from it means
// exactly this object whatever the search_path.
constexpr const char* kListObjects =
    "SELECT n.nspname, o.type, o.identity"
    " FROM pg_catalog.pg_namespace n"
    " JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass"
    "  AND d.refobjid = n.oid AND d.deptype = 'n'"
    " CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) o"
    " WHERE n.nspname = ANY ($1::pg_catalog.text[])"
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x"
    "  WHERE x.classid = d.classid AND x.objid = d.objid AND x.objsubid = 0 AND x.deptype IN ('e', 'i', 'P', 'S'))"
    " AND (d.classid <> 'pg_catalog.pg_extension'::pg_catalog.regclass OR EXISTS ("
    "  SELECT 1 FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_roles r ON r.oid = e.extowner"
    "  WHERE e.oid = d.objid AND r.rolname = current_user))";

struct Kind {
  int rank;
  const char* keyword;
};

// Drop order. With CASCADE and IF EXISTS any order ends in the same place; this one, close to
// Flyway's (views, tables, sequences, routines, types, ..., extensions last), lets the explicit
// drops do the work and leaves little to cascade. Extensions go last because their members were
// left out above and have to go with them.
const std::map<std::string, Kind, std::less<>>& kinds() {
  static const std::map<std::string, Kind, std::less<>> k{
      {"materialized view", {0, "MATERIALIZED VIEW"}},
      {"view", {1, "VIEW"}},
      {"foreign table", {2, "FOREIGN TABLE"}},
      {"table", {3, "TABLE"}},
      {"sequence", {4, "SEQUENCE"}},
      {"statistics object", {5, "STATISTICS"}},
      {"function", {6, "FUNCTION"}},
      {"procedure", {6, "PROCEDURE"}},
      {"aggregate", {6, "AGGREGATE"}},
      {"operator", {7, "OPERATOR"}},
      {"operator class", {8, "OPERATOR CLASS"}},
      {"operator family", {9, "OPERATOR FAMILY"}},
      {"composite type", {10, "TYPE"}},
      {"type", {10, "TYPE"}},
      {"collation", {11, "COLLATION"}},
      {"conversion", {12, "CONVERSION"}},
      {"text search configuration", {13, "TEXT SEARCH CONFIGURATION"}},
      {"text search dictionary", {14, "TEXT SEARCH DICTIONARY"}},
      {"text search parser", {15, "TEXT SEARCH PARSER"}},
      {"text search template", {15, "TEXT SEARCH TEMPLATE"}},
  };
  return k;
}
constexpr int kExtensionRank = 100;
constexpr int kUnknownRank = 50;

std::string upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

struct Drop {
  int rank;
  std::size_t schema_index;
  std::string identity;
  std::string statement;
};

std::vector<Drop> list_drops(Session& session, const std::vector<std::string>& schemas) {
  std::vector<Drop> drops;
  for (const Row& row : session.query(kListObjects, {text_array(schemas)})) {
    const std::string schema = row[0].value_or("");
    const std::string type = row[1].value_or("");
    const std::string identity = row[2].value_or("");
    int rank = kUnknownRank;
    // A kind this list does not know (a newer server's) is tried with the keyword the server
    // itself calls it by: when that is not valid DROP syntax the clean fails and rolls back,
    // rather than leaving the object behind unnoticed.
    std::string keyword = upper(type);
    if (type == "extension") {
      rank = kExtensionRank;
      keyword = "EXTENSION";
    } else if (auto it = kinds().find(type); it != kinds().end()) {
      rank = it->second.rank;
      keyword = it->second.keyword;
    }
    const auto at = std::find(schemas.begin(), schemas.end(), schema);
    drops.push_back({rank, static_cast<std::size_t>(at - schemas.begin()), identity,
                     "DROP " + keyword + " IF EXISTS " + identity + " CASCADE"});
  }
  std::sort(drops.begin(), drops.end(), [](const Drop& a, const Drop& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.schema_index != b.schema_index) return a.schema_index < b.schema_index;
    return a.identity < b.identity;
  });
  return drops;
}

// Keeps everything the server said, and says which clean it was.
[[noreturn]] void rethrow_for(const SqlError& e, const std::vector<std::string>& schemas) {
  SqlError wrapped("cannot clean " + std::string(schemas.size() == 1 ? "schema " : "schemas ") +
                   quoted_list(schemas) + ": " + e.what());
  wrapped.sqlstate = e.sqlstate;
  wrapped.detail = e.detail;
  wrapped.hint = e.hint;
  wrapped.context = e.context;
  throw wrapped;
}

// A name in Flyway's own reading: quoted when it starts and ends with a quote.
std::string flyway_unquote(std::string_view piece) {
  if (piece.size() >= 2 && piece.front() == '"' && piece.back() == '"') {
    std::string out;
    piece = piece.substr(1, piece.size() - 2);
    for (std::size_t i = 0; i < piece.size(); ++i) {
      out += piece[i];
      if (piece[i] == '"' && i + 1 < piece.size() && piece[i + 1] == '"') ++i;
    }
    return out;
  }
  return std::string(piece);
}

}  // namespace

std::vector<std::string> parse_created_schemas(std::string_view script) {
  std::vector<std::string> names;
  if (script.empty()) return names;
  // The list as written (quote_ident of each name, comma-joined) parsed exactly, so a schema
  // whose name holds a comma is still found.
  bool clean_list = true;
  std::size_t i = 0;
  while (clean_list) {
    if (i >= script.size() || script[i] != '"') {
      clean_list = false;
      break;
    }
    std::string name;
    bool closed = false;
    for (++i; i < script.size(); ++i) {
      if (script[i] != '"') {
        name += script[i];
      } else if (i + 1 < script.size() && script[i + 1] == '"') {
        name += '"';
        ++i;
      } else {
        closed = true;
        ++i;
        break;
      }
    }
    if (!closed) {
      clean_list = false;
      break;
    }
    names.push_back(std::move(name));
    if (i == script.size()) break;
    if (script[i] != ',') {
      clean_list = false;
      break;
    }
    ++i;
  }
  if (clean_list) return names;
  // Anything else, e.g. unquoted names written by hand, the way Flyway reads it.
  names.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = script.find(',', start);
    names.push_back(flyway_unquote(script.substr(start, comma == std::string_view::npos ? comma : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  // Java's String.split drops trailing empty pieces.
  while (!names.empty() && names.back().empty()) names.pop_back();
  return names;
}

std::vector<std::string> created_schemas(const std::vector<AppliedMigration>& history) {
  std::vector<std::string> out;
  for (const AppliedMigration& row : history) {
    if (row.type != "SCHEMA") continue;
    for (std::string& name : parse_created_schemas(row.script)) {
      if (!contains(out, name)) out.push_back(std::move(name));
    }
  }
  return out;
}

CleanResult clean_schemas(Session& session, const std::vector<std::string>& schemas,
                          const std::vector<std::string>& created_by_strata) {
  std::vector<std::string> wanted;
  for (const std::string& s : schemas) {
    if (!contains(wanted, s)) wanted.push_back(s);
  }
  CleanResult result;
  if (wanted.empty()) return result;

  try {
    // search_path: nothing the user defined may stand in for a name below (every name is
    // qualified anyway). client_min_messages: each cascade and each skipped IF EXISTS sends a
    // NOTICE, which the log would otherwise show line by line. Both end with the transaction.
    session.exec("BEGIN; SET LOCAL search_path = pg_catalog; SET LOCAL client_min_messages = warning");
    std::vector<std::string> existing;
    for (const Row& row : session.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY ($1::text[])",
                                        {text_array(wanted)})) {
      existing.push_back(row[0].value_or(""));
    }

    std::vector<std::string> to_empty;
    for (const std::string& schema : wanted) {
      if (!contains(existing, schema)) {
        result.warnings.push_back("Unable to clean unknown schema: " + quote_ident(schema));
        continue;
      }
      if (!contains(created_by_strata, schema)) {
        to_empty.push_back(schema);
        continue;
      }
      // Flyway falls back to emptying a schema it created but may not drop. Only a missing
      // privilege is treated so: anything else (a lock timeout, a cancel) ends the clean.
      try {
        session.exec("SAVEPOINT strata_drop_schema; DROP SCHEMA " + quote_ident(schema) +
                     " CASCADE; RELEASE SAVEPOINT strata_drop_schema");
        result.dropped_schemas.push_back(schema);
      } catch (const SqlError& e) {
        if (e.sqlstate != "42501") throw;
        session.exec("ROLLBACK TO SAVEPOINT strata_drop_schema; RELEASE SAVEPOINT strata_drop_schema");
        result.warnings.push_back("Unable to drop schema " + quote_ident(schema) + ". It was cleaned instead.");
        to_empty.push_back(schema);
      }
    }

    if (!to_empty.empty()) {
      // Listed after the schemas above are gone, so nothing they took along is listed. What one
      // DROP below takes along by CASCADE, a later DROP ... IF EXISTS skips.
      std::vector<Drop> drops = list_drops(session, to_empty);
      std::string batch;
      for (const Drop& d : drops) batch += d.statement + ";\n";
      // One round trip for all of them: a schema of thousands of objects should not cost
      // thousands of network waits.
      if (!batch.empty()) session.exec(batch);
      result.objects_dropped = static_cast<int>(drops.size());
    }
    // Flyway's order: the schemas it kept, in the configured order.
    for (const std::string& schema : wanted) {
      if (contains(to_empty, schema)) result.cleaned_schemas.push_back(schema);
    }
    session.exec("COMMIT");
  } catch (const SqlError& e) {
    session.exec_cleanup("ROLLBACK");
    rethrow_for(e, wanted);
  } catch (...) {
    session.exec_cleanup("ROLLBACK");
    throw;
  }
  return result;
}

}  // namespace strata
