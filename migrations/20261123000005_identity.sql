-- Identity verification (SPEC §3): a person declares who they are, sends images of an
-- identity document (from the desktop or a phone through a hand-off link), automatic
-- checks read its MRZ, an operator decides, the person confirms the extracted data.

-- Verification operators review identity documents (back office).
ALTER TABLE users ADD COLUMN is_operator boolean NOT NULL DEFAULT false;

CREATE TABLE identity_verifications (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Which certificate the verification is for.
    purpose          text NOT NULL CHECK (purpose IN ('lcp', 'qcp')),
    document_type    text NOT NULL CHECK (document_type IN ('identity_card', 'passport', 'residence_permit')),
    -- The declared identity the document must match.
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    birth_date       date NOT NULL,
    status           text NOT NULL DEFAULT 'awaiting_documents' CHECK (status IN
        ('awaiting_documents', 'checking', 'in_review', 'approved', 'rejected', 'confirmed', 'disputed')),
    -- What the automatic checks found (MRZ fields, each check's result) and whether
    -- the operator should look twice (unreadable MRZ, a doubtful name).
    mrz              jsonb,
    checks           jsonb,
    flagged          boolean NOT NULL DEFAULT false,
    submitted_at     timestamptz,
    decided_at       timestamptz,
    -- NULL when the automatic checks decided.
    decided_by       uuid REFERENCES users (id),
    rejection_code   text,
    rejection_reason text,
    confirmed_at     timestamptz,
    images_purged_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL))
);
CREATE INDEX identity_verifications_user ON identity_verifications (user_id, created_at DESC);
CREATE INDEX identity_verifications_queue ON identity_verifications (status, submitted_at) WHERE status IN ('checking', 'in_review');

-- Images are personal data: sealed with AES-256-GCM under the key-encryption key, bound
-- to their verification and side.
CREATE TABLE identity_images (
    verification_id uuid NOT NULL REFERENCES identity_verifications (id) ON DELETE CASCADE,
    side            text NOT NULL CHECK (side IN ('front', 'back', 'selfie')),
    media_type      text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size            integer NOT NULL,
    nonce           bytea NOT NULL,
    sealed          bytea NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (verification_id, side)
);

-- Short-lived, single-use links that hand the capture over to a phone.
CREATE TABLE capture_links (
    token_hash      bytea PRIMARY KEY,
    verification_id uuid NOT NULL REFERENCES identity_verifications (id) ON DELETE CASCADE,
    expires_at      timestamptz NOT NULL,
    opened_at       timestamptz,
    used_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Who did what to a verification, images viewed by operators included; append-only.
CREATE TABLE identity_events (
    id              bigserial PRIMARY KEY,
    verification_id uuid NOT NULL REFERENCES identity_verifications (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    actor_user_id   uuid REFERENCES users (id),
    ip              text,
    user_agent      text,
    detail          jsonb NOT NULL DEFAULT '{}',
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_events_verification ON identity_events (verification_id, id);

CREATE FUNCTION identity_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'identity_events is append-only';
END $$;
CREATE TRIGGER identity_events_append_only BEFORE UPDATE ON identity_events
    FOR EACH ROW EXECUTE FUNCTION identity_events_append_only();
