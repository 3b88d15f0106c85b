CREATE TABLE batches (n int);

-- Fills the table in batches, committing after each: allowed only outside a transaction block.
DO $$
DECLARE
  i int;
BEGIN
  FOR i IN 1..3 LOOP
    INSERT INTO batches VALUES (i);
    COMMIT;
  END LOOP;
END
$$;
