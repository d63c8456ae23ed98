-- The instance's certificate authorities and every certificate they issued.
-- Private keys are stored sealed (AES-256-GCM under the configured key-encryption key,
-- bound to the authority's name): never in clear.

CREATE TABLE pki_authorities (
    name        text PRIMARY KEY CHECK (name IN ('root', 'lcp', 'qcp', 'seal', 'tsa')),
    certificate bytea NOT NULL,
    key_nonce   bytea NOT NULL,
    key_sealed  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pki_certificates (
    issuer            text NOT NULL CHECK (issuer IN ('root', 'lcp', 'qcp', 'seal')),
    serial            bytea NOT NULL,
    subject           text NOT NULL,
    certificate       bytea NOT NULL,
    not_after         timestamptz NOT NULL,
    issued_at         timestamptz NOT NULL DEFAULT now(),
    revoked_at        timestamptz,
    revocation_reason text CHECK (revocation_reason IN
        ('unspecified', 'key_compromise', 'affiliation_changed', 'superseded', 'cessation_of_operation')),
    PRIMARY KEY (issuer, serial),
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);

-- CRLs list the revoked certificates of one CA.
CREATE INDEX pki_certificates_revoked ON pki_certificates (issuer, revoked_at) WHERE revoked_at IS NOT NULL;
