#include "strata/error.hpp"

#include <csignal>

namespace strata {

Interrupted::Interrupted(int signal_number)
    : Error(ErrorKind::Interrupted,
            signal_number == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGINT") {
  signal = signal_number;
}

int exit_code(const Error& error) noexcept {
  switch (error.kind()) {
    case ErrorKind::Usage:
    case ErrorKind::Config:
    case ErrorKind::Input:
      return 2;
    case ErrorKind::Connect:
      return 3;
    case ErrorKind::LockTimeout:
      return 4;
    case ErrorKind::Interrupted:
      return 128 + (error.signal ? error.signal : SIGINT);
    case ErrorKind::MigrationFailed:
    case ErrorKind::ValidationFailed:
    case ErrorKind::Sql:
    case ErrorKind::Internal:
      return 1;
  }
  return 1;
}

std::string_view kind_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::Usage: return "usage";
    case ErrorKind::Config: return "config";
    case ErrorKind::Input: return "input";
    case ErrorKind::Connect: return "connect";
    case ErrorKind::LockTimeout: return "lock_timeout";
    case ErrorKind::MigrationFailed: return "migration_failed";
    case ErrorKind::ValidationFailed: return "validation_failed";
    case ErrorKind::Sql: return "sql";
    case ErrorKind::Interrupted: return "interrupted";
    case ErrorKind::Internal: return "internal";
  }
  return "internal";
}

}  // namespace strata
