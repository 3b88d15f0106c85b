/* Business rules live in the database so every client gets them.
   A semicolon inside this comment; does not end a statement. */
CREATE FUNCTION order_total_for(p_customer bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $body$
DECLARE
    total bigint;
BEGIN
    SELECT coalesce(sum(total_cents), 0) INTO total
      FROM customer_order
     WHERE customer_id = p_customer AND status <> 'cancelled';
    RETURN total;
END;
$body$;

CREATE FUNCTION touch_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'shipped' AND OLD.status <> 'paid' THEN
        RAISE EXCEPTION 'order % must be paid before it ships; status was %', NEW.id, OLD.status;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER customer_order_status
    BEFORE UPDATE OF status ON customer_order
    FOR EACH ROW EXECUTE FUNCTION touch_status();

INSERT INTO customer (email, full_name) VALUES ('ada@example.com', 'Ada Lovelace'), ('zoë@example.com', 'Zoë Ünal');
