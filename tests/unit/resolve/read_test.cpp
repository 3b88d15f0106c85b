// Reading migration files: the short-read end of file, and the two-thread reading of a walk's
// files, which must find, order and fail exactly as a one-by-one scan does.
#include "resolve/read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../temp_dir.hpp"
#include "strata/checksum.hpp"
#include "strata/error.hpp"
#include "strata/resolve.hpp"

namespace fs = std::filesystem;

namespace strata::resolve_detail {
namespace {

// Text of `n` bytes with CR LF line ends (which the checksum leaves out) at varying places.
std::string text_of(std::size_t n) {
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; s.size() < n; ++i) {
    s += "SELECT " + std::to_string(i) + ";";
    s += i % 3 == 0 ? "\r\n" : "\n";
  }
  s.resize(n);
  return s;
}

// read_open_file on a file holding `text`, told the file has `hint` bytes.
std::string read_with_hint(const test::TempDir& dir, const std::string& text, std::size_t hint,
                           std::int32_t* checksum_out) {
  const fs::path p = dir.write("f.sql", text);
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  FlywayChecksum checksum;
  std::string got = read_open_file(fd, hint, p.string(), &checksum);
  ::close(fd);
  *checksum_out = checksum.value();
  return got;
}

TEST(ReadOpenFile, ReadsWholeFilesOfEverySizeAroundTheReadPiece) {
  const test::TempDir dir("strata-read");
  constexpr std::size_t piece = std::size_t{1} << 20;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, piece - 2, piece - 1,
                        piece, piece + 1, 2 * piece, 2 * piece + 7}) {
    const std::string text = text_of(n);
    std::int32_t sum = 0;
    EXPECT_EQ(read_with_hint(dir, text, n, &sum), text) << n;
    EXPECT_EQ(sum, flyway_checksum(text)) << n;
  }
}

TEST(ReadOpenFile, AFileThatGrewOrShrankSinceFstatIsReadWhole) {
  const test::TempDir dir("strata-read");
  constexpr std::size_t piece = std::size_t{1} << 20;
  // hint below the size: the file grew after fstat; above it: it shrank.
  for (std::size_t n : {std::size_t{10}, std::size_t{5000}, piece + 3}) {
    const std::string text = text_of(n);
    for (std::size_t hint : {std::size_t{0}, n / 2, n - 1, n + 1, 2 * n}) {
      std::int32_t sum = 0;
      EXPECT_EQ(read_with_hint(dir, text, hint, &sum), text) << n << " hint " << hint;
      EXPECT_EQ(sum, flyway_checksum(text)) << n << " hint " << hint;
    }
  }
}

// read_whole_file on `text`, with and without the listing's word that it is a regular file.
void expect_read_whole(const test::TempDir& dir, const std::string& text) {
  dir.write("g.sql", text);
  const int dfd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dfd, 0);
  for (bool listed_regular : {false, true}) {
    FlywayChecksum checksum;
    EXPECT_EQ(read_whole_file(dfd, "g.sql", "g.sql", &checksum, listed_regular), text)
        << text.size() << " listed_regular " << listed_regular;
    EXPECT_EQ(checksum.value(), flyway_checksum(text)) << text.size() << " listed_regular " << listed_regular;
  }
  ::close(dfd);
}

TEST(ReadWholeFile, FilesAroundTheFirstReadSizeReadTheSameWithOrWithoutTheListing) {
  const test::TempDir dir("strata-read");
  constexpr std::size_t first = std::size_t{64} << 10;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, first - 1, first, first + 1,
                        2 * first, (std::size_t{1} << 20) + 5}) {
    expect_read_whole(dir, text_of(n));
  }
  expect_read_whole(dir, "\xEF\xBB\xBFSELECT 1;\r\n");  // the BOM is left out of the checksum either way
}

TEST(ReadWholeFile, WhatIsNotARegularFileIsRefusedEvenWhenListedAsOne) {
  // A FIFO or a device swapped in after the listing: it reads empty, or fills the first read.
  const test::TempDir dir("strata-read");
  ASSERT_EQ(::mkfifo((dir.path() / "fifo.sql").c_str(), 0600), 0);
  fs::create_symlink("/dev/zero", dir.path() / "zero.sql");
  const int dfd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dfd, 0);
  for (const char* name : {"fifo.sql", "zero.sql"}) {
    for (bool listed_regular : {false, true}) {
      try {
        read_whole_file(dfd, name, name, nullptr, listed_regular);
        ADD_FAILURE() << name << " was read";
      } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
        EXPECT_EQ(e.file, name);
      }
    }
  }
  ::close(dfd);
}

class ManyFiles : public ::testing::Test {
 protected:
  std::string write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_.path() / rel).parent_path());
    return dir_.write(rel, text).string();
  }
  std::string at(const std::string& rel) const { return (dir_.path() / rel).string(); }
  ResolvedScripts resolve() const {
    ResolveOptions o;
    o.locations = {at("m")};
    return resolve_scripts(o);
  }
  InputError error() const {
    try {
      resolve();
    } catch (const InputError& e) {
      return e;
    }
    ADD_FAILURE() << "no InputError";
    return InputError("");
  }
  test::TempDir dir_{"strata-many"};
};

std::string name_of(int i) { return "V" + std::to_string(i) + "__step_" + std::to_string(i) + ".sql"; }

TEST_F(ManyFiles, EveryFileIsReadWithItsOwnTextChecksumAndConfig) {
  for (int i = 1; i <= 700; ++i) write("m/" + name_of(i), "SELECT " + std::to_string(i) + ";\n");
  write("m/V7__step_7.sql.conf", "executeInTransaction=false\n");
  write("m/beforeMigrate__note.sql", "SELECT 'cb';");
  write("m/README.txt", "not a migration");
  const ResolvedScripts s = resolve();
  ASSERT_EQ(s.migrations.size(), 700u);
  for (int i = 1; i <= 700; ++i) {
    const ResolvedMigration& m = s.migrations[static_cast<std::size_t>(i - 1)];
    const std::string sql = "SELECT " + std::to_string(i) + ";\n";
    EXPECT_EQ(m.version->text(), std::to_string(i));
    EXPECT_EQ(m.script, name_of(i));
    EXPECT_EQ(m.path, at("m/" + name_of(i)));
    EXPECT_EQ(m.sql, sql);
    EXPECT_EQ(m.checksum, flyway_checksum(sql));
    EXPECT_EQ(m.execute_in_transaction.has_value(), i == 7) << i;
  }
  ASSERT_EQ(s.callbacks.size(), 1u);
  EXPECT_EQ(s.callbacks[0].sql, "SELECT 'cb';");
}

TEST_F(ManyFiles, TheFirstBadFileInScanOrderIsTheErrorWhicheverThreadReadItFirst) {
  for (int i = 1; i <= 700; ++i) write("m/" + name_of(i), "SELECT 1;");
  // Scan order is name order: ... V599__, V6000_, V6__, ... ('0' sorts before '_').
  write("m/" + name_of(6), "SELECT '\xC0';");
  write("m/" + name_of(599), std::string("SELECT 1;\0", 10));
  write("m/V6000_bad_name.sql", "SELECT 1;");
  InputError e = error();
  EXPECT_EQ(e.file, at("m/" + name_of(599)));
  EXPECT_NE(std::string(e.what()).find("NUL byte"), std::string::npos) << e.what();
  fs::remove(at("m/" + name_of(599)));
  EXPECT_EQ(error().file, at("m/V6000_bad_name.sql"));
  fs::remove(at("m/V6000_bad_name.sql"));
  e = error();
  EXPECT_EQ(e.file, at("m/" + name_of(6)));
  EXPECT_NE(std::string(e.what()).find("invalid UTF-8"), std::string::npos) << e.what();
}

TEST_F(ManyFiles, AnEarlierBadFileWinsOverALaterDirectoryError) {
  for (int i = 1; i <= 200; ++i) write("m/a/" + name_of(i), "SELECT 1;");
  write("m/a/" + name_of(150), "SELECT '\xFF';");
  write("m/b/" + name_of(1000), "SELECT 1;");
  fs::create_directory_symlink(at("m"), at("m/b/loop"));
  EXPECT_EQ(error().file, at("m/a/" + name_of(150)));
  fs::remove(at("m/a/" + name_of(150)));
  EXPECT_EQ(error().file, at("m/b/loop"));
}

TEST_F(ManyFiles, VersionsSortByTheWholeVersionWhereTheFirstPartsTieOrOverflow) {
  // First parts beyond 64 bits, equal first parts, leading zeros and repeatables, in a folder
  // whose name order is nothing like version order.
  const std::vector<std::string> want{"0.5",
                                      "1",
                                      "1.1",
                                      "1.2.1",
                                      "01.10",
                                      "2",
                                      "18446744073709551614",
                                      "18446744073709551615",
                                      "18446744073709551615.1",
                                      "18446744073709551616",
                                      "99999999999999999999999",
                                      "99999999999999999999999.0.1"};
  for (std::size_t i = want.size(); i-- > 0;) {
    std::string name = want[i];
    std::replace(name.begin(), name.end(), '.', '_');
    write("m/V" + name + "__v.sql", "SELECT 1;");
  }
  for (const char* d : {"b", "a", "c"}) write(std::string("m/R__") + d + ".sql", "SELECT 1;");
  const ResolvedScripts s = resolve();
  ASSERT_EQ(s.migrations.size(), want.size() + 3);
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(s.migrations[i].version->text(), want[i]) << i;
  EXPECT_EQ(s.migrations[want.size()].description, "a");
  EXPECT_EQ(s.migrations[want.size() + 2].description, "c");
}

}  // namespace
}  // namespace strata::resolve_detail
