-- Failed logins, to slow down password guessing per account.
CREATE TABLE login_failures (
    email     text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now(),
    ip        text
);
CREATE INDEX login_failures_by_email ON login_failures (email, failed_at DESC);
