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

}  // namespace
}  // namespace strata
