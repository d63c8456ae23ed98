//! Signers' personal links: the bearer credential that every invitation, reminder and
//! completion email carries (`/signer/<token>`).
//!
//! The SHA-256 of the token identifies a link, so a database dump alone opens nothing.
//! Each link has its own expiry: an invitation link lives as long as the collection can be
//! signed (and follows it when a manual reminder moves it), a completion link until the
//! documents are purged. An invitation link's token is also kept sealed under the
//! key-encryption key, bound to its signer: a reminder, or the member's own "sign" button
//! in the app, hands out the link the signer already holds instead of adding one more live
//! credential per reminder.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{CollectionError, Result};
use crate::ids::SignerId;
use crate::keys::{KeyEncryptionKey, SealedKey};
use crate::tokens::{new_token, token_hash};

// Stored as text in `signer_links.purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Sent to invite and remind: opens the signing page.
    Invitation,
    /// Sent when everybody signed: downloads the signed documents until the purge.
    Completion,
}

/// Where links point and the key their tokens are sealed under.
#[derive(Clone, Copy)]
pub struct LinkIssuer<'a> {
    pub public_url: &'a str,
    pub kek: &'a KeyEncryptionKey,
}

impl LinkIssuer<'_> {
    /// The signer's page the token opens.
    pub fn signer_page(&self, token: &str) -> String {
        format!("{}/signer/{token}", self.public_url)
    }
}

/// The label the sealed token is bound to: a sealed token copied onto another signer's
/// row does not open.
fn seal_label(signer_id: SignerId) -> String {
    format!("signer-link:{signer_id}")
}

/// The signer's invitation link, valid until `expires_at`: the live one they already hold
/// when there is one (its expiry moved to `expires_at`), a new one otherwise.
pub async fn invitation(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    signer_id: SignerId,
    expires_at: DateTime<Utc>,
) -> Result<String> {
    let live = sqlx::query!(
        r#"SELECT token_hash, token_nonce AS "token_nonce!", token_sealed AS "token_sealed!"
             FROM signer_links
            WHERE signer_id = $1 AND purpose = 'invitation' AND expires_at > now()
              AND token_sealed IS NOT NULL
            ORDER BY expires_at DESC LIMIT 1"#,
        signer_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| (row.token_hash, row.token_nonce, row.token_sealed));
    if let Some((hash, nonce, ciphertext)) = live {
        let sealed = SealedKey { nonce, ciphertext };
        match kek.open_bytes(&sealed, &seal_label(signer_id)) {
            Ok(clear) => match String::from_utf8(clear) {
                Ok(token) if token_hash(&token) == hash => {
                    sqlx::query!(
                        "UPDATE signer_links SET expires_at = $2 WHERE token_hash = $1",
                        hash,
                        expires_at,
                    )
                    .execute(&mut *conn)
                    .await?;
                    return Ok(token);
                }
                _ => tracing::warn!(%signer_id, "a sealed signer link does not match its hash"),
            },
            // Sealed under an earlier key-encryption key: the old link keeps working until
            // its expiry, and the new one becomes the link reminders re-send.
            Err(error) => tracing::warn!(%signer_id, %error, "a signer link does not unseal"),
        }
    }
    let (token, hash) = new_token();
    let sealed = kek
        .seal_bytes(token.as_bytes(), &seal_label(signer_id))
        .map_err(|e| CollectionError::Internal(e.into()))?;
    sqlx::query!(
        "INSERT INTO signer_links (token_hash, signer_id, purpose, expires_at, token_nonce, token_sealed)
         VALUES ($1, $2, 'invitation', $3, $4, $5)",
        hash,
        signer_id.as_uuid(),
        expires_at,
        sealed.nonce,
        sealed.ciphertext,
    )
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// One new completion link per signer, valid until `expires_at`; tokens in the order of
/// `signer_ids`. They are never re-sent, so only their hashes are kept.
pub async fn completion(
    conn: &mut PgConnection,
    signer_ids: &[SignerId],
    expires_at: DateTime<Utc>,
) -> Result<Vec<String>> {
    let signer_ids: Vec<_> = signer_ids.iter().map(SignerId::as_uuid).collect();
    let (tokens, hashes): (Vec<String>, Vec<Vec<u8>>) =
        signer_ids.iter().map(|_| new_token()).unzip();
    sqlx::query!(
        "INSERT INTO signer_links (token_hash, signer_id, purpose, expires_at)
         SELECT hash, signer, 'completion', $3 FROM UNNEST($1::bytea[], $2::uuid[]) AS l (hash, signer)",
        &hashes,
        &signer_ids,
        expires_at,
    )
    .execute(&mut *conn)
    .await?;
    Ok(tokens)
}

/// Moves the expiry of the signers' live links to at least `until` (the collection's new
/// expiry after a manual reminder, the purge once completed): a signer who already signed
/// keeps their page and downloads as long as the collection does.
pub async fn extend_live(
    conn: &mut PgConnection,
    signer_ids: &[SignerId],
    until: DateTime<Utc>,
) -> Result<()> {
    let signer_ids: Vec<_> = signer_ids.iter().map(SignerId::as_uuid).collect();
    sqlx::query!(
        "UPDATE signer_links SET expires_at = GREATEST(expires_at, $2)
          WHERE signer_id = ANY($1) AND expires_at > now()",
        &signer_ids,
        until,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether a link is past its own expiry.
pub fn is_expired(expires_at: DateTime<Utc>) -> bool {
    expires_at <= Utc::now()
}

/// Links that expired this long ago are deleted: until then an old email still says
/// "expired" rather than "unknown link".
pub const KEPT_AFTER_EXPIRY_DAYS: i32 = 30;

/// Deletes links expired more than [`KEPT_AFTER_EXPIRY_DAYS`] ago; how many went.
pub async fn delete_long_expired(conn: &mut PgConnection) -> Result<u64> {
    Ok(sqlx::query!(
        "DELETE FROM signer_links WHERE expires_at < now() - make_interval(days => $1)",
        KEPT_AFTER_EXPIRY_DAYS,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
