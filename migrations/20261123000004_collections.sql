-- Collections (signature workflows), their documents and signers, one-time codes, the
-- hash-chained audit trail, the cabinets' credit ledger and the notification outbox.

ALTER TABLE users ADD COLUMN is_platform_admin boolean NOT NULL DEFAULT false;

-- People a cabinet asks to sign, saved for reuse.
CREATE TABLE contacts (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cabinet_id uuid NOT NULL REFERENCES cabinets (id) ON DELETE CASCADE,
    first_name text NOT NULL,
    last_name  text NOT NULL,
    email      text NOT NULL CHECK (email = lower(email)),
    mobile     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cabinet_id, email)
);

CREATE TABLE collections (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cabinet_id       uuid NOT NULL REFERENCES cabinets (id) ON DELETE CASCADE,
    created_by       uuid NOT NULL REFERENCES users (id),
    title            text NOT NULL,
    message          text NOT NULL DEFAULT '',
    mode             text NOT NULL CHECK (mode IN ('sequential', 'parallel')),
    status           text NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'active', 'completed', 'refused', 'expired', 'cancelled')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    launched_at      timestamptz,
    expires_at       timestamptz,
    last_reminded_at timestamptz,
    ended_at         timestamptz,
    purged_at        timestamptz,
    CHECK ((status IN ('draft', 'active')) = (ended_at IS NULL))
);
CREATE INDEX collections_by_cabinet ON collections (cabinet_id, created_at DESC);
CREATE INDEX collections_expiring ON collections (expires_at) WHERE status = 'active';
CREATE INDEX collections_to_purge ON collections (ended_at) WHERE ended_at IS NOT NULL AND purged_at IS NULL;

-- The PDF bytes live in the row: a signature's new revision and the signer's state change
-- commit in one transaction, so a crash never leaves one without the other.
CREATE TABLE collection_documents (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    collection_id   uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    position        int NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('to_sign', 'attachment')),
    filename        text NOT NULL,
    pages           int NOT NULL,
    original_sha256 bytea NOT NULL,
    current_sha256  bytea NOT NULL,
    -- NULL once purged.
    content         bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection_id, position)
);

CREATE TABLE signers (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    collection_id  uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    position       int NOT NULL,
    user_id        uuid REFERENCES users (id),
    contact_id     uuid REFERENCES contacts (id) ON DELETE SET NULL,
    first_name     text NOT NULL,
    last_name      text NOT NULL,
    email          text NOT NULL,
    mobile         text NOT NULL,
    level          smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
    status         text NOT NULL DEFAULT 'waiting'
                   CHECK (status IN ('waiting', 'invited', 'signed', 'refused')),
    invited_at     timestamptz,
    opened_at      timestamptz,
    accepted_at    timestamptz,
    signed_at      timestamptz,
    refused_at     timestamptz,
    refusal_reason text,
    -- Optional visible stamp: page (1-based) and rectangle in points.
    stamp_page     int,
    stamp_x        real,
    stamp_y        real,
    stamp_width    real,
    stamp_height   real,
    -- Level 1: a key made for this signer alone when the first code is sent, sealed under
    -- the key-encryption key, erased once it signed; and the LCP certificate issued for it.
    key_nonce      bytea,
    key_sealed     bytea,
    certificate    bytea,
    UNIQUE (collection_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX signers_by_collection ON signers (collection_id, position);

-- Personal links sent to signers (invitation, each reminder, completion). Only the
-- SHA-256 of the token is kept; every link dies with its collection.
CREATE TABLE signer_links (
    token_hash bytea PRIMARY KEY,
    signer_id  uuid NOT NULL REFERENCES signers (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One-time codes sent by SMS. Only a hash is kept; attempts are counted on the row so that
-- parallel requests cannot each get five tries.
CREATE TABLE signing_codes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    signer_id       uuid NOT NULL REFERENCES signers (id) ON DELETE CASCADE,
    code_hash       bytea NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    failed_attempts int NOT NULL DEFAULT 0,
    -- Set when the code signed, was superseded, or died of too many failures.
    closed_at       timestamptz
);
CREATE INDEX signing_codes_by_signer ON signing_codes (signer_id, sent_at DESC);

-- The evidence: append-only, each entry's hash covers the previous entry's hash.
CREATE TABLE audit_events (
    collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE RESTRICT,
    seq           int NOT NULL,
    at            timestamptz NOT NULL,
    kind          text NOT NULL,
    actor         text NOT NULL,
    ip            text,
    user_agent    text,
    details       jsonb NOT NULL DEFAULT '{}',
    prev_hash     bytea NOT NULL,
    hash          bytea NOT NULL,
    PRIMARY KEY (collection_id, seq)
);

-- Money in integer cents; positive credits, negative consumption. Append-only.
CREATE TABLE credit_ledger (
    id            bigserial PRIMARY KEY,
    cabinet_id    uuid NOT NULL REFERENCES cabinets (id) ON DELETE RESTRICT,
    at            timestamptz NOT NULL DEFAULT now(),
    amount_cents  bigint NOT NULL CHECK (amount_cents <> 0),
    kind          text NOT NULL CHECK (kind IN ('credit', 'signature', 'seal', 'qcp')),
    collection_id uuid REFERENCES collections (id) ON DELETE SET NULL,
    signer_id     uuid REFERENCES signers (id) ON DELETE SET NULL,
    note          text NOT NULL DEFAULT '',
    created_by    uuid REFERENCES users (id)
);
CREATE INDEX credit_ledger_by_cabinet ON credit_ledger (cabinet_id, at);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Emails and SMS written in the same transaction as what caused them, sent by a job with
-- retries: a crash after the commit loses nothing.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       text NOT NULL,
    sender_name     text,
    subject         text,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
