CREATE TABLE events (id bigint, kind text);
INSERT INTO events SELECT g, 'k' || (g % 7) FROM generate_series(1, 100) g;
CREATE INDEX CONCURRENTLY events_kind ON events (kind);
ANALYZE events;
