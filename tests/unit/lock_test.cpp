#include <gtest/gtest.h>

#include "strata/lock.hpp"

namespace strata {
namespace {

// Expected values printed by Java 17: `s.hashCode()` and `77431708279161L + s.hashCode()`.
TEST(LockKey, MatchesFlywaysKeyForTheDefaultTable) {
  EXPECT_EQ(java_string_hash("\"public\".\"flyway_schema_history\""), 2125624436);
  EXPECT_EQ(flyway_lock_key("\"public\".\"flyway_schema_history\""), 77433833903597LL);
}

TEST(LockKey, QuotedNamesWithSpacesAndNonAscii) {
  EXPECT_EQ(flyway_lock_key("\"App Data\".\"flyway_schema_history\""), 77432119366221LL);
  EXPECT_EQ(java_string_hash("\"café\".\"histórico\""), 1356066209);
}

TEST(LockKey, CharactersOutsideTheBmpHashAsSurrogatePairs) {
  EXPECT_EQ(java_string_hash("\"s\".\"t\xF0\x9F\x98\x80\""), -1247073584);
  EXPECT_EQ(flyway_lock_key("\"s\".\"t\xF0\x9F\x98\x80\""), 77430461205577LL);
}

TEST(LockKey, EmptyStringHashesToZero) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(flyway_lock_key(""), 77431708279161LL);
}

}  // namespace
}  // namespace strata
