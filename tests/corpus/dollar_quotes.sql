-- Semicolons everywhere a naive splitter would cut; one statement each.
CREATE TABLE notes (id int PRIMARY KEY, body text DEFAULT 'a;b');
/* a block comment; /* nested; */ still a comment; */
CREATE FUNCTION note_count() RETURNS bigint LANGUAGE plpgsql AS $fn$
BEGIN
  -- $$ inside this body is text; so is this ;
  RETURN (SELECT count(*) FROM notes WHERE body <> $$;$$);
END
$fn$;
INSERT INTO notes VALUES (1, E'it''s; \'escaped\'');
INSERT INTO notes VALUES (2, U&'d\0061t\+000061;');
CREATE FUNCTION note_body(i int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT body FROM notes WHERE id = i;
END;
