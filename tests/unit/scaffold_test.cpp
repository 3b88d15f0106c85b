#include "strata/scaffold.hpp"

#include <gtest/gtest.h>

#include "strata/error.hpp"

namespace strata {
namespace {

using std::chrono::system_clock;

std::vector<Version> versions(std::initializer_list<const char*> texts) {
  std::vector<Version> out;
  for (const char* t : texts) out.push_back(*Version::parse(t));
  return out;
}

// 2026-12-02 08:57:07 UTC
const system_clock::time_point kNow = system_clock::from_time_t(1796201827);

TEST(NextVersion, FirstMigrationIsOne) { EXPECT_EQ(next_version({}, false, kNow), "1"); }

TEST(NextVersion, IntegerAfterTheHighestInAnyOrder) {
  EXPECT_EQ(next_version(versions({"3", "17", "9"}), false, kNow), "18");
  EXPECT_EQ(next_version(versions({"99"}), false, kNow), "100");
  EXPECT_EQ(next_version(versions({"007"}), false, kNow), "8");
}

TEST(NextVersion, DottedVersionsBumpTheirLastPart) {
  EXPECT_EQ(next_version(versions({"1.1", "1.2"}), false, kNow), "1.3");
  EXPECT_EQ(next_version(versions({"1.9", "1.10"}), false, kNow), "1.11");
  EXPECT_EQ(next_version(versions({"2.0.9", "1.5"}), false, kNow), "2.0.10");
  EXPECT_EQ(next_version(versions({"1_2"}), false, kNow), "1.3");
}

TEST(NextVersion, TimestampWhenAskedOrWhenTheProjectUsesThem) {
  EXPECT_EQ(timestamp_version(kNow), "20261202085707");
  EXPECT_EQ(next_version({}, true, kNow), "20261202085707");
  EXPECT_EQ(next_version(versions({"17"}), true, kNow), "20261202085707");
  EXPECT_EQ(next_version(versions({"3", "20240101120000"}), false, kNow), "20261202085707");
}

TEST(NextVersion, TimestampNeverAtOrBelowTheHighest) {
  // Two files within one second, or a clock behind the newest file's.
  EXPECT_EQ(next_version(versions({"20261202085707"}), false, kNow), "20261202085708");
  EXPECT_EQ(next_version(versions({"20301231235959"}), true, kNow), "20301231235960");
}

TEST(TimestampVersion, OnlyLongSinglePartVersions) {
  EXPECT_TRUE(is_timestamp_version(*Version::parse("20240101120000")));
  EXPECT_TRUE(is_timestamp_version(*Version::parse("202401011200")));
  EXPECT_FALSE(is_timestamp_version(*Version::parse("17")));
  EXPECT_FALSE(is_timestamp_version(*Version::parse("2024.01.01.120000")));
}

TEST(DescriptionFilePart, WordsJoinedByUnderscores) {
  EXPECT_EQ(description_file_part("add orders table"), "add_orders_table");
  EXPECT_EQ(description_file_part("  Add:  users.email index! "), "Add_users_email_index");
  EXPECT_EQ(description_file_part("drop 'legacy' $stuff; now"), "drop_legacy_stuff_now");
  EXPECT_EQ(description_file_part("a__b / c-d"), "a_b_c-d");
  EXPECT_EQ(description_file_part("ajout été"), "ajout_été");
}

TEST(DescriptionFilePart, NothingLeftIsAUsageError) {
  EXPECT_THROW(description_file_part("!!! ..."), UsageError);
  EXPECT_THROW(description_file_part(""), UsageError);
}

}  // namespace
}  // namespace strata
