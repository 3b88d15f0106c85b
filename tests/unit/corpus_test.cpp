// The SQL corpus without a database: each file splits into the expected statements and is
// routed (or refused at pre-flight, at the expected line) as its expectations row says.
#include <gtest/gtest.h>

#include "../corpus/corpus.hpp"
#include "strata/error.hpp"
#include "strata/strategy.hpp"

namespace strata {
namespace {

std::string mode_name(ExecutionMode mode) {
  switch (mode) {
    case ExecutionMode::InTransaction: return "transactional";
    case ExecutionMode::NoTransaction: return "no-transaction";
    case ExecutionMode::Mixed: return "mixed";
  }
  return "?";
}

TEST(Corpus, EveryFileSplitsAndRoutesAsItsExpectationsSay) {
  const std::vector<test::CorpusCase> cases = test::corpus_cases();
  ASSERT_GE(cases.size(), 10u);
  for (const test::CorpusCase& c : cases) {
    SCOPED_TRACE(c.name());
    ResolvedMigration m;
    m.version = Version::parse("1");
    m.script = "V1__" + c.file;
    m.path = (test::corpus_dir() / c.file).string();
    m.sql = test::read_corpus_file(c.file);
    ASSERT_FALSE(m.sql.empty());
    if (c.has("executeInTransaction=false")) m.execute_in_transaction = false;
    RoutingOptions options;
    options.mixed = c.has("mixed=true");

    EXPECT_EQ(split_statements(m.sql).statements.size(), c.statements);
    if (c.mode == "refused") {
      try {
        prepare_migrations({&m}, options);
        ADD_FAILURE() << "not refused at pre-flight";
      } catch (const InputError& e) {
        EXPECT_EQ(e.line, c.line) << e.what();
        EXPECT_NE(std::string(e.what()).find(m.path.string() + ":" + std::to_string(c.line) + ":"), std::string::npos)
            << e.what();
      }
      continue;
    }
    const std::vector<PreparedMigration> prepared = prepare_migrations({&m}, options);
    ASSERT_EQ(prepared.size(), 1u);
    EXPECT_EQ(mode_name(prepared[0].mode), c.mode);
  }
}

}  // namespace
}  // namespace strata
