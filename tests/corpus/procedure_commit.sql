CREATE TABLE ledger (n int);
CREATE PROCEDURE fill_ledger() LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger VALUES (1);
  ROLLBACK;
  INSERT INTO ledger VALUES (2);
  COMMIT;
END
$$;
CALL fill_ledger();
