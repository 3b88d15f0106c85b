// The lock-retry wrapper around the no-transaction strategy: a migration outside a transaction is
// tried again only when its first statement timed out, since nothing of it had run then.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.hpp"
#include "strata/error.hpp"
#include "strata/history.hpp"
#include "strata/lock_safety.hpp"
#include "strata/strategy.hpp"

namespace strata::test {
namespace {

struct BlockedNoTransaction {
  TestDatabase db;
  HistoryTable history{db.session(), {"public", "flyway_schema_history"}};
  LockSafety safety;
  ExecuteOptions options;
  std::unique_ptr<Session> blocker;
  ResolvedMigration m;
  BlockedNoTransaction() {
    history.create();
    db.session().exec("CREATE TABLE t (a int)");
    safety.lock_timeout = std::chrono::milliseconds(200);
    safety.retries = 5;
    safety.backoff_base = std::chrono::milliseconds(100);
    safety.connection = db.settings();
    options.installed_by = "tester";
    options.session_reset = timeout_statements(safety);
    options.lock_safety = &safety;
    blocker = std::make_unique<Session>(db.settings());
    blocker->exec("BEGIN");
    blocker->exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
  }
  void apply(const std::string& sql) {
    m.version = Version::parse("2");
    m.description = "outside";
    m.script = m.path = "V2__outside.sql";
    m.checksum = 7;
    m.sql = sql;
    // The cases mix statement kinds on purpose: routing would refuse them, the strategy is under test.
    RoutingOptions routing;
    routing.mixed = true;
    std::vector<PreparedMigration> p = prepare_migrations({&m}, routing);
    p.front().mode = ExecutionMode::NoTransaction;
    const auto strategy = with_lock_retry(no_transaction_strategy(db.session(), history, options), db.session(), &safety);
    strategy->apply(p.front());
  }
};

TEST(LockRetryStrategy, RetriesAMigrationOutsideATransactionWhoseFirstStatementTimedOut) {
  BlockedNoTransaction f;
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    f.blocker->exec("COMMIT");
  });
  EXPECT_NO_THROW(f.apply("CREATE INDEX CONCURRENTLY t_a ON t (a);\nCREATE TABLE side (a int);\n"));
  release.join();
  EXPECT_EQ(f.db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass"), "t");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '2' AND success"), "1");
}

TEST(LockRetryStrategy, DoesNotRetryOneThatTimedOutAfterAStatementRan) {
  BlockedNoTransaction f;
  try {
    f.apply("CREATE TABLE side (a int);\nALTER TABLE t ADD COLUMN b int;\n");
    FAIL() << "the blocked ALTER TABLE went through";
  } catch (const MigrationFailed& e) {
    EXPECT_EQ(e.sqlstate, "55P03");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(std::string(e.what()).find("attempts"), std::string::npos) << e.what();
  }
  f.blocker->exec("ROLLBACK");
  EXPECT_EQ(f.db.scalar("SELECT to_regclass('side') IS NOT NULL"), "t");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM flyway_schema_history WHERE version = '2' AND success"), "0");
}

}  // namespace
}  // namespace strata::test
