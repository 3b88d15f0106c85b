// clean against a real PostgreSQL 15: what goes, what stays, and that a failed clean changes nothing.
#include "strata/clean.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "harness.hpp"
#include "strata/error.hpp"
#include "strata/history.hpp"

namespace strata::test {
namespace {

// Everything that lives in `schema`, as DROP SCHEMA would see it (extension members included).
std::string objects_in(TestDatabase& db, const std::string& schema) {
  return db.scalar(
      "SELECT count(*) FROM pg_depend d JOIN pg_namespace n ON d.refclassid = 'pg_namespace'::regclass "
      "AND d.refobjid = n.oid WHERE n.nspname = $1",
      {schema});
}

// What is left in `schema` that no extension owns: relations, types (arrays and row types too),
// routines, operators, collations.
std::string own_objects_in(TestDatabase& db, const std::string& schema) {
  return db.scalar(
      "WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = $1),"
      " ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e')"
      " SELECT (SELECT count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM s)"
      "          AND oid NOT IN (SELECT objid FROM ext))"
      "      + (SELECT count(*) FROM pg_type t WHERE typnamespace IN (SELECT oid FROM s)"
      "          AND oid NOT IN (SELECT objid FROM ext) AND NOT EXISTS (SELECT 1 FROM pg_type e"
      "          WHERE e.typarray = t.oid AND e.oid IN (SELECT objid FROM ext)))"
      "      + (SELECT count(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM s)"
      "          AND oid NOT IN (SELECT objid FROM ext))"
      "      + (SELECT count(*) FROM pg_operator WHERE oprnamespace IN (SELECT oid FROM s)"
      "          AND oid NOT IN (SELECT objid FROM ext))"
      "      + (SELECT count(*) FROM pg_collation WHERE collnamespace IN (SELECT oid FROM s))",
      {schema});
}

bool schema_exists(TestDatabase& db, const std::string& schema) {
  return db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = $1", {schema}) == "1";
}

// A role of its own for one test; gone again before the test's database is.
class TestRole {
 public:
  // Tests run in processes of their own, so the pid keeps concurrent tests' roles apart.
  TestRole(Session& session, const std::string& tag)
      : session_(session), name_("strata_clean_" + tag + "_" + std::to_string(::getpid())) {
    session_.exec("CREATE ROLE " + quote_ident(name_));
  }
  ~TestRole() {
    session_.exec_cleanup("RESET ROLE");
    session_.exec_cleanup("DROP OWNED BY " + quote_ident(name_) + " CASCADE");
    session_.exec_cleanup("DROP ROLE IF EXISTS " + quote_ident(name_));
  }
  std::string quoted() const { return quote_ident(name_); }
  const std::string& name() const { return name_; }

 private:
  Session& session_;
  std::string name_;
};

bool extension_available(TestDatabase& db, const std::string& name) {
  return db.scalar("SELECT count(*) FROM pg_available_extensions WHERE name = $1", {name}) == "1";
}

TEST(Clean, EveryKindOfObjectGoesAndTheSchemaStays) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE SCHEMA \"App Data\"");
  HistoryTable history(s, TableName{"App Data", "flyway_schema_history"});
  history.create();
  s.exec(R"sql(
    SET search_path = "App Data";
    CREATE TABLE customer (id serial PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY, email text UNIQUE);
    CREATE INDEX customer_email ON customer (lower(email));
    CREATE TABLE "Order ""Lines""" (id bigint PRIMARY KEY, customer int REFERENCES customer);
    CREATE TABLE measurement (at date, v int) PARTITION BY RANGE (at);
    CREATE TABLE measurement_2024 PARTITION OF measurement FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE measurement_2025 PARTITION OF measurement FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
      PARTITION BY LIST (v);
    CREATE TABLE measurement_2025_1 PARTITION OF measurement_2025 FOR VALUES IN (1);
    CREATE INDEX ON measurement (v);
    CREATE TABLE parent (id int);
    CREATE TABLE child () INHERITS (parent);
    CREATE FOREIGN DATA WRAPPER clean_test_fdw;
    CREATE SERVER clean_test_server FOREIGN DATA WRAPPER clean_test_fdw;
    CREATE FOREIGN TABLE remote (id int) SERVER clean_test_server;
    CREATE VIEW customer_emails AS SELECT email FROM customer;
    CREATE VIEW "Emails Again" AS SELECT * FROM customer_emails;
    CREATE MATERIALIZED VIEW customer_count AS SELECT count(*) FROM customer;
    CREATE SEQUENCE invoice_no;
    CREATE TYPE mood AS ENUM ('ok', 'meh');
    CREATE TYPE "Address" AS (street text, city text);
    CREATE TYPE price_range AS RANGE (subtype = numeric);
    CREATE DOMAIN positive AS int CHECK (VALUE > 0);
    CREATE DOMAIN small_positive AS positive CHECK (VALUE < 10);
    CREATE TABLE typed (m mood, a "Address", r price_range, p small_positive);
    CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2';
    CREATE FUNCTION twice(text) RETURNS text LANGUAGE sql AS 'SELECT $1 || $1';
    CREATE FUNCTION "Twice"(m mood, a "Address") RETURNS int LANGUAGE sql AS 'SELECT 2';
    CREATE FUNCTION of_customer(c customer) RETURNS int LANGUAGE sql AS 'SELECT c.id';
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
    CREATE TRIGGER touch BEFORE UPDATE ON customer FOR EACH ROW EXECUTE FUNCTION touch();
    CREATE PROCEDURE archive(int) LANGUAGE sql AS 'SELECT 1';
    CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int);
    CREATE AGGREGATE middle(float8 ORDER BY int) (sfunc = ordered_set_transition, stype = internal,
      finalfunc = percentile_disc_final, finalfunc_extra);
    CREATE OPERATOR === (leftarg = int, rightarg = int, function = int4eq);
    CREATE OPERATOR FAMILY fam USING btree;
    CREATE OPERATOR CLASS int_hash FOR TYPE int USING hash AS OPERATOR 1 =;
    CREATE COLLATION plain (locale = 'C');
    CREATE CONVERSION latin_up FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
    CREATE STATISTICS customer_stats ON id, email FROM customer;
    CREATE TEXT SEARCH DICTIONARY dict (TEMPLATE = simple);
    CREATE TEXT SEARCH CONFIGURATION search (COPY = english);
    RESET search_path;
  )sql");
  ASSERT_NE(own_objects_in(db, "App Data"), "0");

  CleanResult r = clean_schemas(s, {"App Data"}, {});

  EXPECT_EQ(r.cleaned_schemas, std::vector<std::string>{"App Data"});
  EXPECT_TRUE(r.dropped_schemas.empty());
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_GT(r.objects_dropped, 30);
  EXPECT_TRUE(schema_exists(db, "App Data"));
  EXPECT_EQ(objects_in(db, "App Data"), "0");
  EXPECT_EQ(own_objects_in(db, "App Data"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace "
                      "WHERE n.nspname = 'App Data'"),
            "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace "
                      "WHERE n.nspname = 'App Data'"),
            "0");
  EXPECT_FALSE(history.exists());
  // The foreign server lives outside any schema: not clean's to drop.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_foreign_server WHERE srvname = 'clean_test_server'"), "1");
}

TEST(Clean, ASecondCleanOfAnEmptySchemaDropsNothing) {
  TestDatabase db;
  db.session().exec("CREATE SCHEMA app; CREATE TABLE app.t (id int)");
  EXPECT_EQ(clean_schemas(db.session(), {"app"}, {}).objects_dropped, 1);
  CleanResult again = clean_schemas(db.session(), {"app"}, {});
  EXPECT_EQ(again.objects_dropped, 0);
  EXPECT_EQ(again.cleaned_schemas, std::vector<std::string>{"app"});
}

TEST(Clean, SchemasStrataCreatedAreDroppedTheOthersEmptied) {
  TestDatabase db;
  Session& s = db.session();
  s.exec("CREATE SCHEMA existing; CREATE TABLE existing.kept_schema_table (id int)");
  HistoryTable history(s, TableName{"app", "flyway_schema_history"});
  history.create({"app", "existing", "Audit Log"});
  s.exec("CREATE TABLE app.t (id int); CREATE TABLE \"Audit Log\".entry (id int)");

  std::vector<std::string> created = created_schemas(history.load());
  EXPECT_EQ(created, (std::vector<std::string>{"app", "Audit Log"}));

  CleanResult r = clean_schemas(s, {"app", "existing", "Audit Log"}, created);

  EXPECT_EQ(r.dropped_schemas, (std::vector<std::string>{"app", "Audit Log"}));
  EXPECT_EQ(r.cleaned_schemas, std::vector<std::string>{"existing"});
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_FALSE(schema_exists(db, "app"));
  EXPECT_FALSE(schema_exists(db, "Audit Log"));
  EXPECT_TRUE(schema_exists(db, "existing"));
  EXPECT_EQ(objects_in(db, "existing"), "0");
}

TEST(Clean, ACreatedSchemaOutsideTheCleanedOnesIsLeftAlone) {
  TestDatabase db;
  db.session().exec("CREATE SCHEMA app; CREATE SCHEMA other; CREATE TABLE other.t (id int)");
  CleanResult r = clean_schemas(db.session(), {"app"}, {"other"});
  EXPECT_EQ(r.cleaned_schemas, std::vector<std::string>{"app"});
  EXPECT_TRUE(r.dropped_schemas.empty());
  EXPECT_EQ(db.scalar("SELECT to_regclass('other.t') IS NOT NULL"), "t");
}

TEST(Clean, UnknownSchemaIsWarnedAboutAndTheRestCleaned) {
  TestDatabase db;
  db.session().exec("CREATE SCHEMA app; CREATE TABLE app.t (id int)");
  CleanResult r = clean_schemas(db.session(), {"nope", "app", "app", "Gone Too"}, {"Gone Too"});
  EXPECT_EQ(r.warnings, (std::vector<std::string>{"Unable to clean unknown schema: \"nope\"",
                                                  "Unable to clean unknown schema: \"Gone Too\""}));
  EXPECT_EQ(r.cleaned_schemas, std::vector<std::string>{"app"});
  EXPECT_TRUE(r.dropped_schemas.empty());
  EXPECT_EQ(objects_in(db, "app"), "0");
}

TEST(Clean, ViewsAcrossTwoCleanedSchemasInEitherOrder) {
  for (const auto& order : {std::vector<std::string>{"a", "b"}, std::vector<std::string>{"b", "a"}}) {
    TestDatabase db;
    db.session().exec(R"sql(
      CREATE SCHEMA a; CREATE SCHEMA b;
      CREATE TABLE a.t (id int PRIMARY KEY);
      CREATE TABLE b.t (id int REFERENCES a.t);
      CREATE VIEW b.over_a AS SELECT id FROM a.t;
      CREATE VIEW a.over_b AS SELECT id FROM b.t;
      CREATE VIEW a.over_both AS SELECT x.id FROM b.over_a x JOIN a.over_b y USING (id);
      CREATE TYPE a.kind AS ENUM ('x');
      CREATE FUNCTION b.f(a.kind) RETURNS int LANGUAGE sql AS 'SELECT 1';
    )sql");
    CleanResult r = clean_schemas(db.session(), order, {});
    EXPECT_EQ(r.cleaned_schemas, order);
    EXPECT_EQ(objects_in(db, "a"), "0");
    EXPECT_EQ(objects_in(db, "b"), "0");
  }
}

TEST(Clean, DependentsOutsideTheCleanedSchemasCascadeAsFlywaysDo) {
  TestDatabase db;
  db.session().exec(R"sql(
    CREATE SCHEMA app; CREATE SCHEMA other;
    CREATE TABLE app.t (id int PRIMARY KEY);
    CREATE VIEW other.over_app AS SELECT id FROM app.t;
    CREATE TABLE other.refs (id int, app_id int REFERENCES app.t);
    CREATE TABLE other.parent (id int) PARTITION BY LIST (id);
    CREATE TABLE app.part PARTITION OF other.parent FOR VALUES IN (1);
    CREATE TABLE other.own (x int);
    CREATE VIEW app.over_other AS SELECT x FROM other.own;
  )sql");
  clean_schemas(db.session(), {"app"}, {});
  EXPECT_EQ(objects_in(db, "app"), "0");
  // Flyway drops with CASCADE: a view over a dropped table goes, a foreign key to it goes.
  EXPECT_EQ(db.scalar("SELECT to_regclass('other.over_app') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'other.refs'::regclass AND contype = 'f'"),
            "0");
  // What the cleaned schema merely used is untouched; a partition in it is dropped, its parent kept.
  EXPECT_EQ(db.scalar("SELECT to_regclass('other.refs') IS NOT NULL AND to_regclass('other.own') IS NOT NULL "
                      "AND to_regclass('other.parent') IS NOT NULL"),
            "t");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'other.parent'::regclass"), "0");
}

TEST(Clean, SameNamesInAnotherSchemaOnTheSearchPathSurvive) {
  TestDatabase db;
  Session& s = db.session();
  s.exec(R"sql(
    CREATE SCHEMA app;
    CREATE TABLE public.t (id int); CREATE TABLE app.t (id int);
    CREATE FUNCTION public.f(int) RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql AS 'SELECT 2';
    CREATE FUNCTION app.f(text) RETURNS int LANGUAGE sql AS 'SELECT 3';
    CREATE TYPE public.kind AS ENUM ('p'); CREATE TYPE app.kind AS ENUM ('a');
    CREATE FUNCTION public.g(app.kind) RETURNS int LANGUAGE sql AS 'SELECT 4';
    SET search_path = public, app;
  )sql");
  clean_schemas(s, {"app"}, {});
  EXPECT_EQ(objects_in(db, "app"), "0");
  EXPECT_EQ(db.scalar("SELECT string_agg(p.oid::regprocedure::text, ',' ORDER BY 1) FROM pg_proc p "
                      "WHERE pronamespace = 'public'::regnamespace"),
            "f(integer)");
  EXPECT_EQ(db.scalar("SELECT to_regclass('public.t') IS NOT NULL AND to_regtype('public.kind') IS NOT NULL"), "t");
  // The session's own settings are back once the clean is over.
  EXPECT_EQ(db.scalar("SHOW search_path"), "public, app");
  EXPECT_EQ(db.scalar("SHOW client_min_messages"), "notice");
}

TEST(Clean, ALockTimeoutMidWayLeavesEverythingAsItWas) {
  TestDatabase db;
  Session& s = db.session();
  s.exec(R"sql(
    CREATE SCHEMA app; CREATE SCHEMA made;
    CREATE TABLE made.t (id int);
    CREATE TABLE app.busy (id int);
    CREATE VIEW app.v AS SELECT 1 AS one;
    CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS one;
    CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
  )sql");
  const std::string before = objects_in(db, "app");
  // Another session reads app.busy: the DROP TABLE (after the views and the created schema are
  // already gone inside the clean's transaction) waits, then gives up.
  Session reader(db.settings());
  reader.exec("BEGIN; LOCK TABLE app.busy IN ACCESS SHARE MODE");
  s.exec("SET lock_timeout = '200ms'");
  try {
    clean_schemas(s, {"made", "app"}, {"made"});
    FAIL() << "clean should have timed out on the lock";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.sqlstate, "55P03");
    EXPECT_NE(std::string(e.what()).find("cannot clean schemas \"made\", \"app\""), std::string::npos) << e.what();
  }
  reader.exec("ROLLBACK");
  s.exec("RESET lock_timeout");
  EXPECT_EQ(objects_in(db, "app"), before);
  EXPECT_EQ(db.scalar("SELECT to_regclass('app.v') IS NOT NULL AND to_regclass('app.mv') IS NOT NULL "
                      "AND to_regclass('made.t') IS NOT NULL"),
            "t");
  // The session is usable again, outside any transaction (where SAVEPOINT is refused).
  try {
    s.exec("SAVEPOINT probe");
    ADD_FAILURE() << "the clean's transaction is still open";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.sqlstate, "25P01");
  }

  CleanResult r = clean_schemas(s, {"made", "app"}, {"made"});
  EXPECT_EQ(r.dropped_schemas, std::vector<std::string>{"made"});
  EXPECT_EQ(objects_in(db, "app"), "0");
}

TEST(Clean, AnObjectTheUserMayNotDropFailsTheWholeClean) {
  TestDatabase db;
  Session& s = db.session();
  TestRole role(s, "owner");
  // A schema's owner may drop anything in it, so the role only gets to create in this one.
  s.exec("CREATE SCHEMA app; GRANT USAGE, CREATE ON SCHEMA app TO " + role.quoted() +
         "; CREATE TABLE app.theirs (id int)");
  s.exec("SET ROLE " + role.quoted() + "; CREATE TABLE app.mine (id int); CREATE VIEW app.v AS SELECT 1 AS one");
  try {
    clean_schemas(s, {"app"}, {});
    FAIL() << "clean should have been refused";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.sqlstate, "42501");
  }
  s.exec("RESET ROLE");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind IN ('r', 'v')"),
            "3");
}

TEST(Clean, ACreatedSchemaTheUserMayNotDropIsEmptiedInstead) {
  TestDatabase db;
  Session& s = db.session();
  TestRole role(s, "user");
  // Owned by the superuser, filled by the role: the role can empty it but not drop it.
  s.exec("CREATE SCHEMA app; GRANT USAGE, CREATE ON SCHEMA app TO " + role.quoted());
  s.exec("SET ROLE " + role.quoted() + "; CREATE TABLE app.t (id int); CREATE SEQUENCE app.s");
  CleanResult r = clean_schemas(s, {"app"}, {"app"});
  s.exec("RESET ROLE");
  EXPECT_TRUE(r.dropped_schemas.empty());
  EXPECT_EQ(r.cleaned_schemas, std::vector<std::string>{"app"});
  EXPECT_EQ(r.warnings, std::vector<std::string>{"Unable to drop schema \"app\". It was cleaned instead."});
  EXPECT_TRUE(schema_exists(db, "app"));
  EXPECT_EQ(objects_in(db, "app"), "0");
}

TEST(Clean, ExtensionsTheUserOwnsAreDroppedWithTheirObjectsOthersStay) {
  TestDatabase db;
  if (!extension_available(db, "citext") || !extension_available(db, "pg_trgm")) {
    GTEST_SKIP() << "citext or pg_trgm not installed (postgresql-contrib)";
  }
  Session& s = db.session();
  TestRole role(s, "ext");
  s.exec("CREATE SCHEMA app; GRANT USAGE, CREATE ON SCHEMA app TO " + role.quoted() +
         "; GRANT CREATE ON DATABASE " + quote_ident(db.name()) + " TO " + role.quoted());
  s.exec("CREATE EXTENSION citext SCHEMA app");
  // pg_trgm is trusted: a plain role may install it, and then owns it.
  s.exec("SET ROLE " + role.quoted() + "; CREATE EXTENSION pg_trgm SCHEMA app; RESET ROLE");
  s.exec(R"sql(
    CREATE TABLE app.users (name app.citext);
    CREATE INDEX users_trgm ON app.users USING gin ((name::text) app.gin_trgm_ops);
    CREATE FUNCTION app.norm(app.citext) RETURNS text LANGUAGE sql AS 'SELECT lower($1::text)';
    CREATE EXTENSION hstore;
    CREATE TABLE app.uses_public (h public.hstore);
  )sql");

  CleanResult r = clean_schemas(s, {"app"}, {});

  EXPECT_EQ(r.cleaned_schemas, std::vector<std::string>{"app"});
  EXPECT_EQ(db.scalar("SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'"),
            "hstore,pg_trgm");
  EXPECT_EQ(own_objects_in(db, "app"), "0");
  // Only pg_trgm's members are left, as Flyway leaves extensions it does not own.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_depend d WHERE d.refclassid = 'pg_namespace'::regclass "
                      "AND d.refobjid = 'app'::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_depend e "
                      "WHERE e.objid = d.objid AND e.deptype = 'e' AND e.refobjid = "
                      "(SELECT oid FROM pg_extension WHERE extname = 'pg_trgm')) "
                      "AND d.objid <> (SELECT oid FROM pg_extension WHERE extname = 'pg_trgm')"),
            "0");
}

TEST(Clean, ExtensionsInACreatedSchemaGoWithIt) {
  TestDatabase db;
  if (!extension_available(db, "citext")) GTEST_SKIP() << "citext not installed (postgresql-contrib)";
  db.session().exec("CREATE SCHEMA app; CREATE EXTENSION citext SCHEMA app; CREATE TABLE app.t (c app.citext)");
  CleanResult r = clean_schemas(db.session(), {"app"}, {"app"});
  EXPECT_EQ(r.dropped_schemas, std::vector<std::string>{"app"});
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'citext'"), "0");
}

}  // namespace
}  // namespace strata::test
