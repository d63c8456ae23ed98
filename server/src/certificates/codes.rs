//! One-time codes sent to a user to consent to one operation (signing the subscription
//! agreement, opening and signing a QCP request). Six digits, only a hash kept, five wrong entries
//! kill a code, at most three codes per quarter of an hour. A code is stored as a MAC keyed
//! from the key-encryption key (`KeyEncryptionKey::code_tag`), never in clear.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{CertificateError, Result};
use crate::keys::KeyEncryptionKey;

pub const MAX_FAILED_ATTEMPTS: i32 = 5;
const MAX_CODES_PER_WINDOW: i64 = 3;
const WINDOW_MINUTES: i32 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signing the subscription agreement: 30 minutes, as the guide says.
    Agreement,
    /// Opening a QCP subscription, sent by email: 3 minutes.
    QcpAccess,
    /// Signing the QCP certificate request, sent by SMS: 3 minutes.
    QcpRequest,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Agreement => "agreement",
            Purpose::QcpAccess => "qcp_access",
            Purpose::QcpRequest => "qcp_request",
        }
    }

    pub fn validity(self) -> Duration {
        match self {
            Purpose::Agreement => Duration::minutes(30),
            Purpose::QcpAccess | Purpose::QcpRequest => Duration::minutes(3),
        }
    }
}

fn code_hash(kek: &KeyEncryptionKey, user_id: Uuid, purpose: Purpose, code: &str) -> Vec<u8> {
    kek.code_tag(&[
        user_id.as_bytes(),
        purpose.as_str().as_bytes(),
        code.as_bytes(),
    ])
}

/// Makes a new code (replacing any live one) and returns it with its expiry; the caller
/// sends it in the same transaction.
pub async fn issue(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    user_id: Uuid,
    purpose: Purpose,
) -> Result<(String, DateTime<Utc>)> {
    let (recent,): (i64,) = sqlx::query_as("SELECT count(*) FROM user_codes WHERE user_id = $1 AND purpose = $2 AND sent_at > now() - make_interval(mins => $3)")
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(WINDOW_MINUTES)
        .fetch_one(&mut *conn)
        .await?;
    if recent >= MAX_CODES_PER_WINDOW {
        return Err(CertificateError::TooManyCodes);
    }
    sqlx::query("UPDATE user_codes SET closed_at = now() WHERE user_id = $1 AND purpose = $2 AND closed_at IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let expires_at = Utc::now() + purpose.validity();
    sqlx::query(
        "INSERT INTO user_codes (user_id, purpose, code_hash, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(code_hash(kek, user_id, purpose, &code))
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok((code, expires_at))
}

/// Checks `code` against the live one. The outer `Result` is a database failure; the
/// inner one the refusal, already recorded in `conn`'s transaction, which the caller
/// commits before answering it.
pub async fn check(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    user_id: Uuid,
    purpose: Purpose,
    code: &str,
) -> Result<Result<()>> {
    let live: Option<(Uuid, Vec<u8>, DateTime<Utc>, i32)> = sqlx::query_as(
        "SELECT id, code_hash, expires_at, failed_attempts FROM user_codes
         WHERE user_id = $1 AND purpose = $2 AND closed_at IS NULL ORDER BY sent_at DESC LIMIT 1 FOR UPDATE",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, hash, expires_at, failed_attempts)) = live else {
        return Ok(Err(CertificateError::OtpNotSent));
    };
    if expires_at <= Utc::now() {
        sqlx::query("UPDATE user_codes SET closed_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return Ok(Err(CertificateError::OtpExpired));
    }
    if code_hash(kek, user_id, purpose, code.trim()) == hash {
        sqlx::query("UPDATE user_codes SET closed_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return Ok(Ok(()));
    }
    let failed = failed_attempts + 1;
    sqlx::query("UPDATE user_codes SET failed_attempts = $2, closed_at = CASE WHEN $2 >= $3 THEN now() END WHERE id = $1")
        .bind(id)
        .bind(failed)
        .bind(MAX_FAILED_ATTEMPTS)
        .execute(&mut *conn)
        .await?;
    Ok(Err(if failed >= MAX_FAILED_ATTEMPTS {
        CertificateError::OtpLocked
    } else {
        CertificateError::OtpInvalid(MAX_FAILED_ATTEMPTS - failed)
    }))
}
