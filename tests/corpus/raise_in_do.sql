CREATE TABLE limits (n int);
INSERT INTO limits VALUES (5);
DO $body$
DECLARE
  total int;
BEGIN
  SELECT sum(n) INTO total FROM limits;
  IF total > 3 THEN
    RAISE EXCEPTION 'total % is over the limit', total;
  END IF;
END
$body$;
