// The man page strata(1) as roff, generated from the tables --help prints.
#include <sstream>

#include "cli.hpp"
#include "strata/report.hpp"

namespace strata::cli {
namespace {

// Text safe in roff: backslashes and hyphens escaped, no line starting with a control character.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// ".TP" entry: the names in bold, then the value's name, then the help.
std::string option_entry(const char* names, const char* value, const char* help) {
  std::string out = ".TP\n";
  std::stringstream in(names);
  std::string first = "\\fB", n;
  while (std::getline(in, n, ',')) {
    out += first + roff(n) + "\\fR";
    first = ", \\fB";
  }
  if (*value) out += " \\fI" + roff(value) + "\\fR";
  return out + "\n" + roff(help) + "\n";
}

const char* const kDescription =
    "strata applies versioned and repeatable SQL migrations to PostgreSQL and keeps Flyway's history "
    "table (flyway_schema_history), so a project can move between Flyway and strata either way. "
    "Settings come from command-line options, STRATA_* and FLYWAY_* environment variables, and config "
    "files (strata.yaml, flyway.conf, flyway.toml), strongest first.";

const char* const kEnvironment =
    ".TP\n.B STRATA_*\nAny setting, e.g. STRATA_URL, STRATA_LOCK_WAIT_TIMEOUT; beats FLYWAY_*.\n"
    ".TP\n.B FLYWAY_*\nFlyway's variables: FLYWAY_URL, FLYWAY_USER, FLYWAY_PASSWORD, FLYWAY_LOCATIONS, ...\n"
    ".TP\n.B STRATA_CONFIG\nThe config file to read instead of ./strata.yaml.\n"
    ".TP\n.BR PGPASSWORD \", \" PGHOST \", ...\"\nlibpq's own variables and ~/.pgpass.\n"
    ".TP\n.B NO_COLOR\nWhen set, no colour even on a terminal.\n";

}  // namespace

std::string man_page(std::span<const CommandDoc> commands) {
  std::string out = ".TH STRATA 1 \"\" \"strata " + std::string(strata_version()) + "\" \"User Commands\"\n";
  out += ".SH NAME\nstrata \\- a fast, Flyway\\-compatible PostgreSQL migration runner\n";
  out += ".SH SYNOPSIS\n.B strata\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR]\n";
  out += ".SH DESCRIPTION\n" + roff(kDescription) + "\n";
  out += ".SH COMMANDS\n";
  for (const CommandDoc& c : commands) {
    if (c.hidden) continue;
    std::string synopsis = c.name;
    for (const CommandOption& o : command_options())
      if (std::string_view(o.command) == c.name) synopsis += o.positional ? std::string(" ") + o.names : std::string(" [") + o.names + "]";
    out += ".TP\n.B " + roff(synopsis) + "\n" + roff(c.help) + "\n";
    for (const CommandOption& o : command_options()) {
      if (std::string_view(o.command) != c.name) continue;
      out += ".RS\n" + option_entry(o.names, "", o.help) + ".RE\n";
    }
  }
  out += ".SH OPTIONS\n";
  for (const Option& o : value_options()) out += option_entry(o.names, "VALUE", o.help);
  for (const Option& o : switch_options()) out += option_entry(o.names, "", o.help);
  out += option_entry("--help", "", "Show the commands and options");
  out += option_entry("--version", "", "Show the version");
  out += ".PP\n" + roff("Flyway's -key=value forms (-url=..., -locations=...) are accepted too.") + "\n";
  out += ".SH ENVIRONMENT\n" + std::string(kEnvironment);
  out += ".SH FILES\n.TP\n.B strata.yaml\n" +
         roff("Read from the working directory when present; `strata init` writes a commented one.") + "\n";
  out += ".SH EXIT STATUS\n.nf\n";
  std::stringstream codes(kExitCodesHelp);
  std::string line;
  std::getline(codes, line);  // its "Exit codes:" title is this section's
  while (std::getline(codes, line)) out += roff(line) + "\n";
  out += ".fi\n.SH SEE ALSO\n" + roff("flyway(1), psql(1); the README of the strata project.") + "\n";
  return out;
}

}  // namespace strata::cli
