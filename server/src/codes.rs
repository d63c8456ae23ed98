//! One-time codes: the one implementation behind a signer's signing code (`signing_codes`,
//! per signer row, by SMS) and a user's consent codes (`user_codes`, per user and purpose:
//! the subscription agreement, QCP access and request).
//!
//! Six digits from the operating system's generator, stored only as a MAC keyed from the
//! key-encryption key (`KeyEncryptionKey::code_tag`), so a database dump gives no code
//! back. A new code closes the holder's previous one; at most [`MAX_CODES_PER_WINDOW`]
//! codes per holder in [`WINDOW_MINUTES`]; [`MAX_FAILED_ATTEMPTS`] wrong entries kill a
//! code. Attempts are counted on the row, under its lock, so parallel guesses cannot each
//! get five tries. Each table has its own statements, checked at compile time (`query!`).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::ids::{SignerId, UserId};
use crate::keys::KeyEncryptionKey;

pub const MAX_FAILED_ATTEMPTS: i32 = 5;
/// At most this many codes per holder in [`WINDOW_MINUTES`].
pub const MAX_CODES_PER_WINDOW: i64 = 3;
pub const WINDOW_MINUTES: i32 = 15;

/// Who a code is for.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    /// A signer of a collection (`signing_codes`).
    Signer(SignerId),
    /// A user, for one purpose (`user_codes`).
    User { user_id: UserId, purpose: &'a str },
}

impl Holder<'_> {
    /// The stored form of `code` for this holder.
    fn tag(&self, kek: &KeyEncryptionKey, code: &str) -> Vec<u8> {
        match self {
            Holder::Signer(signer_id) => {
                kek.code_tag(&[signer_id.as_uuid().as_bytes(), code.as_bytes()])
            }
            Holder::User { user_id, purpose } => kek.code_tag(&[
                user_id.as_uuid().as_bytes(),
                purpose.as_bytes(),
                code.as_bytes(),
            ]),
        }
    }
}

/// The holder's code still open, as read under its lock.
#[derive(Debug, Clone)]
pub struct LiveCode {
    pub id: Uuid,
    pub code_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub failed_attempts: i32,
}

/// Why an entered code was refused; the refusal is already recorded on the code's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No code is open: none was asked for, or the last one was used or closed.
    NotSent,
    Expired,
    /// Wrong, with this many tries left.
    Wrong(i32),
    /// Wrong for the last time: the code is dead.
    Locked,
}

/// Makes a new code valid for `validity`, closing the holder's previous one, in `conn`'s
/// transaction (the caller queues the message in the same one). `None` when the holder had
/// too many codes lately.
pub async fn issue(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    holder: Holder<'_>,
    validity: Duration,
) -> Result<Option<(String, DateTime<Utc>)>, sqlx::Error> {
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let expires_at = Utc::now() + validity;
    let tag = holder.tag(kek, &code);
    // The window's count, closing the previous code and the new code in one statement.
    let sent = match holder {
        Holder::Signer(signer_id) => sqlx::query_scalar!(
            r#"WITH recent AS (SELECT count(*) AS codes FROM signing_codes
                                WHERE signer_id = $1 AND sent_at > now() - make_interval(mins => $4)),
                    closed AS (UPDATE signing_codes SET closed_at = now()
                                WHERE signer_id = $1 AND closed_at IS NULL AND (SELECT codes FROM recent) < $5),
                    sent AS (INSERT INTO signing_codes (signer_id, code_hash, expires_at)
                             SELECT $1, $2, $3 FROM recent WHERE codes < $5 RETURNING id)
               SELECT EXISTS (SELECT 1 FROM sent) AS "sent!""#,
            signer_id.as_uuid(),
            tag.as_slice(),
            expires_at,
            WINDOW_MINUTES,
            MAX_CODES_PER_WINDOW,
        )
        .fetch_one(&mut *conn)
        .await?,
        Holder::User { user_id, purpose } => sqlx::query_scalar!(
            r#"WITH recent AS (SELECT count(*) AS codes FROM user_codes
                                WHERE user_id = $1 AND purpose = $6 AND sent_at > now() - make_interval(mins => $4)),
                    closed AS (UPDATE user_codes SET closed_at = now()
                                WHERE user_id = $1 AND purpose = $6 AND closed_at IS NULL AND (SELECT codes FROM recent) < $5),
                    sent AS (INSERT INTO user_codes (user_id, purpose, code_hash, expires_at)
                             SELECT $1, $6, $2, $3 FROM recent WHERE codes < $5 RETURNING id)
               SELECT EXISTS (SELECT 1 FROM sent) AS "sent!""#,
            user_id.as_uuid(),
            tag.as_slice(),
            expires_at,
            WINDOW_MINUTES,
            MAX_CODES_PER_WINDOW,
            purpose,
        )
        .fetch_one(&mut *conn)
        .await?,
    };
    Ok(sent.then_some((code, expires_at)))
}

/// The holder's open code, its row locked for the check. (The signing path reads it in
/// the same statement as the signer's key instead.)
pub async fn live(
    conn: &mut PgConnection,
    holder: Holder<'_>,
) -> Result<Option<LiveCode>, sqlx::Error> {
    match holder {
        Holder::Signer(signer_id) => {
            sqlx::query_as!(
                LiveCode,
                "SELECT id, code_hash, expires_at, failed_attempts FROM signing_codes
                  WHERE signer_id = $1 AND closed_at IS NULL ORDER BY sent_at DESC LIMIT 1 FOR UPDATE",
                signer_id.as_uuid(),
            )
            .fetch_optional(&mut *conn)
            .await
        }
        Holder::User { user_id, purpose } => {
            sqlx::query_as!(
                LiveCode,
                "SELECT id, code_hash, expires_at, failed_attempts FROM user_codes
                  WHERE user_id = $1 AND purpose = $2 AND closed_at IS NULL ORDER BY sent_at DESC LIMIT 1 FOR UPDATE",
                user_id.as_uuid(),
                purpose,
            )
            .fetch_optional(&mut *conn)
            .await
        }
    }
}

/// Checks `entered` against `live`. A refusal is recorded on the code's row in `conn`'s
/// transaction, which the caller commits before answering it. A code that matched stays
/// open: the caller closes it ([`close`]) with the operation it allows.
pub async fn check(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    holder: Holder<'_>,
    live: Option<LiveCode>,
    entered: &str,
) -> Result<Result<(), Refusal>, sqlx::Error> {
    let Some(live) = live else {
        return Ok(Err(Refusal::NotSent));
    };
    if live.expires_at <= Utc::now() {
        close(conn, holder, live.id).await?;
        return Ok(Err(Refusal::Expired));
    }
    if holder.tag(kek, entered.trim()) == live.code_hash {
        return Ok(Ok(()));
    }
    let failed = live.failed_attempts + 1;
    match holder {
        Holder::Signer(_) => sqlx::query!(
            "UPDATE signing_codes SET failed_attempts = $2::int4, closed_at = CASE WHEN $2::int4 >= $3 THEN now() END WHERE id = $1",
            live.id,
            failed,
            MAX_FAILED_ATTEMPTS,
        )
        .execute(&mut *conn)
        .await?,
        Holder::User { .. } => sqlx::query!(
            "UPDATE user_codes SET failed_attempts = $2::int4, closed_at = CASE WHEN $2::int4 >= $3 THEN now() END WHERE id = $1",
            live.id,
            failed,
            MAX_FAILED_ATTEMPTS,
        )
        .execute(&mut *conn)
        .await?,
    };
    Ok(Err(if failed >= MAX_FAILED_ATTEMPTS {
        Refusal::Locked
    } else {
        Refusal::Wrong(MAX_FAILED_ATTEMPTS - failed)
    }))
}

/// Closes a code: used, or expired.
pub async fn close(
    conn: &mut PgConnection,
    holder: Holder<'_>,
    id: Uuid,
) -> Result<(), sqlx::Error> {
    match holder {
        Holder::Signer(_) => {
            sqlx::query!(
                "UPDATE signing_codes SET closed_at = now() WHERE id = $1",
                id
            )
            .execute(&mut *conn)
            .await?
        }
        Holder::User { .. } => {
            sqlx::query!("UPDATE user_codes SET closed_at = now() WHERE id = $1", id)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(())
}

/// "+33612345678" → "+33 6 •• •• •• 78": enough for the signer to recognise their phone.
pub fn mobile_hint(mobile: &str) -> String {
    let tail: String = mobile
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}•••••{tail}", mobile.chars().take(4).collect::<String>())
}
