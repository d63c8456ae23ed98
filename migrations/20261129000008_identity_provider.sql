-- Which provider decides a verification after the automatic checks: the built-in
-- operators' queue, or an external verification service (SPEC §3), and when it was asked.
ALTER TABLE identity_verifications
    ADD COLUMN provider              text NOT NULL DEFAULT 'operators' CHECK (provider IN ('operators', 'external')),
    ADD COLUMN provider_requested_at timestamptz,
    ADD COLUMN provider_reference    text;
CREATE INDEX identity_verifications_provider_pending ON identity_verifications (submitted_at)
    WHERE status = 'in_review' AND provider = 'external' AND provider_requested_at IS NULL;
