-- Single sign-on (OpenID Connect): the logins on their way through the provider, and the
-- ID token a session opened by the provider keeps so that logging out goes through it.

-- A login between `/auth/oidc/login` and the provider's answer at `/auth/oidc/callback`.
-- In the database rather than in a cookie: every replica can finish a login another one
-- started, and only the server can make it single-use (`used_at`, set by the one UPDATE
-- that takes it). Rows stay a day after their ten minutes so that a late or replayed
-- answer is told apart from a forged one; the accounts' cleanup deletes them then.
CREATE TABLE oidc_logins (
    -- SHA-256 of the `state` sent through the provider: a dump holds no usable state.
    state_hash    bytea PRIMARY KEY,
    -- SHA-256 of the cookie that ties the login to the browser that started it (against
    -- login CSRF: an answer carried to another browser is refused).
    browser_hash  bytea NOT NULL,
    nonce         text NOT NULL,
    pkce_verifier text NOT NULL,
    -- Where to go once logged in: a path of this site, checked when the login starts.
    return_to     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);
CREATE INDEX oidc_logins_by_expiry ON oidc_logins (expires_at);

-- The provider's ID token of a session it opened: the `id_token_hint` of RP-initiated
-- logout. NULL for a password session.
ALTER TABLE sessions ADD COLUMN oidc_id_token text;
