-- Accounts without SQL: links that let a person choose a password (set-up of an account
-- the platform administrator created, reset of a forgotten one), sessions a person can
-- list and close, cabinets the platform can close, and the platform's own audit log.

-- Single-use links to choose a password, stored as the SHA-256 of their token.
CREATE TABLE password_links (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('setup', 'reset')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_links_by_user ON password_links (user_id, created_at DESC);
CREATE INDEX password_links_by_expiry ON password_links (expires_at);

-- A session's public handle: the list of my sessions names them without their token.
ALTER TABLE sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX sessions_by_id ON sessions (id);

-- A closed cabinet keeps its records (ledger, audit trails) but nobody acts for it.
ALTER TABLE cabinets ADD COLUMN closed_at timestamptz;

-- What the platform's administrators did and what happened to accounts (password set or
-- reset, sessions closed): append-only like the collections' trail.
CREATE TABLE platform_events (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    kind       text NOT NULL,
    -- `user:<id>` or `system` (the command line).
    actor      text NOT NULL,
    -- The account and the cabinet concerned; no foreign keys: the log outlives them.
    user_id    uuid,
    cabinet_id uuid,
    details    jsonb NOT NULL DEFAULT '{}',
    ip         text,
    user_agent text
);
CREATE INDEX platform_events_by_time ON platform_events (at DESC, id DESC);
CREATE TRIGGER platform_events_append_only BEFORE UPDATE OR DELETE ON platform_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
