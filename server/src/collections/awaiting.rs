//! What awaits a member's own signature, across their cabinets, and their way into it from
//! the app: a fresh personal link, as the invitation email carries, for the signer's page.

use chrono::{DateTime, Utc};
use paraphe_shared::Language;
use sqlx::PgPool;

use super::{links, CollectionError, CollectionStatus, Result, SignerStatus};
use crate::ids::{CollectionId, SignerId, UserId};
use crate::keys::KeyEncryptionKey;
use crate::tokens::token_hash;

/// A collection where the person is the signer whose turn it is.
#[derive(Debug, Clone)]
pub struct AwaitingSignature {
    pub signer_id: SignerId,
    pub collection_id: CollectionId,
    pub title: String,
    pub cabinet_name: String,
    pub invited_at: Option<DateTime<Utc>>,
}

/// The running collections that wait for `user_id` to sign, oldest invitation first.
pub async fn of_user(db: &PgPool, user_id: UserId) -> Result<Vec<AwaitingSignature>> {
    Ok(sqlx::query_as!(
        AwaitingSignature,
        r#"SELECT s.id AS "signer_id: SignerId", c.id AS "collection_id: CollectionId", c.title, k.name AS cabinet_name, s.invited_at
           FROM signers s
           JOIN collections c ON c.id = s.collection_id
           JOIN cabinets k ON k.id = c.cabinet_id
          WHERE s.user_id = $1 AND s.status = 'invited' AND c.status = 'active'
          ORDER BY s.invited_at, c.title
          LIMIT 200"#,
        user_id.as_uuid(),
    )
    .fetch_all(db)
    .await?)
}

/// The member's personal link for their own signer row, while it is their turn: the
/// link the invitation email gave them, handed to their logged-in session. Any other
/// signer row is `NOT_FOUND`.
pub async fn link_for(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    signer_id: SignerId,
) -> Result<String> {
    let mut tx = db.begin().await?;
    let turn = sqlx::query!(
        r#"SELECT s.status AS "signer_status: SignerStatus", c.status AS "collection_status: CollectionStatus", c.expires_at
             FROM signers s JOIN collections c ON c.id = s.collection_id
            WHERE s.id = $1 AND s.user_id = $2"#,
        signer_id.as_uuid(),
        user_id.as_uuid(),
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|row| (row.signer_status, row.collection_status, row.expires_at));
    let expires_at = match turn {
        None => return Err(CollectionError::NotFound),
        Some((SignerStatus::Invited, CollectionStatus::Active, Some(expires_at))) => expires_at,
        Some(_) => {
            return Err(CollectionError::InvalidState(
                "cette signature ne vous attend plus".into(),
            ))
        }
    };
    let token = links::invitation(&mut tx, kek, signer_id, expires_at).await?;
    tx.commit().await?;
    Ok(token)
}

/// The language the link's signer reads (their choice on the page, or their browser's),
/// for the SMS and emails still to come.
pub async fn set_language(db: &PgPool, token: &str, language: Language) -> Result<()> {
    let updated = sqlx::query!(
        "UPDATE signers SET language = $2
          WHERE id = (SELECT signer_id FROM signer_links WHERE token_hash = $1 AND expires_at > now())",
        token_hash(token),
        language.code(),
    )
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(CollectionError::LinkInvalid);
    }
    Ok(())
}
