// Session's COPY and pipeline primitives against the real server: rows and errors as the server
// gives them, results in order, and a connection that stays usable after every failure.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "strata/error.hpp"

namespace strata::test {
namespace {

TEST(SessionCopyIn, StreamsRowsWithSemicolonsTabsAndBackslashes) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE TABLE t (a int, b text)");
  const std::uint64_t rows = s.copy_in("COPY t (a, b) FROM STDIN", "1\tx;y\n2\tback\\\\slash\n3\t\\N\n");
  EXPECT_EQ(rows, 3u);
  EXPECT_EQ(db.scalar("SELECT string_agg(coalesce(b, 'NULL'), '|' ORDER BY a) FROM t"), "x;y|back\\slash|NULL");
}

TEST(SessionCopyIn, ABadRowIsAnSqlErrorNamingItsLineAndTheSessionGoesOn) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE TABLE t (a int)");
  try {
    s.copy_in("COPY t FROM STDIN", "1\n2\nthree\n4\n");
    FAIL() << "a bad row was accepted";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.sqlstate, "22P02");
    EXPECT_NE(e.context.find("COPY t, line 3"), std::string::npos) << e.context;
  }
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "0");
  s.exec("INSERT INTO t VALUES (5)");
  EXPECT_EQ(db.scalar("SELECT sum(a) FROM t"), "5");
}

TEST(SessionCopyIn, AStatementThatIsNoCopyFromStdinIsRefusedCleanly) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE TABLE t (a int)");
  EXPECT_THROW(s.copy_in("INSERT INTO t VALUES (1)", "2\n"), SqlError);
  EXPECT_THROW(s.copy_in("COPY t TO STDOUT", ""), SqlError);
  EXPECT_THROW(s.copy_in("COPY nowhere FROM STDIN", "1\n"), SqlError);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM t"), "1");
}

TEST(SessionPipeline, ResultsComeBackInTheOrderQueued) {
  TestDatabase db;
  Session& s = db.session();
  s.enter_pipeline();
  EXPECT_TRUE(s.in_pipeline());
  s.queue("CREATE TABLE p (i int)");
  s.queue("INSERT INTO p VALUES ($1), ($2)", {std::string("1"), std::string("2")});
  s.queue("SELECT i FROM p ORDER BY i DESC");
  s.queue("SELECT $1::text IS NULL", {std::nullopt});
  s.sync();
  const PipelineResults r = s.collect();
  s.exit_pipeline();
  ASSERT_TRUE(r.ok()) << r.error->what();
  ASSERT_EQ(r.rows.size(), 4u);
  ASSERT_EQ(r.rows[2].size(), 2u);
  EXPECT_EQ(*r.rows[2][0][0], "2");
  EXPECT_EQ(*r.rows[2][1][0], "1");
  EXPECT_EQ(*r.rows[3][0][0], "t");
  EXPECT_FALSE(s.in_pipeline());
}

TEST(SessionPipeline, AnErrorInTheMiddleSkipsTheRestOfItsGroupAndTheNextGroupRuns) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE TABLE p (i int)");
  s.enter_pipeline();
  s.queue("INSERT INTO p VALUES (1)");
  s.queue("SELECT 1 / 0");
  s.queue("INSERT INTO p VALUES (2)");
  s.sync();
  s.queue("SELECT count(*) FROM p");
  s.sync();
  const PipelineResults failed = s.collect();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(*failed.failed_index, 1u);
  EXPECT_EQ(failed.error->sqlstate, "22012");
  EXPECT_EQ(failed.rows.size(), 1u);
  const PipelineResults next = s.collect();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next.rows[0][0][0], "0");  // the group ran as one implicit transaction, rolled back
  s.exit_pipeline();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM p"), "0");
}

TEST(SessionPipeline, AFailedExplicitTransactionCommitsNothingAndRollsBack) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE TABLE p (i int)");
  s.enter_pipeline();
  for (const char* sql : {"BEGIN", "INSERT INTO p VALUES (1)", "INSERT INTO p VALUES ('x')", "COMMIT"}) s.queue(sql);
  s.sync();
  const PipelineResults r = s.collect();
  s.exit_pipeline();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(*r.failed_index, 2u);
  EXPECT_EQ(r.error->sqlstate, "22P02");
  s.exec("ROLLBACK");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM p"), "0");
}

TEST(SessionPipeline, MisuseIsAnInternalError) {
  TestDatabase db;
  Session& s = db.session();
  EXPECT_THROW(s.queue("SELECT 1"), InternalError);
  s.enter_pipeline();
  EXPECT_THROW(s.collect(), InternalError);
  s.queue("SELECT 1");
  s.sync();
  EXPECT_THROW(s.exit_pipeline(), InternalError);
  EXPECT_TRUE(s.collect().ok());
  s.exit_pipeline();
  s.exec("SELECT 1");
}

TEST(SessionPipeline, AbandonLeavesPipelineModeWithWhateverWasQueuedAndTheSessionGoesOn) {
  TestDatabase db;
  Session& s = db.session();
  s.enter_pipeline();
  s.queue("BEGIN");
  s.queue("CREATE TABLE never (x int)");  // queued, not synced: as when queueing was interrupted
  s.abandon_pipeline();
  EXPECT_FALSE(s.in_pipeline());
  s.exec("ROLLBACK");
  EXPECT_EQ(db.scalar("SELECT to_regclass('never') IS NULL"), "t");
  s.enter_pipeline();
  s.queue("SELECT 1");
  s.sync();  // synced, not collected
  s.abandon_pipeline();
  EXPECT_EQ(s.query("SELECT 2")[0][0], "2");
}

TEST(SessionPreparedStatement, RunsInAPipelineWithItsParameters) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE TABLE t (a int, b text)");
  s.prepare("insert_t", "INSERT INTO t VALUES ($1::integer, $2) RETURNING b");
  s.enter_pipeline();
  s.queue_prepared("insert_t", {"1", "one"});
  s.queue_prepared("insert_t", {"2", std::nullopt});
  s.sync();
  const PipelineResults r = s.collect();
  s.exit_pipeline();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rows[0][0][0], "one");
  EXPECT_EQ(db.scalar("SELECT string_agg(a || '=' || coalesce(b, 'NULL'), ',' ORDER BY a) FROM t"), "1=one,2=NULL");
}

TEST(SessionPreparedStatement, IsPreparedOncePerSessionAndAgainAfterForget) {
  TestDatabase db;
  Session& s = db.session();
  s.prepare("one", "SELECT 1");
  const std::uint64_t start = s.round_trips();
  s.prepare("one", "SELECT 1");  // already there: nothing sent
  EXPECT_EQ(s.round_trips(), start);
  s.prepare("one", "SELECT 2");  // another text under the name: replaced
  EXPECT_EQ(db.scalar("SELECT statement FROM pg_prepared_statements WHERE name = 'one'"), "SELECT 2");
  s.exec("DEALLOCATE ALL");
  s.forget_prepared("one");
  s.prepare("one", "SELECT 2");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_prepared_statements WHERE name = 'one'"), "1");
}

TEST(SessionRoundTrips, CountsEachWaitForTheServerAndOnePerPipelineSync) {
  TestDatabase db;
  Session& s = db.session();
  const std::uint64_t start = s.round_trips();
  s.exec("CREATE TABLE t (a int)");
  s.query("SELECT 1");
  EXPECT_EQ(s.round_trips() - start, 2u);
  s.enter_pipeline();
  for (int i = 0; i < 5; ++i) s.queue("INSERT INTO t VALUES ($1::integer)", {std::to_string(i)});
  s.sync();
  s.collect();
  s.exit_pipeline();
  EXPECT_EQ(s.round_trips() - start, 3u);
  s.copy_in("COPY t FROM STDIN", "7\n");
  EXPECT_EQ(s.round_trips() - start, 5u);
}

TEST(SessionBackendPid, IsTheServerProcessOfThisSession) {
  TestDatabase db;
  EXPECT_EQ(std::to_string(db.session().backend_pid()), db.scalar("SELECT pg_backend_pid()"));
}

}  // namespace
}  // namespace strata::test
