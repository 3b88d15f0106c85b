#include <gtest/gtest.h>

#include <csignal>

#include "strata/error.hpp"

namespace strata {
namespace {

// The documented exit codes (README, --help) are a contract with the Lambda and CI.
TEST(ExitCodes, EachKindMapsToItsDocumentedCode) {
  EXPECT_EQ(exit_code(UsageError("x")), 2);
  EXPECT_EQ(exit_code(ConfigError("x")), 2);
  EXPECT_EQ(exit_code(InputError("x")), 2);
  EXPECT_EQ(exit_code(ConnectError("x")), 3);
  EXPECT_EQ(exit_code(LockTimeout("x")), 4);
  EXPECT_EQ(exit_code(MigrationFailed("x")), 1);
  EXPECT_EQ(exit_code(ValidationFailed("x")), 1);
  EXPECT_EQ(exit_code(SqlError("x")), 1);
  EXPECT_EQ(exit_code(InternalError("x")), 1);
  EXPECT_EQ(exit_code(Interrupted(SIGINT)), 130);
  EXPECT_EQ(exit_code(Interrupted(SIGTERM)), 143);
}

TEST(ExitCodes, KindNamesAreStableForJsonLogs) {
  EXPECT_EQ(kind_name(ErrorKind::LockTimeout), "lock_timeout");
  EXPECT_EQ(kind_name(ErrorKind::MigrationFailed), "migration_failed");
  EXPECT_EQ(kind_name(ErrorKind::Connect), "connect");
}

// The fix is the command strata quotes in backticks; prose around it is not part of it.
TEST(FixCommand, ExplicitFixThenHintThenMessage) {
  ValidationFailed e("found non-empty schema(s); run `strata info -e prod` to see them");
  EXPECT_EQ(fix_command(e), "strata info -e prod");
  e.hint = "run `strata baseline -e prod` first (or migrate with --baseline-on-migrate)";
  EXPECT_EQ(fix_command(e), "strata baseline -e prod");
  e.fix = "strata repair -e prod";
  EXPECT_EQ(fix_command(e), "strata repair -e prod");
}

TEST(FixCommand, NoneWhenNothingToRun) {
  ConfigError e("clean is disabled");
  e.hint = "to clean a disposable database: strata clean --clean-disabled=false";
  EXPECT_EQ(fix_command(e), "");
  EXPECT_EQ(quoted_command("set `lockWaitTimeout` higher, then `strata migrate`"), "strata migrate");
  EXPECT_EQ(quoted_command("an unclosed `strata repair"), "");
}

}  // namespace
}  // namespace strata
