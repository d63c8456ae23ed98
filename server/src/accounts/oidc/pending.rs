//! Logins on their way through the provider (`oidc_logins`): kept ten minutes, taken once.
//! Why PostgreSQL and not a cookie is in the migration: any replica finishes a login
//! another started, and only a row can be single-use.

use chrono::{Duration, Utc};
use sqlx::PgPool;

use super::SsoError;
use crate::tokens::token_hash;

/// A login may take this long at the provider (typing a password, a second factor).
pub const LOGIN_MINUTES: i64 = 10;

/// What the callback needs from the login it finishes.
#[derive(Debug)]
pub struct PendingLogin {
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: Option<String>,
}

pub(super) struct NewLogin<'a> {
    pub state: &'a str,
    pub browser: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub return_to: Option<&'a str>,
}

pub(super) async fn store(db: &PgPool, login: NewLogin<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO oidc_logins (state_hash, browser_hash, nonce, pkce_verifier, return_to, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        token_hash(login.state),
        token_hash(login.browser),
        login.nonce,
        login.pkce_verifier,
        login.return_to,
        Utc::now() + Duration::minutes(LOGIN_MINUTES),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the login `state` names, once: the one UPDATE that marks it used is what makes
/// a replayed answer fail, even two at the same instant. The browser must be the one that
/// started it. A login past its ten minutes, already used, or started elsewhere is still
/// marked used, and the reason told.
pub(super) async fn take(
    db: &PgPool,
    state: &str,
    browser: Option<&str>,
) -> Result<PendingLogin, SsoError> {
    let taken = sqlx::query!(
        r#"UPDATE oidc_logins SET used_at = now()
            WHERE state_hash = $1 AND used_at IS NULL
        RETURNING nonce, pkce_verifier, return_to, browser_hash,
                  expires_at > now() AS "live!""#,
        token_hash(state),
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = taken else {
        let known = sqlx::query_scalar!(
            "SELECT 1 AS one FROM oidc_logins WHERE state_hash = $1",
            token_hash(state),
        )
        .fetch_optional(db)
        .await?;
        return Err(if known.is_some() {
            SsoError::StateUsed
        } else {
            SsoError::StateUnknown
        });
    };
    if !row.live {
        return Err(SsoError::StateExpired);
    }
    if browser.map(token_hash).as_deref() != Some(row.browser_hash.as_slice()) {
        return Err(SsoError::BrowserMismatch);
    }
    Ok(PendingLogin {
        nonce: row.nonce,
        pkce_verifier: row.pkce_verifier,
        return_to: row.return_to,
    })
}

/// Where a failed login sends the person back to, once they try again: the `return_to`
/// of the login `state` names, whatever became of it.
pub(super) async fn return_to_of(db: &PgPool, state: &str) -> Result<Option<String>, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "SELECT return_to FROM oidc_logins WHERE state_hash = $1",
        token_hash(state),
    )
    .fetch_optional(db)
    .await?
    .flatten())
}
