// The index a concurrent build names, from the statement's parse tree: what a re-run looks for
// after a killed run of a migration outside a transaction.
#include <gtest/gtest.h>

#include "strata/concurrent_index.hpp"

namespace strata {
namespace {

using Kind = ConcurrentIndexTarget::Kind;

TEST(ConcurrentIndexTarget, CreateIndexConcurrentlyNamesTheIndexAndItsTable) {
  const auto t = concurrent_index_target("CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_a ON orders (a)");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, Kind::Create);
  EXPECT_EQ(t->schema, "");
  EXPECT_EQ(t->relation, "orders");
  EXPECT_EQ(t->index, "idx_a");
}

TEST(ConcurrentIndexTarget, NamesAreReadAsTheServerFoldsThem) {
  const auto t = concurrent_index_target(
      "/* lead */ create unique index concurrently \"Idx Mixed\" on Sales.\"Order Lines\" using btree (x)");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->schema, "sales");
  EXPECT_EQ(t->relation, "Order Lines");
  EXPECT_EQ(t->index, "Idx Mixed");
}

TEST(ConcurrentIndexTarget, ReindexConcurrentlyOfAnIndexOrATable) {
  const auto index = concurrent_index_target("REINDEX INDEX CONCURRENTLY app.idx_a");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->kind, Kind::ReindexIndex);
  EXPECT_EQ(index->schema, "app");
  EXPECT_EQ(index->relation, "idx_a");
  const auto table = concurrent_index_target("REINDEX (VERBOSE, CONCURRENTLY) TABLE orders");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->kind, Kind::ReindexTable);
  EXPECT_EQ(table->relation, "orders");
}

TEST(ConcurrentIndexTarget, NothingForOtherStatements) {
  for (const char* sql : {"CREATE INDEX idx_a ON orders (a)",             // in a transaction: rolled back whole
                          "CREATE INDEX CONCURRENTLY ON orders (a)",      // the server picks the name
                          "REINDEX INDEX idx_a",                          // not concurrent
                          "REINDEX (CONCURRENTLY false) INDEX idx_a",     // turned off
                          "REINDEX SCHEMA CONCURRENTLY app",              // too wide to tell
                          "DROP INDEX CONCURRENTLY idx_a",
                          "CREATE TABLE orders (a int)",
                          "CREATE INDEX CONCURRENTLY idx_a ON",           // the parser rejects it
                          "SELECT 'CREATE INDEX CONCURRENTLY i ON t (a)'"}) {
    EXPECT_FALSE(concurrent_index_target(sql)) << sql;
  }
}

}  // namespace
}  // namespace strata
