#include "lint/rules.hpp"

namespace strata::lint_detail {

// While it waits for its lock, every later query on the table waits behind it.
extern const Rule kAccessExclusiveWithoutLockTimeout{
    "access-exclusive-without-lock-timeout", LintSeverity::Warning,
    "an ACCESS EXCLUSIVE lock without lock_timeout queues all traffic on the table behind any long transaction",
    "set --lock-timeout (lockTimeout: 5s), or SET lock_timeout = '5s' before the statement",
    [](const RuleInput& in) {
      return !in.settings.lock_timeout_configured && !in.schema.lock_timeout_set && !access_exclusive_tables(in).empty();
    }};

}  // namespace strata::lint_detail
