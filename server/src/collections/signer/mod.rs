//! The signer's side, reached through a personal link (no account): open, read and accept,
//! receive a code by SMS, sign every document with it, or refuse.
//!
//! Level-1 signatures are made with a key generated for this signer alone and a one-time
//! certificate in the signer's name issued on the fly (see ARCHITECTURE.md for why not a
//! platform certificate). The key is made when the first code is sent, kept sealed under
//! the key-encryption key, and opened only by [`sign`] after the code matched: the
//! one-time code is the only door to it. It is erased once it signed.

mod code;
mod completion;
mod signature;

use sqlx::{PgConnection, PgPool};

use super::{
    emails, links, CollectionError, CollectionRow, CollectionStatus, Result, SignerRow,
    SignerStatus, SigningMode,
};
use crate::audit::{self, AcceptedDocument, Actor, AuditEvent};
use crate::ids::{CabinetId, CollectionId, ContactId, DocumentId, SignerId, UserId};
use crate::notifications;
use crate::request_meta::RequestMeta;
use crate::tokens::token_hash;

pub use code::{request_code, CodeSent, CODE_VALIDITY_MINUTES};
pub use signature::{sign, Signed};

use super::signer_keys::needs_certificate;
use completion::cabinet_and_preparer;

/// The signer behind a link, with whether a key or certificate is already set for them.
struct LinkedSigner {
    signer: SignerRow,
    has_key: bool,
}

/// The collection behind a link, its row locked, and the link's signer (with whether a
/// key or certificate is already set for them).
struct LockedCollection {
    collection: CollectionRow,
    signer_id: SignerId,
    signer_has_key: bool,
}

/// The signer and collection behind a link, the collection's row locked. The signer is
/// read after the lock is granted, so it is as the previous holder of the lock left it
/// (read in the locking statement, it could predate a signature that just committed).
async fn resolve_locked(
    conn: &mut PgConnection,
    token: &str,
) -> Result<(SignerRow, CollectionRow)> {
    let (linked, collection) = resolve_locked_with_key(conn, token).await?;
    Ok((linked.signer, collection))
}

async fn resolve_locked_with_key(
    conn: &mut PgConnection,
    token: &str,
) -> Result<(LinkedSigner, CollectionRow)> {
    let locked = lock_link(conn, token).await?;
    let signer = super::signer_row(&mut *conn, locked.signer_id).await?;
    let has_key = locked.signer_has_key;
    Ok((LinkedSigner { signer, has_key }, locked.collection))
}

/// Locks the collection behind a link, in one statement (every step of the signer's flow
/// starts here); the caller reads the signer afterwards.
async fn lock_link(conn: &mut PgConnection, token: &str) -> Result<LockedCollection> {
    let row = sqlx::query!(
        r#"SELECT c.id AS "id: CollectionId", c.cabinet_id AS "cabinet_id: CabinetId", c.created_by AS "created_by: UserId", c.title, c.message, c.mode AS "mode: SigningMode",
                  c.status AS "status: CollectionStatus", c.created_at, c.launched_at, c.expires_at,
                  c.last_reminded_at, c.ended_at, c.purged_at,
                  l.signer_id AS "signer_id: SignerId", l.expires_at AS link_expires_at, s.certificate IS NOT NULL AS "signer_has_key!"
             FROM signer_links l
             JOIN signers s ON s.id = l.signer_id
             JOIN collections c ON c.id = s.collection_id
            WHERE l.token_hash = $1
              FOR UPDATE OF c"#,
        token_hash(token),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::LinkInvalid)?;
    let collection = super::collection_row!(row);
    if links::is_expired(row.link_expires_at) {
        return Err(expired_link(&collection));
    }
    Ok(LockedCollection {
        collection,
        signer_id: row.signer_id,
        signer_has_key: row.signer_has_key,
    })
}

/// A link of an ended collection is dead, except a completed one's, which still downloads
/// the signed documents until they are purged.
fn ensure_live(collection: &CollectionRow) -> Result<()> {
    match collection.status() {
        CollectionStatus::Active => Ok(()),
        CollectionStatus::Completed if collection.purged_at.is_none() => Ok(()),
        status => Err(CollectionError::Closed(if collection.purged_at.is_some() {
            "archivée"
        } else {
            status.ended_as()
        })),
    }
}

/// What a link past its own expiry answers: an ended collection says so, rather than
/// "this link expired".
fn expired_link(collection: &CollectionRow) -> CollectionError {
    match ensure_live(collection) {
        Err(closed) => closed,
        Ok(()) => CollectionError::LinkExpired,
    }
}

/// Signing actions need a running collection and a signer whose turn it is.
fn ensure_can_act(collection: &CollectionRow, signer: &SignerRow) -> Result<()> {
    if collection.status() != CollectionStatus::Active {
        return Err(CollectionError::Closed(collection.status().ended_as()));
    }
    match signer.status() {
        SignerStatus::Invited => Ok(()),
        SignerStatus::Signed => Err(CollectionError::InvalidState("vous avez déjà signé".into())),
        SignerStatus::Refused => Err(CollectionError::InvalidState(
            "vous avez refusé de signer".into(),
        )),
        SignerStatus::Waiting => Err(CollectionError::InvalidState(
            "ce n'est pas encore votre tour de signer".into(),
        )),
    }
}

/// Opens the link: what the signer's page shows. The first opening is recorded.
pub async fn open(
    db: &PgPool,
    token: &str,
    meta: &RequestMeta,
) -> Result<(SignerRow, CollectionRow, bool)> {
    let mut tx = db.begin().await?;
    let (mut signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_live(&collection)?;
    let first_open = signer.opened_at.is_none() && collection.status() == CollectionStatus::Active;
    if first_open {
        signer = sqlx::query_as!(
            SignerRow,
            r#"UPDATE signers SET opened_at = now() WHERE id = $1
               RETURNING id AS "id: SignerId", collection_id AS "collection_id: CollectionId", position, user_id AS "user_id: UserId", contact_id AS "contact_id: ContactId", first_name, last_name, email, mobile, level,
                   status AS "status: SignerStatus", invited_at, opened_at, accepted_at, signed_at, refused_at, refusal_reason,
                   stamp_page, stamp_x, stamp_y, stamp_width, stamp_height,
                   COALESCE(language, (SELECT u.language FROM users u WHERE u.id = signers.user_id)) AS language"#,
            signer.id.as_uuid()
        )
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            collection.id,
            Actor::Signer(signer.id),
            meta,
            AuditEvent::Opened { signer: signer.id },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((signer, collection, first_open))
}

/// "J'ai lu et j'accepte le(s) document(s)".
pub async fn accept(
    db: &PgPool,
    token: &str,
    meta: &RequestMeta,
) -> Result<(SignerRow, CollectionRow)> {
    let mut tx = db.begin().await?;
    let (mut signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    if signer.accepted_at.is_none() {
        signer = sqlx::query_as!(
            SignerRow,
            r#"UPDATE signers SET accepted_at = now(), opened_at = COALESCE(opened_at, now()) WHERE id = $1
               RETURNING id AS "id: SignerId", collection_id AS "collection_id: CollectionId", position, user_id AS "user_id: UserId", contact_id AS "contact_id: ContactId", first_name, last_name, email, mobile, level,
                   status AS "status: SignerStatus", invited_at, opened_at, accepted_at, signed_at, refused_at, refusal_reason,
                   stamp_page, stamp_x, stamp_y, stamp_width, stamp_height,
                   COALESCE(language, (SELECT u.language FROM users u WHERE u.id = signers.user_id)) AS language"#,
            signer.id.as_uuid(),
        )
        .fetch_one(&mut *tx)
        .await?;
        let documents = super::documents(&mut tx, collection.id).await?;
        let accepted = AuditEvent::DocumentsAccepted {
            signer: signer.id,
            documents: documents
                .iter()
                .map(|d| AcceptedDocument {
                    id: d.id,
                    sha256: hex::encode(&d.current_sha256),
                    pages: d.pages,
                })
                .collect(),
        };
        audit::append(
            &mut tx,
            collection.id,
            Actor::Signer(signer.id),
            meta,
            accepted,
        )
        .await?;
    }
    tx.commit().await?;
    Ok((signer, collection))
}

/// "Créer mon certificat": the account of an outside signer who must create one, made
/// from the link (the link is already their credential). Never an account someone logs in
/// to with a password or that belongs to a cabinet: those enrol after logging in.
pub async fn begin_certificate_creation(
    db: &PgPool,
    token: &str,
    meta: &RequestMeta,
) -> Result<UserId> {
    let mut tx = db.begin().await?;
    let (signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    if signer.user_id.is_some() {
        return Err(CollectionError::InvalidState(
            "connectez-vous à votre compte pour créer votre certificat".into(),
        ));
    }
    if !needs_certificate(&mut tx, &signer).await? {
        return Err(CollectionError::InvalidState(
            "votre signature ne demande pas de nouveau certificat".into(),
        ));
    }
    let existing = sqlx::query!(
        r#"SELECT u.id AS "id: UserId", (u.password_hash IS NOT NULL OR u.is_operator OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)) AS "can_log_in!"
             FROM users u WHERE u.email = lower($1)"#,
        &signer.email,
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|row| (row.id, row.can_log_in));
    let user_id = match existing {
        Some((_, true)) => {
            return Err(CollectionError::InvalidState(
                "un compte existe à cette adresse : connectez-vous pour créer votre certificat"
                    .into(),
            ))
        }
        Some((id, false)) => id,
        None => {
            sqlx::query_scalar!(
                r#"INSERT INTO users (email, first_name, last_name, mobile) VALUES (lower($1), $2, $3, $4) RETURNING id AS "id: UserId""#,
                &signer.email,
                &signer.first_name,
                &signer.last_name,
                &signer.mobile,
            )
            .fetch_one(&mut *tx)
            .await?
        }
    };
    audit::append(
        &mut tx,
        collection.id,
        Actor::Signer(signer.id),
        meta,
        AuditEvent::CertificateCreationStarted { signer: signer.id },
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Refusal ends the collection for everybody; the preparer is told, nobody gets documents.
pub async fn refuse(
    db: &PgPool,
    public_url: &str,
    token: &str,
    reason: Option<&str>,
    meta: &RequestMeta,
) -> Result<(SignerRow, CollectionRow)> {
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(2000).collect::<String>());
    let mut tx = db.begin().await?;
    let (signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    let signer = sqlx::query_as!(
        SignerRow,
        r#"UPDATE signers SET status = 'refused', refused_at = now(), refusal_reason = $2, key_nonce = NULL, key_sealed = NULL WHERE id = $1
           RETURNING id AS "id: SignerId", collection_id AS "collection_id: CollectionId", position, user_id AS "user_id: UserId", contact_id AS "contact_id: ContactId", first_name, last_name, email, mobile, level,
                   status AS "status: SignerStatus", invited_at, opened_at, accepted_at, signed_at, refused_at, refusal_reason,
                   stamp_page, stamp_x, stamp_y, stamp_width, stamp_height,
                   COALESCE(language, (SELECT u.language FROM users u WHERE u.id = signers.user_id)) AS language"#,
        signer.id.as_uuid(),
        reason.as_deref(),
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE signing_codes SET closed_at = now() WHERE signer_id = $1 AND closed_at IS NULL",
        signer.id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE collections SET status = 'refused', ended_at = now() WHERE id = $1",
        collection.id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    let collection = super::get(&mut tx, collection.id).await?;
    let (cabinet, preparer, preparer_language) = cabinet_and_preparer(&mut tx, &collection).await?;
    let text = emails::refused_to_preparer(
        preparer_language,
        &collection.title,
        &signer.full_name(),
        reason.as_deref(),
        &format!("{public_url}/collections/{}", collection.id),
    );
    notifications::enqueue_email(
        &mut tx,
        &preparer,
        Some(&cabinet),
        &text.subject,
        &text.body,
    )
    .await?;
    for other in super::signers(&mut tx, collection.id).await? {
        if other.id != signer.id && other.status() == SignerStatus::Invited {
            let text = emails::ended_to_signer(
                other.language(),
                &cabinet,
                &collection.title,
                emails::Ending::Refused,
            );
            notifications::enqueue_email(
                &mut tx,
                &other.email,
                Some(&cabinet),
                &text.subject,
                &text.body,
            )
            .await?;
        }
    }
    audit::append(
        &mut tx,
        collection.id,
        Actor::Signer(signer.id),
        meta,
        AuditEvent::Refused {
            signer: signer.id,
            reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((signer, collection))
}

/// A document the link's holder may read: while the collection runs, or its signed
/// version once completed (until purged).
pub async fn document(
    db: &PgPool,
    token: &str,
    document_id: DocumentId,
) -> Result<super::StoredFile> {
    let mut conn = db.acquire().await?;
    // Without locking: reading only. The link's signer, in one statement (a phone reading a
    // document asks for each page).
    let link = sqlx::query!(
        r#"SELECT s.collection_id AS "collection_id: CollectionId", s.status AS "status: SignerStatus", l.expires_at
             FROM signer_links l JOIN signers s ON s.id = l.signer_id
            WHERE l.token_hash = $1"#,
        token_hash(token),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::LinkInvalid)?;
    let collection = super::get(&mut conn, link.collection_id).await?;
    if links::is_expired(link.expires_at) {
        return Err(expired_link(&collection));
    }
    ensure_live(&collection)?;
    if link.status == SignerStatus::Waiting {
        return Err(CollectionError::InvalidState(
            "ce n'est pas encore votre tour".into(),
        ));
    }
    super::stored_file(&mut conn, collection.id, document_id).await
}
