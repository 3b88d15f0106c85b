#pragma once
// One small hierarchy of typed errors. Every error carries what a user needs to act on it;
// main.cpp turns them into a message and an exit code in one place.
#include <stdexcept>
#include <string>
#include <string_view>

namespace strata {

enum class ErrorKind {
  Usage,             // bad command line                         -> exit 2
  Config,            // bad configuration value or file          -> exit 2
  Input,             // bad migration file or location           -> exit 2
  Connect,           // cannot reach or log in to the database   -> exit 3
  LockTimeout,       // waited too long for the migration lock   -> exit 4
  MigrationFailed,   // a migration's SQL failed                 -> exit 1
  ValidationFailed,  // history and files disagree               -> exit 1
  Sql,               // any other SQL failure                    -> exit 1
  Interrupted,       // SIGINT/SIGTERM                           -> exit 130/143
  Internal,          // a bug in strata                          -> exit 1
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

  ErrorKind kind() const noexcept { return kind_; }

  // Where the problem is, when it is in a file (1-based; 0 = unknown).
  std::string file;
  int line = 0;
  int column = 0;
  // What the server said, when it said something.
  std::string sqlstate;
  std::string detail;
  std::string hint;
  std::string context;  // where inside a function or DO block the server was (PL/pgSQL CONTEXT)
  // The migration's script name when the error belongs to one, e.g. "V3__add_index.sql".
  std::string migration;
  // The exact command that resolves the error, when there is one ("strata repair -e prod").
  // Empty: fix_command() looks for one in the hint and the message.
  std::string fix;
  // Flyway's error code when the kind alone does not tell it (FAILED_REPEATABLE_MIGRATION).
  std::string error_code;
  // What the command had done when it failed, as its result document (a JSON object); the error
  // document is then that object with `error` added, as Flyway's MigrateErrorResult. Empty: the
  // error document stands alone.
  std::string partial_result;
  // Signal number for Interrupted.
  int signal = 0;
  // A migration outside a transaction failed and left nothing behind (no statement of it had run,
  // no INVALID index remains): `strata repair` alone makes the history right again, so a pipeline
  // may run it unattended.
  bool repair_safe = false;

 private:
  ErrorKind kind_;
};

#define STRATA_ERROR_TYPE(Name, Kind) \
  class Name : public Error {         \
   public:                            \
    explicit Name(const std::string& message) : Error(ErrorKind::Kind, message) {} \
  }

STRATA_ERROR_TYPE(UsageError, Usage);
STRATA_ERROR_TYPE(ConfigError, Config);
STRATA_ERROR_TYPE(InputError, Input);
STRATA_ERROR_TYPE(ConnectError, Connect);
STRATA_ERROR_TYPE(LockTimeout, LockTimeout);
STRATA_ERROR_TYPE(MigrationFailed, MigrationFailed);
STRATA_ERROR_TYPE(ValidationFailed, ValidationFailed);
STRATA_ERROR_TYPE(InternalError, Internal);

#undef STRATA_ERROR_TYPE

// A statement the server rejected. `position` is the server's 1-based character position
// inside the statement text (0 when the server gave none).
class SqlError : public Error {
 public:
  explicit SqlError(const std::string& message) : Error(ErrorKind::Sql, message) {}
  int position = 0;
};

class Interrupted : public Error {
 public:
  explicit Interrupted(int signal_number);
};

// The documented exit code of an error kind.
int exit_code(const Error& error) noexcept;
// The first `strata ...` quoted in backticks in `text`, as strata writes a command to run; empty
// when there is none.
std::string quoted_command(std::string_view text);
// The command that resolves `error`: its `fix`, else the first `strata ...` quoted in backticks
// in its hint, then in its message (as strata writes the command to run); empty when none.
std::string fix_command(const Error& error);
std::string_view kind_name(ErrorKind kind) noexcept;

}  // namespace strata
