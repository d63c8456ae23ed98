-- The cabinet's credit balance, kept by the ledger itself: every ledger row adds its amount
-- here in the same transaction. A debit then reads one row instead of summing the
-- cabinet's whole history, and the row it locks is the one it reads.
ALTER TABLE cabinets ADD COLUMN credit_balance_cents bigint NOT NULL DEFAULT 0;
UPDATE cabinets c
   SET credit_balance_cents = COALESCE((SELECT SUM(l.amount_cents) FROM credit_ledger l WHERE l.cabinet_id = c.id), 0);
ALTER TABLE cabinets ADD CONSTRAINT cabinets_credit_never_negative CHECK (credit_balance_cents >= 0);

CREATE FUNCTION credit_ledger_moves_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cabinets SET credit_balance_cents = credit_balance_cents + NEW.amount_cents WHERE id = NEW.cabinet_id;
    RETURN NULL;
END $$;
CREATE TRIGGER credit_ledger_moves_balance AFTER INSERT ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION credit_ledger_moves_balance();
