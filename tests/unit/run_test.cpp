// The run module's pieces that need no database.
#include "strata/run.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

namespace strata {
namespace {

TEST(FormatDuration, IsFlywaysMinutesSecondsMilliseconds) {
  EXPECT_EQ(format_duration(std::chrono::milliseconds(0)), "00:00.000s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(31)), "00:00.031s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(61'001)), "01:01.001s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(100 * 60'000 + 59'999)), "100:59.999s");
}

TEST(UtcTimestamp, IsIso8601WithMillisecondsInUtc) {
  EXPECT_TRUE(std::regex_match(utc_timestamp(), std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
      << utc_timestamp();
}

TEST(Stopwatch, MeasuresFromItsCreation) {
  const Stopwatch watch;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(watch.elapsed_ms(), 20);
}

}  // namespace
}  // namespace strata
