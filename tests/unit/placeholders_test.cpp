#include "strata/placeholders.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "strata/checksum.hpp"
#include "strata/error.hpp"

using strata::builtin_placeholders;
using strata::flyway_checksum;
using strata::InputError;
using strata::migration_checksums;
using strata::MigrationKind;
using strata::PlaceholderSettings;
using strata::replace_placeholders;

namespace {

PlaceholderSettings with(std::map<std::string, std::string> values) {
  PlaceholderSettings s;
  s.values = std::move(values);
  return s;
}

std::string run(std::string_view text, const PlaceholderSettings& s, std::string_view filename = "V1__x.sql") {
  return replace_placeholders(text, s, filename, "migrations/V1__x.sql");
}

// The InputError replacing `text` throws, or a failed expectation.
InputError error_of(std::string_view text, const PlaceholderSettings& s,
                    const std::string& file = "migrations/V2__x.sql") {
  try {
    replace_placeholders(text, s, "V2__x.sql", file);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no InputError for " << text;
  return InputError("");
}

// Sets TZ for one test and puts the old value back.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

// 2024-02-29 13:05:09 UTC.
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1709211909));

}  // namespace

TEST(Placeholders, ReplacedEverywhereIncludingCommentsStringsAndDollarQuotes) {
  // Flyway replaces before parsing SQL, so nothing about the SQL protects a placeholder.
  const auto s = with({{"schema", "acme"}, {"n", "42"}});
  EXPECT_EQ(run("-- owner ${schema}\n"
                "/* ${schema} */ CREATE TABLE ${schema}.t (id int DEFAULT ${n});\n"
                "COMMENT ON TABLE ${schema}.t IS 'in ${schema}';\n"
                "DO $$ BEGIN RAISE NOTICE '${n}'; END $$;\n"
                "SELECT \"${schema}\".x, ${n}${n}, E'${n}';\n",
                s),
            "-- owner acme\n"
            "/* acme */ CREATE TABLE acme.t (id int DEFAULT 42);\n"
            "COMMENT ON TABLE acme.t IS 'in acme';\n"
            "DO $$ BEGIN RAISE NOTICE '42'; END $$;\n"
            "SELECT \"acme\".x, 4242, E'42';\n");
}

TEST(Placeholders, NamesMatchCaseInsensitively) {
  const auto s = with({{"Tenant", "acme"}});
  EXPECT_EQ(run("${tenant} ${TENANT} ${Tenant} ${tEnAnT}", s), "acme acme acme acme");
  PlaceholderSettings b;
  b.builtins = builtin_placeholders("app", "alice", "shop", "flyway_schema_history", "", "/srv", kNow);
  EXPECT_EQ(run("${FLYWAY:USER} ${flyway:defaultschema} ${Flyway:Database}", b), "alice app shop");
}

TEST(Placeholders, NameIsEverythingUpToTheFirstSuffix) {
  const auto s = with({{" spaced name ", "S"}, {"a.b-c:d", "D"}, {"a${b", "N"}, {"", "E"}});
  EXPECT_EQ(run("${ spaced name }|${a.b-c:d}|${a${b}|${}", s), "S|D|N|E");
  // The first suffix ends it: "${x}}" is ${x} and a stray brace.
  EXPECT_EQ(run("${x}}", with({{"x", "1"}})), "1}");
}

TEST(Placeholders, ValuesAreInsertedAsTheyAreAndNotScannedAgain) {
  const auto s = with({{"a", "${b}"}, {"b", "never"}, {"e", ""}});
  EXPECT_EQ(run("x${a}y", s), "x${b}y");
  EXPECT_EQ(run("x${e}y${e}", s), "xy");
}

TEST(Placeholders, PrefixAfterAPartialPrefixIsNotSeen) {
  // Flyway's reader hands on a partial prefix match together with the character that broke it,
  // without looking at them again: "$${x}" keeps its text and raises no error.
  const auto s = with({{"x", "X"}});
  EXPECT_EQ(run("$${x}", s), "$${x}");
  EXPECT_EQ(run("$${undefined} and $${", s), "$${undefined} and $${");
  EXPECT_EQ(run("$$${x}", s), "$$X");  // the third '$' starts a fresh scan
  EXPECT_EQ(run("$ ${x} $", s), "$ X $");
  EXPECT_EQ(run("text ends in $", s), "text ends in $");

  PlaceholderSettings hash = with({{"x", "X"}});
  hash.prefix = "#[";
  hash.suffix = "]";
  EXPECT_EQ(run("##[x] #[x]", hash), "##[x] X");

  // Characters, not bytes, break a match: U+00E8 shares its first byte with U+00E9.
  PlaceholderSettings accent = with({{"x", "X"}});
  accent.prefix = "\xC3\xA9{";  // "é{"
  EXPECT_EQ(run("\xC3\xA8{x} \xC3\xA9{x} \xC3\xA9\xC3\xA9{x}", accent), "\xC3\xA8{x} X \xC3\xA9\xC3\xA9{x}");
}

TEST(Placeholders, CustomPrefixAndSuffix) {
  PlaceholderSettings s = with({{"tenant", "acme"}});
  s.prefix = "#[";
  s.suffix = "]";
  EXPECT_EQ(run("SELECT '#[tenant]', '${tenant}', arr[1];", s), "SELECT 'acme', '${tenant}', arr[1];");
  s.prefix = "@@";
  s.suffix = "@@";
  EXPECT_EQ(run("@@tenant@@@@TENANT@@ user@@example", with({})), "@@tenant@@@@TENANT@@ user@@example");
  EXPECT_EQ(run("@@tenant@@@@TENANT@@", s), "acmeacme");
}

TEST(Placeholders, UndefinedPlaceholderIsAnInputErrorAtItsLineAndColumn) {
  // CRLF line ends count once; the column counts characters, not bytes.
  const std::string text = "SELECT 1;\r\nSELECT 2;\r\n-- caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC ${tenant}\nSELECT 3;\n";
  const InputError e = error_of(text, with({{"other", "1"}}));
  EXPECT_EQ(std::string(e.what()),
            "no value provided for placeholder ${tenant}; set it with --placeholders.tenant=..., "
            "FLYWAY_PLACEHOLDERS_TENANT or the placeholders map in strata.yaml");
  EXPECT_EQ(e.kind(), strata::ErrorKind::Input);
  EXPECT_EQ(e.file, "migrations/V2__x.sql");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 12);
  EXPECT_NE(e.hint.find("placeholderReplacement=false"), std::string::npos);
  EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  EXPECT_EQ(e.hint.find('\n'), std::string::npos);

  // CR alone and LF CR are line ends too (as Java's readLine sees them); a BOM is no column.
  EXPECT_EQ(error_of("a\rb\n\r  ${x}", with({})).line, 4);
  EXPECT_EQ(error_of("a\rb\n\r  ${x}", with({})).column, 3);
  const InputError bom = error_of("\xEF\xBB\xBF${x}", with({}));
  EXPECT_EQ(bom.line, 1);
  EXPECT_EQ(bom.column, 1);
  // Positions are in the original text, not in the text after earlier replacements.
  const InputError after = error_of("${long}${x}", with({{"long", std::string(100, 'v')}}));
  EXPECT_EQ(after.column, 8);
}

TEST(Placeholders, EveryUndefinedPlaceholderIsNamedOnOneLine) {
  const InputError e = error_of("${a} ${defined} ${B}\n\t${my-name}", with({{"defined", "1"}}));
  EXPECT_EQ(std::string(e.what()),
            "no value provided for placeholder ${a}; set it with --placeholders.a=..., FLYWAY_PLACEHOLDERS_A "
            "or the placeholders map in strata.yaml (also undefined: ${B} at 1:17, ${my-name} at 2:2)");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 1);
  // A name that cannot be an environment variable is not offered as one.
  EXPECT_EQ(std::string(error_of("${my-name}", with({})).what()),
            "no value provided for placeholder ${my-name}; set it with --placeholders.my-name=... or the "
            "placeholders map in strata.yaml");

  std::string many;
  for (int i = 0; i < 10; ++i) many += "${p" + std::to_string(i) + "}\n";
  const std::string message = error_of(many, with({})).what();
  EXPECT_NE(message.find("(also undefined: ${p1} at 2:1, ${p2} at 3:1, ${p3} at 4:1, ${p4} at 5:1, ${p5} at 6:1, "
                         "and 4 more)"),
            std::string::npos)
      << message;
}

TEST(Placeholders, UnclosedPrefixIsAnError) {
  // Flyway would read the rest of the file as the name and fail on it (or crash when nothing is
  // left); a lone "${" in a PL/pgSQL body therefore needs replacement turned off.
  const InputError e = error_of("CREATE FUNCTION f() RETURNS text AS $$\nBEGIN\n  RETURN '${';\nEND $$ LANGUAGE plpgsql;\n",
                                with({}));
  EXPECT_EQ(std::string(e.what()), "placeholder prefix ${ is never closed: no } follows it in the file");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 11);
  EXPECT_EQ(error_of("SELECT 1; ${", with({})).column, 11);
  EXPECT_EQ(error_of("${x", with({{"x", "1"}, {"", "2"}})).line, 1);

  // A "${" closed lines later takes all that text as its name.
  const InputError far = error_of("SELECT format('${', x);\nSELECT '}';", with({}));
  EXPECT_EQ(std::string(far.what()),
            "no value provided for placeholder ${', x);\\nSELECT '}: the name runs over a line break to the next "
            "} at 2:9");
  EXPECT_EQ(far.line, 1);
  EXPECT_EQ(far.column, 16);

  // A stray suffix without a prefix is just text.
  EXPECT_EQ(run("SELECT '}' , '{}', '$'", with({})), "SELECT '}' , '{}', '$'");
}

TEST(Placeholders, DisabledReplacementLeavesTextAlone) {
  PlaceholderSettings s = with({{"x", "X"}});
  s.enabled = false;
  const std::string text = "${x} ${undefined} ${flyway:filename} ${";
  EXPECT_EQ(run(text, s), text);
  s.prefix.clear();
  EXPECT_EQ(run(text, s), text);
  s.enabled = true;
  EXPECT_THROW(run(text, s), strata::ConfigError);
  s.prefix = "${";
  s.suffix.clear();
  EXPECT_THROW(run("no placeholder here", s), strata::ConfigError);
}

TEST(Placeholders, BuiltinsHaveFlywaysNamesAndFormats) {
  ScopedTz utc("UTC");
  const auto b = builtin_placeholders("app", "alice", "shop", "flyway_schema_history", "prod", "/srv/db", kNow);
  const std::map<std::string, std::string> expected{
      {"flyway:defaultSchema", "app"},     {"flyway:user", "alice"},
      {"flyway:database", "shop"},         {"flyway:timestamp", "2024-02-29 13:05:09"},
      {"flyway:workingDirectory", "/srv/db"}, {"flyway:table", "flyway_schema_history"},
      {"flyway:environment", "prod"}};
  EXPECT_EQ(b, expected);

  // Unknown schema or database are left out; the environment defaults to "default".
  const auto sparse = builtin_placeholders("", "", "", "hist", "", "/", kNow);
  EXPECT_EQ(sparse.count("flyway:defaultSchema"), 0u);
  EXPECT_EQ(sparse.count("flyway:database"), 0u);
  EXPECT_EQ(sparse.at("flyway:user"), "");
  EXPECT_EQ(sparse.at("flyway:environment"), "default");
  EXPECT_EQ(sparse.at("flyway:table"), "hist");
}

TEST(Placeholders, TimestampIsLocalTime) {
  {
    ScopedTz india("IST-5:30");
    EXPECT_EQ(builtin_placeholders("", "", "", "t", "", "/", kNow).at("flyway:timestamp"), "2024-02-29 18:35:09");
  }
  {
    ScopedTz west("XYZ+10");
    EXPECT_EQ(builtin_placeholders("", "", "", "t", "", "/", kNow).at("flyway:timestamp"), "2024-02-29 03:05:09");
  }
}

TEST(Placeholders, FilenameIsPerFileAndBuiltinsWinOverUserValues) {
  ScopedTz utc("UTC");
  PlaceholderSettings s = with({{"flyway:user", "mallory"}, {"FLYWAY:FILENAME", "spoofed"}, {"flyway:extra", "e"}});
  s.builtins = builtin_placeholders("app", "alice", "shop", "flyway_schema_history", "", "/srv", kNow);
  const std::string text =
      "${flyway:filename}|${flyway:user}|${flyway:defaultSchema}|${flyway:database}|${flyway:timestamp}|"
      "${flyway:workingDirectory}|${flyway:table}|${flyway:environment}|${flyway:extra}";
  EXPECT_EQ(replace_placeholders(text, s, "R__views.sql", "sql/R__views.sql"),
            "R__views.sql|alice|app|shop|2024-02-29 13:05:09|/srv|flyway_schema_history|default|e");
  EXPECT_EQ(replace_placeholders("${flyway:filename}", s, "V7__other.sql", "sql/V7__other.sql"), "V7__other.sql");

  // Everything in `values` works as well, for callers that keep one map.
  PlaceholderSettings one = with(builtin_placeholders("app", "alice", "shop", "t", "", "/", kNow));
  EXPECT_EQ(run("${flyway:user}@${flyway:database}", one), "alice@shop");
}

TEST(Placeholders, MissingOrUnknownBuiltins) {
  PlaceholderSettings s;
  s.builtins = builtin_placeholders("", "alice", "", "t", "", "/", kNow);
  EXPECT_EQ(std::string(error_of("${flyway:defaultSchema}", s).what()),
            "no value for built-in placeholder ${flyway:defaultSchema}: strata could not determine it (set "
            "defaultSchema or schemas)");
  EXPECT_EQ(std::string(error_of("${flyway:database}", s).what()),
            "no value for built-in placeholder ${flyway:database}: strata could not determine it");
  EXPECT_EQ(std::string(error_of("  ${flyway:nope}", s).what()),
            "unknown built-in placeholder ${flyway:nope}; the built-ins are flyway:defaultSchema, flyway:user, "
            "flyway:database, flyway:timestamp, flyway:filename, flyway:workingDirectory, flyway:table, "
            "flyway:environment");
  EXPECT_EQ(error_of("  ${flyway:nope}", s).column, 3);
}

TEST(Placeholders, LargeTexts) {
  const std::string plain(1 << 20, 'x');
  EXPECT_EQ(run(plain, with({})), plain);
  const std::string dollars(1 << 20, '$');  // every '$' a partial prefix: still one pass
  EXPECT_EQ(run(dollars, with({})), dollars);

  std::string text, expected;
  for (int i = 0; i < 20000; ++i) {
    text += "INSERT INTO ${schema}.t VALUES (" + std::to_string(i) + ", '${v}');\n";
    expected += "INSERT INTO tenant_schema.t VALUES (" + std::to_string(i) + ", '');\n";
  }
  EXPECT_EQ(run(text, with({{"schema", "tenant_schema"}, {"v", ""}})), expected);
}

TEST(PlaceholderChecksums, VersionedUseRawTextRepeatablesTheReplacedText) {
  const auto s = with({{"n", "1"}});
  const std::string text = "SELECT ${n};\n";
  const std::int32_t raw = flyway_checksum(text);
  ASSERT_NE(raw, 78787420);

  const auto v = migration_checksums(MigrationKind::Versioned, text, s, "V1__a.sql", "V1__a.sql");
  EXPECT_EQ(v.checksum, raw);
  EXPECT_FALSE(v.equivalent_checksum.has_value());

  // "SELECT 1;" is 78787420 (see checksum_test), so the repeatable's checksum is that.
  const auto r = migration_checksums(MigrationKind::Repeatable, text, s, "R__a.sql", "R__a.sql");
  EXPECT_EQ(r.checksum, 78787420);
  EXPECT_EQ(r.equivalent_checksum, raw);
  // The BOM is dropped after replacement, as Flyway's checksum reader does.
  EXPECT_EQ(migration_checksums(MigrationKind::Repeatable, "\xEF\xBB\xBFSELECT ${N};", s, "R__a.sql", "R__a.sql")
                .checksum,
            78787420);

  // A new value makes a new checksum, which is what re-runs a repeatable.
  const auto r2 = migration_checksums(MigrationKind::Repeatable, text, with({{"n", "2"}}), "R__a.sql", "R__a.sql");
  EXPECT_EQ(r2.checksum, flyway_checksum("SELECT 2;"));
  EXPECT_EQ(r2.equivalent_checksum, raw);
  // So does the file name, through ${flyway:filename}.
  const std::string named = "-- ${flyway:filename}\nSELECT 1;\n";
  EXPECT_EQ(migration_checksums(MigrationKind::Repeatable, named, s, "R__b.sql", "x").checksum,
            flyway_checksum("-- R__b.sql\nSELECT 1;\n"));

  // Replacement off: raw text, and still an equivalent checksum for repeatables.
  PlaceholderSettings off = s;
  off.enabled = false;
  const auto r3 = migration_checksums(MigrationKind::Repeatable, text, off, "R__a.sql", "R__a.sql");
  EXPECT_EQ(r3.checksum, raw);
  EXPECT_EQ(r3.equivalent_checksum, raw);
}

TEST(PlaceholderChecksums, UndefinedPlaceholderFailsOnlyRepeatables) {
  const std::string text = "SELECT 1;\nSELECT ${missing};\n";
  EXPECT_EQ(migration_checksums(MigrationKind::Versioned, text, with({}), "V1__a.sql", "V1__a.sql").checksum,
            flyway_checksum(text));
  try {
    migration_checksums(MigrationKind::Repeatable, text, with({}), "R__a.sql", "db/R__a.sql");
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file, "db/R__a.sql");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 8);
  }
}

TEST(Placeholders, SplicesTellWhereEachValueWentSoPositionsMapBackToTheFile) {
  const std::string text = "-- ${multi}\nSELECT ${t}.id FROM ${t} JOIN nosuch ON true;\n";
  std::vector<strata::Splice> splices;
  const std::string out = replace_placeholders(text, with({{"multi", "a\nb\nc"}, {"t", "a_long_table_name"}}),
                                               "V1__x.sql", "V1__x.sql", &splices);
  ASSERT_EQ(splices.size(), 3u);
  EXPECT_EQ(text.substr(splices[0].raw_begin, splices[0].raw_end - splices[0].raw_begin), "${multi}");
  EXPECT_EQ(out.substr(splices[2].out_begin, splices[2].out_end - splices[2].out_begin), "a_long_table_name");
  EXPECT_EQ(strata::original_offset(splices, out.find("nosuch")), text.find("nosuch"));
  EXPECT_EQ(strata::original_offset(splices, out.find("b\nc")), text.find("${multi}"));
  // Nothing replaced, nothing listed.
  replace_placeholders("SELECT 1;", with({}), "V1__x.sql", "V1__x.sql", &splices);
  EXPECT_TRUE(splices.empty());
}
