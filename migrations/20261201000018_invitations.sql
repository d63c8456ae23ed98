-- Invitations to join a cabinet: an accountant invites a collaborator (with chosen
-- delegations) or another accountant by email; the emailed link works once, for 7 days.

CREATE TABLE invitations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cabinet_id  uuid NOT NULL REFERENCES cabinets (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('accountant', 'collaborator')),
    can_prepare boolean NOT NULL DEFAULT false,
    can_sign    boolean NOT NULL DEFAULT false,
    can_seal    boolean NOT NULL DEFAULT false,
    -- SHA-256 of the link's token; a resend replaces it, so only the newest email works.
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  uuid NOT NULL REFERENCES users (id),
    language    text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    send_count  int NOT NULL DEFAULT 1,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
    withdrawn_at timestamptz,
    CHECK (accepted_at IS NULL OR withdrawn_at IS NULL)
);
-- One open invitation per person and cabinet (an expired one is resent, not duplicated).
CREATE UNIQUE INDEX invitations_open_per_email ON invitations (cabinet_id, email)
    WHERE accepted_at IS NULL AND withdrawn_at IS NULL;
CREATE INDEX invitations_by_cabinet ON invitations (cabinet_id, created_at DESC);
