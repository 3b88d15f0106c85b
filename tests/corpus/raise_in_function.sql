CREATE FUNCTION check_positive(v int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  IF v <= 0 THEN
    RAISE EXCEPTION 'value % is not positive', v;
  END IF;
  RETURN v;
END
$$;
SELECT check_positive(1);
SELECT check_positive(-1);
