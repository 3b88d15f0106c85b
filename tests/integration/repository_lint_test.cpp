// Checks of this repository's own files against the lint: every rule has its page in
// docs/lint.md, and the shipped migrations and the script corpus are clean. They need no database
// but read the checkout, so they run with the integration tests rather than in the image's build
// stage, which holds only what the build needs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/lint.hpp"

namespace strata {
namespace {

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RepositoryLint, EveryRuleHasItsSectionInTheDocs) {
  const std::string docs = file_text(std::filesystem::path(STRATA_SOURCE_DIR) / "docs/lint.md");
  for (const LintRuleDoc& doc : lint_rules())
    EXPECT_NE(docs.find("### " + std::string(doc.id) + " (" + std::string(severity_name(doc.severity)) + ")\n"),
              std::string::npos)
        << doc.id;
}

// The repository's own migrations, in the order they run (V1, V1.1, V2, then the repeatable),
// and the script corpus: nothing unsafe but one justified finding. V1.1 builds an index without
// CONCURRENTLY on customer_order, which V1 of the same first release created, so the table was
// empty when it ran; the file is applied wherever strata was deployed, and editing an applied
// migration (even to add a suppression comment) would change its checksum there.
TEST(RepositoryLint, ThisRepositorysMigrationsAndCorpusAreClean) {
  Linter migrations({});
  for (const char* name : {"V1__init.sql", "V1.1__add_index.sql", "V2__order_functions.sql", "R__customer_views.sql"}) {
    const auto path = std::filesystem::path(STRATA_SOURCE_DIR) / "migrations" / name;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    const auto findings = migrations.lint(name, file_text(path));
    if (std::string(name) != "V1.1__add_index.sql") {
      EXPECT_TRUE(findings.empty()) << name << ": " << (findings.empty() ? "" : format_finding(findings.front()));
      continue;
    }
    ASSERT_EQ(findings.size(), 1u) << name;
    EXPECT_EQ(findings.front().rule, "require-concurrent-index-creation");
    EXPECT_EQ(findings.front().line, 1);
  }
  std::vector<std::filesystem::path> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(STRATA_SOURCE_DIR) / "tests/corpus"))
    if (entry.path().extension() == ".sql") corpus.push_back(entry.path());
  ASSERT_FALSE(corpus.empty());
  for (const auto& path : corpus) {
    Linter linter({});
    const auto findings = linter.lint(path.filename().string(), file_text(path));
    EXPECT_TRUE(findings.empty()) << path << ": " << (findings.empty() ? "" : format_finding(findings.front()));
  }
}

}  // namespace
}  // namespace strata
