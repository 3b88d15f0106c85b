#include "strata/resolve.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "strata/checksum.hpp"
#include "strata/error.hpp"
#include "capture.hpp"

namespace fs = std::filesystem;
using strata::InputError;
using strata::MigrationKind;
using strata::ResolvedMigration;
using strata::ResolveOptions;
using strata::resolve_migrations;

namespace {

class Resolve : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "strata_resolve_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root_, ec);
  }

  // Writes `content` to root/rel, creating folders; returns the path.
  std::string write(const std::string& rel, std::string_view content) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    return p.string();
  }

  std::string dir(const std::string& rel) const { return (root_ / rel).string(); }

  std::vector<ResolvedMigration> resolve(std::vector<std::string> locations) {
    ResolveOptions o;
    o.locations = std::move(locations);
    return resolve_migrations(o);
  }

  // The InputError resolving `locations` throws; fails the test when it does not throw.
  InputError error_for(std::vector<std::string> locations) {
    try {
      resolve(std::move(locations));
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      EXPECT_FALSE(e.file.empty()) << e.what();
      return e;
    }
    ADD_FAILURE() << "no InputError";
    return InputError("");
  }

  // "file|message" of the InputError resolving `locations` throws, or "no error".
  std::string resolve_outcome(std::vector<std::string> locations) {
    try {
      resolve(std::move(locations));
    } catch (const InputError& e) {
      return e.file + "|" + e.what();
    }
    return "no error";
  }

  // Lets other users reach `path` through the temp root (mkdtemp makes it 0700).
  void open_up(const std::string& path) const {
    const auto rx = fs::perms::others_read | fs::perms::others_exec | fs::perms::group_read | fs::perms::group_exec;
    fs::permissions(root_, rx, fs::perm_options::add);
    for (fs::path p = path; p != root_ && p.has_parent_path(); p = p.parent_path()) {
      fs::permissions(p, rx, fs::perm_options::add);
    }
  }

  // Permission errors only exist for users other than root; CI runs as root, so as root the probe
  // runs in a child that has become "nobody" (65534). Returns what the probe returned.
  static std::string run_unprivileged(const std::function<std::string()>& probe) {
    if (::geteuid() != 0) return probe();
    int fds[2];
    if (::pipe(fds) != 0) return "pipe failed";
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      std::string out = (::setgid(65534) == 0 && ::setuid(65534) == 0) ? probe() : std::string("setuid failed");
      [[maybe_unused]] ssize_t written = ::write(fds[1], out.data(), out.size());
      ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    return out;
  }

  static std::vector<std::string> scripts(const std::vector<ResolvedMigration>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.script);
    return out;
  }

  fs::path root_;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST(LocationDirectory, AcceptsPlainAndFilesystemLocations) {
  EXPECT_EQ(strata::location_directory("migrations"), fs::path("migrations"));
  EXPECT_EQ(strata::location_directory("filesystem:sql"), fs::path("sql"));
  EXPECT_EQ(strata::location_directory("filesystem:/flyway/sql"), fs::path("/flyway/sql"));
  // Flyway's LocationParser trims the descriptor and matches the prefix ignoring case.
  EXPECT_EQ(strata::location_directory(" FileSystem:db/migration "), fs::path("db/migration"));
  EXPECT_EQ(strata::location_directory("./sql/"), fs::path("./sql/"));
}

TEST(LocationDirectory, RejectsOtherSchemesAndEmptyPaths) {
  for (const char* bad : {"classpath:db/migration", "s3:bucket/path", "gcs:bucket", "CLASSPATH:x", "filesystem:",
                          "", "  "}) {
    try {
      strata::location_directory(bad);
      ADD_FAILURE() << bad;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file, bad);
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
      if (std::string_view(bad).find(':') != std::string_view::npos && std::string_view(bad) != "filesystem:") {
        EXPECT_TRUE(contains(e.what(), "only filesystem locations are supported")) << e.what();
      }
    }
  }
}

TEST_F(Resolve, FindsAndOrdersMigrations) {
  write("sql/V2__more.sql", "SELECT 2;\n");
  write("sql/V1__init.sql", "CREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);\r\n");
  write("sql/V1.1__mid_point.sql", "SELECT 11;");
  write("sql/R__view_b.sql", "CREATE OR REPLACE VIEW b AS SELECT 1;");
  write("sql/R__view_a.sql", "CREATE OR REPLACE VIEW a AS SELECT 1;");
  // Not migrations: ignored without being read.
  write("sql/README.md", "# notes");
  write("sql/beforeMigrate.sql", "SELECT 0;");
  write("sql/afterMigrate__cleanup.sql", "SELECT 0;");
  write("sql/V1__init.sql.conf", "executeInTransaction=false\n");
  write("sql/notes.txt", "\xff\xfe not even UTF-8");

  const auto ms = resolve({"filesystem:" + dir("sql")});
  ASSERT_EQ(ms.size(), 5u);
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__init.sql", "V1.1__mid_point.sql", "V2__more.sql",
                                                   "R__view_a.sql", "R__view_b.sql"}));
  const ResolvedMigration& first = ms[0];
  EXPECT_EQ(first.kind, MigrationKind::Versioned);
  ASSERT_TRUE(first.version);
  EXPECT_EQ(first.version->text(), "1");
  EXPECT_EQ(first.description, "init");
  EXPECT_EQ(first.type, "SQL");
  EXPECT_EQ(first.path, fs::path(dir("sql/V1__init.sql")));
  EXPECT_EQ(first.sql, "CREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);\r\n");
  EXPECT_EQ(first.checksum, strata::flyway_checksum(first.sql));
  EXPECT_EQ(ms[1].description, "mid point");
  EXPECT_EQ(ms[1].version->text(), "1.1");
  EXPECT_EQ(ms[3].kind, MigrationKind::Repeatable);
  EXPECT_FALSE(ms[3].version);
  EXPECT_EQ(ms[3].description, "view a");
}

TEST_F(Resolve, ScriptIsThePathRelativeToTheLocation) {
  // Flyway: FileSystemResource.getRelativePath() = Location.getPathRelativeToThis(path) with '/'
  // separators, so sub-folders are part of `script`.
  write("db/V1__root.sql", "SELECT 1;");
  write("db/release1/V2__x.sql", "SELECT 2;");
  write("db/release1/deeper/more/V3__y.sql", "SELECT 3;");
  write("db/views/R__v.sql", "SELECT 4;");
  const auto ms = resolve({dir("db")});
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__root.sql", "release1/V2__x.sql",
                                                   "release1/deeper/more/V3__y.sql", "views/R__v.sql"}));
  EXPECT_EQ(ms[1].path, fs::path(dir("db/release1/V2__x.sql")));
}

TEST_F(Resolve, PathJoinsTheLocationAsWritten) {
  write("db/V1__a.sql", "SELECT 1;");
  auto ms = resolve({"filesystem:" + dir("db") + "/"});
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].path.string(), dir("db") + "/V1__a.sql");
  EXPECT_EQ(ms[0].script, "V1__a.sql");
}

TEST_F(Resolve, SeveralLocationsAreMerged) {
  write("a/V1__one.sql", "SELECT 1;");
  write("b/V2__two.sql", "SELECT 2;");
  write("a/V3__three.sql", "SELECT 3;");
  write("b/R__r.sql", "SELECT 4;");
  const auto ms = resolve({dir("a"), "filesystem:" + dir("b")});
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__one.sql", "V2__two.sql", "V3__three.sql", "R__r.sql"}));
}

TEST_F(Resolve, VersionsSortNumerically) {
  for (const char* v : {"1.9", "1.10", "1.2", "10", "9", "2", "18446744073709551617", "18446744073709551616",
                        "20240101120000"}) {
    write(std::string("m/V") + v + "__x.sql", "SELECT 1;");
  }
  const auto ms = resolve({dir("m")});
  std::vector<std::string> versions;
  for (const auto& m : ms) versions.push_back(m.version->text());
  EXPECT_EQ(versions, (std::vector<std::string>{"1.2", "1.9", "1.10", "2", "9", "10", "20240101120000",
                                                "18446744073709551616", "18446744073709551617"}));
}

TEST_F(Resolve, RepeatablesSortLikeJavaStringCompareTo) {
  // Uppercase before lowercase (code unit order), and a supplementary character (a UTF-16
  // surrogate pair, D83D...) before U+FF01 although its UTF-8 bytes (F0...) sort after EF BC 81.
  write("m/R__b.sql", "SELECT 1;");
  write("m/R__a.sql", "SELECT 1;");
  write("m/R__B.sql", "SELECT 1;");
  write("m/R__\xEF\xBC\x81.sql", "SELECT 1;");
  write("m/R__\xF0\x9F\x98\x80.sql", "SELECT 1;");
  write("m/R__\xC3\xA9.sql", "SELECT 1;");
  write("m/R__ab.sql", "SELECT 1;");
  write("m/V1__z.sql", "SELECT 1;");
  const auto ms = resolve({dir("m")});
  std::vector<std::string> descriptions;
  for (const auto& m : ms) descriptions.push_back(m.description);
  EXPECT_EQ(descriptions, (std::vector<std::string>{"z", "B", "a", "ab", "b", "\xC3\xA9", "\xF0\x9F\x98\x80",
                                                    "\xEF\xBC\x81"}));
}

TEST_F(Resolve, SuffixMatchesIgnoringCase) {
  write("m/V1__x.SQL", "SELECT 1;");
  const auto ms = resolve({dir("m")});
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].script, "V1__x.SQL");
}

TEST_F(Resolve, EmptyLocationGivesNoMigrations) {
  fs::create_directories(dir("empty"));
  EXPECT_TRUE(resolve({dir("empty")}).empty());
}

TEST_F(Resolve, MissingLocationIsAnError) {
  const InputError e = error_for({"filesystem:" + dir("nope")});
  EXPECT_EQ(e.file, dir("nope"));
  EXPECT_TRUE(contains(e.what(), dir("nope"))) << e.what();
  EXPECT_TRUE(contains(e.what(), "does not exist")) << e.what();
}

TEST_F(Resolve, LocationThatIsAFileIsAnError) {
  write("file.sql", "x");
  const InputError e = error_for({dir("file.sql")});
  EXPECT_TRUE(contains(e.what(), "not a directory")) << e.what();
}

TEST_F(Resolve, UnsupportedSchemeIsAnError) {
  const InputError e = error_for({"classpath:db/migration"});
  EXPECT_TRUE(contains(e.what(), "only filesystem locations are supported")) << e.what();
}

TEST_F(Resolve, DuplicateVersionsNameBothFiles) {
  const std::string a = write("m/V1__a.sql", "SELECT 1;");
  const std::string b = write("m/sub/V1.0__b.sql", "SELECT 2;");
  const InputError e = error_for({dir("m")});
  EXPECT_TRUE(contains(e.what(), a)) << e.what();
  EXPECT_TRUE(contains(e.what(), b)) << e.what();
  EXPECT_TRUE(contains(e.what(), "more than one migration with version 1")) << e.what();
  EXPECT_EQ(e.file, a);
}

TEST_F(Resolve, DuplicateVersionsAcrossLocations) {
  const std::string a = write("a/V2_0__a.sql", "SELECT 1;");
  const std::string b = write("b/V2__b.sql", "SELECT 2;");
  const InputError e = error_for({dir("a"), dir("b")});
  EXPECT_TRUE(contains(e.what(), a) && contains(e.what(), b)) << e.what();
}

TEST_F(Resolve, DuplicateRepeatableDescriptionsNameBothFiles) {
  // "my_view" and "my view" both describe "my view".
  const std::string a = write("m/R__my_view.sql", "SELECT 1;");
  const std::string b = write("m/x/R__my view.sql", "SELECT 2;");
  const InputError e = error_for({dir("m")});
  EXPECT_TRUE(contains(e.what(), a) && contains(e.what(), b)) << e.what();
  EXPECT_TRUE(contains(e.what(), "\"my view\"")) << e.what();
}

TEST_F(Resolve, MalformedNameIsAnErrorWithItsPath) {
  write("m/V1__ok.sql", "SELECT 1;");
  const std::string bad = write("m/sub/V2_oops.sql", "SELECT 2;");
  const InputError e = error_for({dir("m")});
  EXPECT_EQ(e.file, bad);
  EXPECT_TRUE(contains(e.what(), "V2_oops.sql")) << e.what();
  EXPECT_TRUE(contains(e.what(), "expected V<version>__<description>.sql")) << e.what();
}

TEST_F(Resolve, InvalidUtf8IsAnErrorWithByteOffsetAndLine) {
  const std::string p = write("m/V1__latin1.sql", "SELECT 1;\r\n-- caf\xE9\nSELECT 2;\n");
  const InputError e = error_for({dir("m")});
  EXPECT_EQ(e.file, p);
  EXPECT_EQ(e.line, 2);
  EXPECT_TRUE(contains(e.what(), "byte offset 17")) << e.what();
  EXPECT_TRUE(contains(e.what(), "line 2")) << e.what();
  EXPECT_TRUE(contains(e.what(), p)) << e.what();
}

TEST_F(Resolve, NulByteIsAnErrorWithByteOffsetAndLine) {
  const std::string p = write("m/V1__nul.sql", std::string("CREATE TABLE a (i int);\n\0\nCREATE TABLE b (i int);\n", 48));
  const InputError e = error_for({dir("m")});
  EXPECT_EQ(e.file, p);
  EXPECT_EQ(e.line, 2);
  EXPECT_TRUE(contains(e.what(), "NUL byte")) << e.what();
  EXPECT_TRUE(contains(e.what(), "byte offset 24")) << e.what();
}

TEST_F(Resolve, InvalidUtf8LineCountsLoneCarriageReturns) {
  write("m/V1__x.sql", "a\rb\r\nc\n\xC0\x80");
  EXPECT_EQ(error_for({dir("m")}).line, 4);
}

TEST_F(Resolve, UnreadableMigrationIsAnError) {
  // A dangling symlink and a FIFO fail for root as well; a chmod 000 file only for other users.
  fs::create_directories(dir("m"));
  fs::create_symlink(dir("m/gone.sql"), dir("m/V1__dangling.sql"));
  InputError e = error_for({dir("m")});
  EXPECT_EQ(e.file, dir("m/V1__dangling.sql"));
  EXPECT_TRUE(contains(e.what(), "cannot read")) << e.what();

  fs::remove(dir("m/V1__dangling.sql"));
  ASSERT_EQ(::mkfifo(dir("m/V1__fifo.sql").c_str(), 0600), 0);
  e = error_for({dir("m")});
  EXPECT_EQ(e.file, dir("m/V1__fifo.sql"));
  EXPECT_TRUE(contains(e.what(), "not a regular file")) << e.what();
  fs::remove(dir("m/V1__fifo.sql"));

  const std::string p = write("m/V1__secret.sql", "SELECT 1;");
  open_up(dir("m"));
  fs::permissions(p, fs::perms::none);
  const std::string outcome = run_unprivileged([&] { return resolve_outcome({dir("m")}); });
  EXPECT_EQ(outcome.substr(0, outcome.find('|')), p) << outcome;
  EXPECT_TRUE(contains(outcome, "Permission denied")) << outcome;
}

TEST_F(Resolve, DanglingSymlinkThatIsNoMigrationIsIgnored) {
  write("m/V1__a.sql", "SELECT 1;");
  fs::create_symlink(dir("m/nowhere"), dir("m/old_link"));
  EXPECT_EQ(resolve({dir("m")}).size(), 1u);
}

TEST_F(Resolve, UnreadableDirectoryIsAnError) {
  write("m/V1__a.sql", "SELECT 1;");
  write("m/locked/V2__b.sql", "SELECT 2;");
  open_up(dir("m"));
  fs::permissions(dir("m/locked"), fs::perms::none);
  const std::string outcome = run_unprivileged([&] { return resolve_outcome({dir("m")}); });
  fs::permissions(dir("m/locked"), fs::perms::owner_all);
  EXPECT_EQ(outcome.substr(0, outcome.find('|')), dir("m/locked")) << outcome;
}

TEST_F(Resolve, FollowsSymlinksToDirectoriesAndFiles) {
  write("outside/V5__linked.sql", "SELECT 5;");
  write("shared/R__shared_view.sql", "SELECT 6;");
  write("m/V1__a.sql", "SELECT 1;");
  fs::create_directory_symlink(dir("outside"), dir("m/linked"));
  fs::create_symlink(dir("shared/R__shared_view.sql"), dir("m/R__shared_view.sql"));
  const auto ms = resolve({dir("m")});
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__a.sql", "linked/V5__linked.sql", "R__shared_view.sql"}));
  EXPECT_EQ(ms[2].sql, "SELECT 6;");
}

TEST_F(Resolve, SymlinkLoopIsAnErrorNamingItsPath) {
  // Issue 16: a loop used to end the walk without a word. It must neither hang nor pass unseen.
  write("m/V1__a.sql", "SELECT 1;");
  write("m/sub/V2__b.sql", "SELECT 2;");
  fs::create_directory_symlink(dir("m"), dir("m/sub/loop"));
  InputError e = error_for({dir("m")});
  EXPECT_EQ(e.file, dir("m/sub/loop"));
  EXPECT_TRUE(contains(e.what(), "symbolic link loop")) << e.what();
  EXPECT_TRUE(contains(e.what(), "leads back to " + dir("m"))) << e.what();
  fs::remove(dir("m/sub/loop"));

  fs::create_directory_symlink("..", dir("m/sub/up"));
  EXPECT_EQ(error_for({dir("m")}).file, dir("m/sub/up"));
  fs::remove(dir("m/sub/up"));

  fs::create_directory_symlink(".", dir("m/self"));
  EXPECT_EQ(error_for({dir("m")}).file, dir("m/self"));
  fs::remove(dir("m/self"));

  // A link to itself never resolves (ELOOP): reported, not mistaken for a dangling link.
  fs::create_symlink("itself", dir("m/itself"));
  e = error_for({dir("m")});
  EXPECT_EQ(e.file, dir("m/itself"));
  EXPECT_TRUE(contains(e.what(), "symbolic link loop")) << e.what();
}

TEST_F(Resolve, SecondLinkToOneDirectoryIsReadOnceWithoutError) {
  // Not a loop: two names for one folder outside the walk's own ancestors.
  write("shared/V5__s.sql", "SELECT 5;");
  write("m/V1__a.sql", "SELECT 1;");
  fs::create_directory_symlink(dir("shared"), dir("m/a_link"));
  fs::create_directory_symlink(dir("shared"), dir("m/b_link"));
  EXPECT_EQ(scripts(resolve({dir("m")})), (std::vector<std::string>{"V1__a.sql", "a_link/V5__s.sql"}));
}

TEST_F(Resolve, DirectoryNamedLikeMigrationIsScannedWithAWarning) {
  // Flyway scans a folder called V2__dir.sql as a folder; strata does too but names it on stderr.
  write("m/V1__a.sql", "SELECT 1;");
  write("m/V2__dir.sql/V3__inside.sql", "SELECT 3;");
  write("m/plain/V4__d.sql", "SELECT 4;");
  strata::test::Capture err(2);
  const auto ms = resolve({dir("m")});
  const std::string warned = err.finish();
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__a.sql", "V2__dir.sql/V3__inside.sql", "plain/V4__d.sql"}));
  EXPECT_TRUE(contains(warned, dir("m/V2__dir.sql") + " is named like a migration")) << warned;
  EXPECT_FALSE(contains(warned, "plain")) << warned;
}

TEST_F(Resolve, OverlappingLocationsDoNotDuplicate) {
  write("m/V1__a.sql", "SELECT 1;");
  write("m/sub/V2__b.sql", "SELECT 2;");
  auto ms = resolve({dir("m"), dir("m/sub"), dir("m")});
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__a.sql", "sub/V2__b.sql"}));
  ms = resolve({dir("m/sub"), dir("m")});
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__a.sql", "V2__b.sql"}));
}

TEST_F(Resolve, HiddenDirectoriesAreSkippedLikeFlyway) {
  // The layout of a Kubernetes ConfigMap volume: the real files live in a hidden timestamped
  // folder reached through "..data"; the visible names are symlinks (Flyway issue #1807).
  write("m/..2024_01_01_00_00_00.123/V1__a.sql", "SELECT 1;");
  fs::create_directory_symlink("..2024_01_01_00_00_00.123", dir("m/..data"));
  fs::create_symlink("..data/V1__a.sql", dir("m/V1__a.sql"));
  write("m/.git/V9__not_a_migration.sql", "SELECT 9;");
  const auto ms = resolve({dir("m")});
  EXPECT_EQ(scripts(ms), (std::vector<std::string>{"V1__a.sql"}));
  EXPECT_EQ(ms[0].sql, "SELECT 1;");
}

TEST_F(Resolve, HiddenLocationItselfIsScanned) {
  write(".hidden/V1__a.sql", "SELECT 1;");
  EXPECT_EQ(resolve({dir(".hidden")}).size(), 1u);
}

TEST_F(Resolve, DirectoryWithAMigrationNameIsScannedNotRead) {
  write("m/V1__folder.sql/V2__inner.sql", "SELECT 2;");
  EXPECT_EQ(scripts(resolve({dir("m")})), (std::vector<std::string>{"V1__folder.sql/V2__inner.sql"}));
}

TEST_F(Resolve, ChecksumsAreFlywaysAndBomIsKeptInSql) {
  write("m/V1__bom.sql", "\xEF\xBB\xBFSELECT 1;\r\n");
  write("m/V2__empty.sql", "");
  const auto ms = resolve({dir("m")});
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].checksum, strata::flyway_checksum("SELECT 1;"));
  EXPECT_EQ(ms[0].sql, "\xEF\xBB\xBFSELECT 1;\r\n");
  EXPECT_EQ(ms[1].checksum, 0);
  EXPECT_EQ(ms[1].sql, "");
}

TEST_F(Resolve, ManyFilesResolveDeterministically) {
  std::string body = "CREATE TABLE t (id int);\n";
  for (int i = 1; i <= 1500; ++i) {
    write("m/batch" + std::to_string(i % 7) + "/V" + std::to_string(i) + "__step_" + std::to_string(i) + ".sql",
          body);
  }
  for (int i = 0; i < 50; ++i) write("m/views/R__view_" + std::to_string(i) + ".sql", body);
  const auto first = resolve({dir("m")});
  ASSERT_EQ(first.size(), 1550u);
  for (int i = 0; i < 1500; ++i) EXPECT_EQ(first[static_cast<std::size_t>(i)].version->text(), std::to_string(i + 1));
  EXPECT_EQ(scripts(resolve({dir("m")})), scripts(first));
}
