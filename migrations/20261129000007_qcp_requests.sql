-- Qualified certificate (QCP) subscriptions (SPEC §4): a cabinet pays 20 EUR, access is
-- opened by an email code, the holder confirms their details and consents, verifies their
-- identity again, and signs the certificate request with an SMS code.

ALTER TABLE user_codes DROP CONSTRAINT user_codes_purpose_check;
ALTER TABLE user_codes ADD CONSTRAINT user_codes_purpose_check CHECK (purpose IN ('agreement', 'qcp_access', 'qcp_request'));

CREATE TABLE qcp_requests (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The cabinet whose prepaid credit pays for the certificate.
    cabinet_id           uuid NOT NULL REFERENCES cabinets (id) ON DELETE CASCADE,
    access_granted_at    timestamptz,
    details_confirmed_at timestamptz,
    -- The certificate request as signed by the holder with their LCP certificate.
    request_pdf          bytea,
    signed_at            timestamptz,
    certificate_id       uuid REFERENCES personal_certificates (id),
    cancelled_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now()
);
-- One request in progress per person.
CREATE UNIQUE INDEX qcp_requests_open ON qcp_requests (user_id) WHERE signed_at IS NULL AND cancelled_at IS NULL;
