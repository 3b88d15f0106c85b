-- Accounts and audit trail.
-- Author: strata test vectors

CREATE TABLE account (
    id          bigserial PRIMARY KEY,
    email       text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    balance     numeric(12, 2) NOT NULL DEFAULT 0	-- tab before this comment
);

CREATE TABLE account_audit (
	id         bigserial PRIMARY KEY,
	account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
	op         char(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),
	changed_at timestamptz NOT NULL DEFAULT now(),
	old_row    jsonb,
	new_row    jsonb   
);

CREATE OR REPLACE FUNCTION account_audit_trigger() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_id := OLD.id;
        INSERT INTO account_audit (account_id, op, old_row)
        VALUES (v_id, 'D', to_jsonb(OLD));
        RETURN OLD;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO account_audit (account_id, op, old_row, new_row)
        VALUES (NEW.id, 'U', to_jsonb(OLD), to_jsonb(NEW));
    ELSE
        INSERT INTO account_audit (account_id, op, new_row)
        VALUES (NEW.id, 'I', to_jsonb(NEW));
    END IF;
    -- a semicolon inside a string; and $$ inside the body: 'it''s $$ fine'
    RAISE NOTICE 'audited %; op=%', NEW.id, TG_OP;
    RETURN NEW;
END;
$fn$;

CREATE TRIGGER account_audit
    AFTER INSERT OR UPDATE OR DELETE ON account
    FOR EACH ROW EXECUTE FUNCTION account_audit_trigger();

DO $$
BEGIN
    PERFORM 1;
END
$$;

COMMENT ON TABLE account IS 'Customer accounts — one row per e-mail';
