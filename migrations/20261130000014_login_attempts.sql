-- A login attempt is recorded before the password is checked (and withdrawn if it was
-- right), so that parallel guesses are counted as they come: each needs its own row to
-- withdraw. Counted per email and address, and per address.
ALTER TABLE login_failures ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX login_failures_by_ip ON login_failures (ip, failed_at DESC);
