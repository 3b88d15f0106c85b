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

std::string quoted_command(std::string_view text) {
  for (std::size_t open = text.find('`'); open != std::string_view::npos; open = text.find('`', open + 1)) {
    const std::size_t close = text.find('`', open + 1);
    if (close == std::string_view::npos) break;
    const std::string_view inside = text.substr(open + 1, close - open - 1);
    if (inside.starts_with("strata ")) return std::string(inside);
    open = close;
  }
  return {};
}

std::string fix_command(const Error& error) {
  if (!error.fix.empty()) return error.fix;
  if (std::string command = quoted_command(error.hint); !command.empty()) return command;
  return quoted_command(error.what());
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
