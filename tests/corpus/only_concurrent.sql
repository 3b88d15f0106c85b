-- Every statement refuses a transaction block: the file runs statement by statement.
CREATE INDEX CONCURRENTLY IF NOT EXISTS am_name ON missing_table (amname);
VACUUM (ANALYZE) pg_catalog.pg_am;
