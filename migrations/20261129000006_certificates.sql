-- Personal certificates and the first-login enrolment (SPEC §2 and §4).

-- Each holder's LCP and QCP certificates. The certificate itself, its validity and its
-- revocation live in pki_certificates (the one truth for OCSP and CRLs); this row binds
-- it to its holder and keeps the holder's key, sealed under the key-encryption key.
CREATE TABLE personal_certificates (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    level           text NOT NULL CHECK (level IN ('lcp', 'qcp')),
    issuer          text NOT NULL,
    serial          bytea NOT NULL,
    verification_id uuid REFERENCES identity_verifications (id) ON DELETE SET NULL,
    key_nonce       bytea NOT NULL,
    key_sealed      bytea NOT NULL,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (issuer, serial) REFERENCES pki_certificates (issuer, serial),
    UNIQUE (issuer, serial)
);
CREATE INDEX personal_certificates_by_user ON personal_certificates (user_id, issued_at DESC);

-- Where each user stands in the enrolment wizard; the wizard resumes from here.
CREATE TABLE enrolments (
    user_id               uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    profile_confirmed_at  timestamptz,
    agreement_accepted_at timestamptz,
    -- The subscription agreement as signed (PAdES), kept as evidence.
    agreement_signed_at   timestamptz,
    agreement_pdf         bytea,
    agreement_sha256      bytea,
    certificate_id        uuid REFERENCES personal_certificates (id),
    completed_at          timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK ((agreement_signed_at IS NULL) = (agreement_pdf IS NULL))
);

-- One-time codes sent to a user (SMS or email) to consent to one operation. Only a hash
-- is kept; failures are counted on the row so parallel requests share the five tries.
CREATE TABLE user_codes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose         text NOT NULL CHECK (purpose IN ('agreement')),
    code_hash       bytea NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    failed_attempts int NOT NULL DEFAULT 0,
    closed_at       timestamptz
);
CREATE INDEX user_codes_live ON user_codes (user_id, purpose, sent_at DESC);

-- Every step of a user's enrolment and certificate life; append-only.
CREATE TABLE enrolment_events (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    ip         text,
    user_agent text,
    detail     jsonb NOT NULL DEFAULT '{}',
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enrolment_events_by_user ON enrolment_events (user_id, id);

CREATE FUNCTION enrolment_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'enrolment_events is append-only';
END $$;
CREATE TRIGGER enrolment_events_append_only BEFORE UPDATE ON enrolment_events
    FOR EACH ROW EXECUTE FUNCTION enrolment_events_append_only();

-- A signer who signs with their own certificate (levels 2 and 3, and cabinet members).
ALTER TABLE signers ADD COLUMN personal_certificate_id uuid REFERENCES personal_certificates (id);
