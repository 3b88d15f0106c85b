#pragma once
// Lock safety for migration statements: PostgreSQL's lock_timeout and statement_timeout, so that
// a migration never queues behind a long transaction while blocking all traffic on a table, and
// how often a migration that gave up waiting for a lock (SQLSTATE 55P03) is tried again.
#include <chrono>
#include <optional>
#include <string>

#include "strata/db.hpp"

namespace strata {

struct Config;

struct LockSafety {
  std::optional<std::chrono::milliseconds> lock_timeout;       // unset: PostgreSQL's own (off)
  std::optional<std::chrono::milliseconds> statement_timeout;  // unset: PostgreSQL's own (off)
  int retries = 3;  // after the first attempt, when lock_timeout is set; negative: until it succeeds
  std::chrono::milliseconds backoff_base{1000};  // the wait before the first retry, doubled after each
  std::chrono::milliseconds backoff_cap{30000};
  ConnectionSettings connection;  // for the connection that watches who blocks a migration
};

// lockTimeout, statementTimeout and lockRetryCount (--lock-retries) of `config`.
LockSafety lock_safety(const Config& config);

// The SET statements that give the session these timeouts ("" when neither is set). They are
// part of the session reset sent before each migration and its history row, so a migration that
// sets its own (a pg_dump file sets both to 0) does not disable them for the next one.
std::string timeout_statements(const LockSafety& safety);

// A duration as PostgreSQL reads it for a time setting: "5000ms".
std::string postgres_duration(std::chrono::milliseconds d);

}  // namespace strata
