//! The last signature ends the collection: every party gets a link to the signed PDFs.

use chrono::{Duration, Utc};
use paraphe_shared::Language;
use sqlx::PgConnection;

use crate::audit::{self, Actor, AuditEvent, DocumentDigest};
use crate::collections::{
    emails, links, CollectionRow, CollectionStatus, Result, SignerRow, SigningMode,
};
use crate::ids::{CabinetId, CollectionId, SignerId, UserId};
use crate::notifications;
use crate::request_meta::RequestMeta;

/// Everybody signed: the collection ends and every party gets a link to the signed PDFs.
/// `documents` are the final hashes, for the trail.
pub(super) async fn complete(
    conn: &mut PgConnection,
    issuer: links::LinkIssuer<'_>,
    collection: &CollectionRow,
    signers: &[SignerRow],
    documents: Vec<DocumentDigest>,
    meta: &RequestMeta,
) -> Result<CollectionRow> {
    // One statement: the collection ends, and what its emails need comes back with it.
    let row = sqlx::query!(
        r#"UPDATE collections c SET status = 'completed', ended_at = now() WHERE id = $1
           RETURNING c.id AS "id: CollectionId", c.cabinet_id AS "cabinet_id: CabinetId", c.created_by AS "created_by: UserId", c.title, c.message, c.mode AS "mode: SigningMode",
                     c.status AS "status: CollectionStatus", c.created_at, c.launched_at, c.expires_at,
                     c.last_reminded_at, c.ended_at, c.purged_at,
                     (SELECT name FROM cabinets WHERE id = c.cabinet_id) AS "cabinet_name!",
                     (SELECT email FROM users WHERE id = c.created_by) AS "preparer_email!",
                     (SELECT language FROM users WHERE id = c.created_by) AS preparer_language"#,
        collection.id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let completed = crate::collections::collection_row!(row);
    let (cabinet_name, preparer_email) = (row.cabinet_name, row.preparer_email);
    let preparer_language: Language = row
        .preparer_language
        .and_then(|code| code.parse().ok())
        .unwrap_or_default();
    // Downloads last as long as the documents: until the purge, for the links the signers
    // already hold as for the new ones.
    let signer_ids: Vec<SignerId> = signers.iter().map(|s| s.id).collect();
    let until_purge = Utc::now() + Duration::days(crate::collections::RETENTION_DAYS);
    links::extend_live(conn, &signer_ids, until_purge).await?;
    let tokens = links::completion(conn, &signer_ids, until_purge).await?;
    let mut texts = Vec::with_capacity(signers.len() + 1);
    for (signer, token) in signers.iter().zip(&tokens) {
        texts.push((
            signer.email.clone(),
            emails::completed(
                signer.language(),
                &collection.title,
                &issuer.signer_page(token),
            ),
        ));
    }
    if !signers.iter().any(|s| s.email == preparer_email) {
        texts.push((
            preparer_email.clone(),
            emails::completed(
                preparer_language,
                &collection.title,
                &format!("{}/collections/{}", issuer.public_url, collection.id),
            ),
        ));
    }
    let outgoing: Vec<notifications::Email<'_>> = texts
        .iter()
        .map(|(to, text)| notifications::Email {
            to,
            subject: &text.subject,
            body: &text.body,
        })
        .collect();
    notifications::enqueue_emails(conn, Some(&cabinet_name), &outgoing).await?;
    audit::append(
        conn,
        collection.id,
        Actor::System,
        meta,
        AuditEvent::Completed { documents },
    )
    .await?;
    Ok(completed)
}

/// The cabinet's name (the emails' sender name), the preparer's email and language.
pub(super) async fn cabinet_and_preparer(
    conn: &mut PgConnection,
    collection: &CollectionRow,
) -> Result<(String, String, Language)> {
    let row = sqlx::query!(
        r#"SELECT (SELECT name FROM cabinets WHERE id = $1) AS "cabinet!", u.email, u.language FROM users u WHERE u.id = $2"#,
        collection.cabinet_id.as_uuid(),
        collection.created_by.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        row.cabinet,
        row.email,
        row.language
            .and_then(|code| code.parse().ok())
            .unwrap_or_default(),
    ))
}
