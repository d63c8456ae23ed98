-- People, cabinets, memberships with delegations, sessions, terms acceptance.

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    first_name    text NOT NULL,
    last_name     text NOT NULL,
    mobile        text,
    -- NULL for people who only log in through an identity provider.
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Logins through an OpenID Connect provider map (issuer, subject) to a user.
CREATE TABLE external_identities (
    issuer     text NOT NULL,
    subject    text NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);

CREATE TABLE cabinets (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    siren      text UNIQUE CHECK (siren ~ '^[0-9]{9}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    cabinet_id  uuid NOT NULL REFERENCES cabinets (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('accountant', 'collaborator')),
    can_prepare boolean NOT NULL DEFAULT false,
    can_sign    boolean NOT NULL DEFAULT false,
    can_seal    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cabinet_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- Append-only record of each acceptance of the CGU and data-protection policy.
CREATE TABLE terms_acceptances (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cabinet_id             uuid NOT NULL REFERENCES cabinets (id) ON DELETE CASCADE,
    accepted_by            uuid NOT NULL REFERENCES users (id),
    cgu_version            text NOT NULL,
    privacy_policy_version text NOT NULL,
    accepted_at            timestamptz NOT NULL DEFAULT now(),
    ip                     text,
    user_agent             text
);
CREATE INDEX terms_acceptances_by_cabinet ON terms_acceptances (cabinet_id, accepted_at DESC);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value: a leaked table does not leak live sessions.
    token_hash         bytea PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    current_cabinet_id uuid REFERENCES cabinets (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    ip                 text,
    user_agent         text
);
CREATE INDEX sessions_by_user ON sessions (user_id);
