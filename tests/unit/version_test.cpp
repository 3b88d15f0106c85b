#include "strata/version.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using strata::Version;

namespace {

Version v(const char* text) {
  auto parsed = Version::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(*Version::parse("0"));
}

}  // namespace

TEST(Version, TrailingZeroPartsAndSeparatorsDoNotMatter) {
  EXPECT_EQ(v("1"), v("1.0"));
  EXPECT_EQ(v("1"), v("1_0_0"));
  EXPECT_EQ(v("1.0.0"), v("1_0"));
  EXPECT_EQ(v("0"), v("0.0.0"));
  EXPECT_EQ(v("2.1"), v("2_1"));
}

TEST(Version, PartsCompareAsNumbers) {
  EXPECT_EQ(v("1.01"), v("1.1"));
  EXPECT_EQ(v("007"), v("7"));
  EXPECT_EQ(v("1.000"), v("1"));
  EXPECT_GT(v("1.10"), v("1.9"));
  EXPECT_LT(v("1.9"), v("1.10"));
  EXPECT_GT(v("10"), v("9"));
  EXPECT_GT(v("1.0.1"), v("1"));
  EXPECT_LT(v("1"), v("1.0.1"));
  EXPECT_GT(v("2"), v("1.999.999"));
  EXPECT_LT(v("0.1"), v("1"));
  EXPECT_NE(v("1.1"), v("1.10"));
}

TEST(Version, NumbersBeyondSixtyFourBitsCompareRight) {
  // 2^64 = 18446744073709551616; Flyway keeps each part as a BigInteger.
  EXPECT_GT(v("18446744073709551616"), v("18446744073709551615"));
  EXPECT_GT(v("1.100000000000000000000000000000"), v("1.99999999999999999999999999999"));
  EXPECT_EQ(v("000000000000000000000000000000000001"), v("1"));
  EXPECT_EQ(v("123456789012345678901234567890.0"), v("123456789012345678901234567890"));
  EXPECT_LT(v("123456789012345678901234567889"), v("123456789012345678901234567890"));
  // Timestamp-style versions, common in real projects.
  EXPECT_LT(v("20240101120000"), v("20240101120001"));
  EXPECT_GT(v("202401011200001"), v("20240101120000"));
}

TEST(Version, OrderingIsTotalAndConsistent) {
  std::vector<Version> vs = {v("1.10"), v("1.2"), v("1"), v("1.1.1"), v("0.9"), v("2"), v("1.1")};
  std::sort(vs.begin(), vs.end());
  std::vector<std::string> texts;
  for (const auto& x : vs) texts.push_back(x.text());
  EXPECT_EQ(texts, (std::vector<std::string>{"0.9", "1", "1.1", "1.1.1", "1.2", "1.10", "2"}));
  EXPECT_EQ(v("1") <=> v("1.0"), std::strong_ordering::equal);
}

TEST(Version, InvalidFormsAreRejected) {
  for (const char* bad : {"", "1..2", ".1", "1.", "-1", "+1", "1a", "a1", " 1", "1 ", "1__2_", "_1", "1._2",
                          "1.2.", "v1", "1,2", "1-2", "\xd9\xa1" /* ARABIC-INDIC DIGIT ONE */}) {
    EXPECT_FALSE(Version::parse(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(Version, TextKeepsTheDigitsWithUnderscoresAsDots) {
  // Flyway's MigrationVersion.getVersion() returns the text with '_' replaced by '.', leading
  // zeros and trailing ".0" parts kept: that is what the history's `version` column holds.
  EXPECT_EQ(v("1_1").text(), "1.1");
  EXPECT_EQ(v("1.01").text(), "1.01");
  EXPECT_EQ(v("1_0_0").text(), "1.0.0");
  EXPECT_EQ(v("007").text(), "007");
  EXPECT_EQ(v("2.0").text(), "2.0");
  EXPECT_EQ(v("1.2_3").text(), "1.2.3");
}

// The order as arithmetic on the parts, written independently of Version: numbers of any length
// (as digit strings without leading zeros), missing parts zero.
int reference_compare(const std::string& a, const std::string& b) {
  const auto parts = [](const std::string& s) {
    std::vector<std::string> out(1);
    for (char c : s) {
      if (c == '.' || c == '_') out.emplace_back();
      else if (!(out.back().empty() && c == '0')) out.back() += c;
    }
    return out;
  };
  const std::vector<std::string> x = parts(a), y = parts(b);
  for (std::size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
    const std::string p = i < x.size() ? x[i] : "", q = i < y.size() ? y[i] : "";
    if (p.size() != q.size()) return p.size() < q.size() ? -1 : 1;
    if (p != q) return p < q ? -1 : 1;
  }
  return 0;
}

TEST(Version, CompareAgreesWithArithmeticOnEveryPairOfASample) {
  std::vector<std::string> sample;
  for (const char* part : {"0", "00", "1", "01", "9", "10", "099", "100", "18446744073709551616"}) {
    sample.push_back(part);
    for (const char* second : {"0", "1", "10", "9"}) {
      sample.push_back(std::string(part) + "." + second);
      sample.push_back(std::string(part) + "_" + second + ".0");
    }
  }
  for (const std::string& a : sample) {
    for (const std::string& b : sample) {
      const int want = reference_compare(a, b);
      const auto got = *Version::parse(a) <=> *Version::parse(b);
      EXPECT_EQ(got < 0 ? -1 : (got > 0 ? 1 : 0), want) << a << " vs " << b;
      EXPECT_EQ(*Version::parse(a) == *Version::parse(b), want == 0) << a << " vs " << b;
    }
  }
}
