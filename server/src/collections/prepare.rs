//! The preparer's side: a draft collection gets documents and signers, then is launched;
//! a running one can be cancelled (reminders: `invitations`).

use paraphe_shared::{Email, Language, PersonName, PhoneE164};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::invitations::invite;
use super::links::LinkIssuer;
use super::{
    emails, lock_in_scope, CollectionError, CollectionRow, CollectionStatus, DocumentKind,
    DocumentRow, Result, SignerRow, SigningMode, EXPIRY_DAYS,
};
use crate::audit::{self, Actor, AuditEvent, NamedDigest};
use crate::billing;
use crate::cabinets::CabinetScope;
use crate::contacts;
use crate::ids::{CollectionId, ContactId, DocumentId, SignerId, UserId};
use crate::notifications;
use crate::request_meta::RequestMeta;
use crate::signing::{self, PdfError, VisibleStamp};

fn ensure_draft(row: &CollectionRow) -> Result<()> {
    if row.status() != CollectionStatus::Draft {
        return Err(CollectionError::InvalidState(
            "la demande est lancée : ses documents et signataires ne changent plus".into(),
        ));
    }
    Ok(())
}

/// Locks a collection of the scope's cabinet; another cabinet's is `NotFound`.
fn clean_title(title: &str) -> Result<String> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(CollectionError::Validation(
            "le titre est obligatoire (200 caractères au plus)".into(),
        ));
    }
    Ok(title.to_owned())
}

fn clean_message(message: &str) -> Result<String> {
    if message.chars().count() > 5000 {
        return Err(CollectionError::Validation(
            "le message dépasse 5000 caractères".into(),
        ));
    }
    Ok(message.trim().to_owned())
}

pub async fn create(
    db: &PgPool,
    scope: &CabinetScope,
    title: &str,
    message: &str,
    mode: SigningMode,
    meta: &RequestMeta,
) -> Result<CollectionRow> {
    let (title, message) = (clean_title(title)?, clean_message(message)?);
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO collections (cabinet_id, created_by, title, message, mode) VALUES ($1, $2, $3, $4, $5) RETURNING id AS "id: CollectionId""#,
        scope.cabinet_id().as_uuid(),
        scope.user_id().as_uuid(),
        &title,
        &message,
        mode.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let row = super::get(&mut tx, id).await?;
    audit::append(
        &mut tx,
        row.id,
        Actor::User(scope.user_id()),
        meta,
        AuditEvent::Created {
            title: title.to_owned(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    title: &str,
    message: &str,
    mode: SigningMode,
) -> Result<CollectionRow> {
    let (title, message) = (clean_title(title)?, clean_message(message)?);
    let mut tx = db.begin().await?;
    ensure_draft(&lock_in_scope(&mut tx, scope, collection_id).await?)?;
    sqlx::query!(
        "UPDATE collections SET title = $2, message = $3, mode = $4 WHERE id = $1",
        collection_id.as_uuid(),
        &title,
        &message,
        mode.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    let row = super::get(&mut tx, collection_id).await?;
    tx.commit().await?;
    Ok(row)
}

/// Stores an uploaded PDF after checking it can be signed: a non-PDF, an oversized,
/// encrypted, broken or change-forbidding PDF is refused before anything is stored.
pub async fn add_document(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    filename: &str,
    content: Vec<u8>,
    kind: DocumentKind,
    meta: &RequestMeta,
) -> Result<DocumentRow> {
    let filename: String = filename
        .trim()
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(200)
        .collect();
    let filename = if filename.is_empty() {
        "document.pdf".to_owned()
    } else {
        filename
    };
    if content.len() > signing::MAX_PDF_BYTES {
        return Err(PdfError::TooLarge.into());
    }
    let info = {
        let content = content.clone();
        tokio::task::spawn_blocking(move || signing::inspect(&content))
            .await
            .map_err(|e| CollectionError::Internal(e.into()))??
    };
    let sha256 = Sha256::digest(&content).to_vec();
    let mut tx = db.begin().await?;
    ensure_draft(&lock_in_scope(&mut tx, scope, collection_id).await?)?;
    let document = sqlx::query_as!(
        DocumentRow,
        r#"INSERT INTO collection_documents (collection_id, position, kind, filename, pages, original_sha256, current_sha256, content)
           VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM collection_documents WHERE collection_id = $1), $2, $3, $4, $5, $5, $6)
           RETURNING id AS "id: DocumentId", collection_id AS "collection_id: CollectionId", position, kind AS "kind: DocumentKind", filename, pages, original_sha256, current_sha256, created_at"#,
        collection_id.as_uuid(),
        kind.as_str(),
        &filename,
        info.pages as i32,
        &sha256,
        &content,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        collection_id,
        Actor::User(scope.user_id()),
        meta,
        AuditEvent::DocumentAdded {
            document: document.id,
            filename: filename.to_owned(),
            kind: kind.as_str(),
            pages: info.pages,
            sha256: hex::encode(&sha256),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(document)
}

pub async fn remove_document(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    document_id: DocumentId,
    meta: &RequestMeta,
) -> Result<()> {
    let mut tx = db.begin().await?;
    ensure_draft(&lock_in_scope(&mut tx, scope, collection_id).await?)?;
    let deleted = sqlx::query!(
        "DELETE FROM collection_documents WHERE id = $1 AND collection_id = $2",
        document_id.as_uuid(),
        collection_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(CollectionError::NotFound);
    }
    audit::append(
        &mut tx,
        collection_id,
        Actor::User(scope.user_id()),
        meta,
        AuditEvent::DocumentRemoved {
            document: document_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who signs: the preparer, a member of the cabinet, a saved contact, or someone new (who
/// becomes a contact of the cabinet).
pub enum SignerSource {
    Me,
    Member(UserId),
    Contact(ContactId),
    Person {
        first_name: String,
        last_name: String,
        email: String,
        mobile: String,
    },
}

struct Identity {
    user_id: Option<UserId>,
    contact_id: Option<ContactId>,
    first_name: String,
    last_name: String,
    email: String,
    mobile: String,
}

fn need_mobile(mobile: Option<String>, who: &str) -> Result<String> {
    mobile.ok_or_else(|| {
        CollectionError::Validation(format!(
            "{who} n'a pas de numéro de mobile : il en faut un pour recevoir le code de signature"
        ))
    })
}

async fn identity(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    source: SignerSource,
) -> Result<Identity> {
    match source {
        SignerSource::Me | SignerSource::Member(_) => {
            let user_id = match source {
                SignerSource::Member(id) => id,
                _ => scope.user_id(),
            };
            let row = sqlx::query!(
                "SELECT u.first_name, u.last_name, u.email, u.mobile FROM users u
                 JOIN memberships m ON m.user_id = u.id AND m.cabinet_id = $2 WHERE u.id = $1",
                user_id.as_uuid(),
                scope.cabinet_id().as_uuid(),
            )
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(CollectionError::NotFound)?;
            let (first_name, last_name, email, mobile) =
                (row.first_name, row.last_name, row.email, row.mobile);
            let mobile = need_mobile(mobile, &format!("{first_name} {last_name}"))?;
            Ok(Identity {
                user_id: Some(user_id),
                contact_id: None,
                first_name,
                last_name,
                email,
                mobile,
            })
        }
        SignerSource::Contact(contact_id) => {
            let row = contacts::for_signer(&mut *conn, scope, contact_id)
                .await?
                .ok_or(CollectionError::NotFound)?;
            Ok(Identity {
                user_id: None,
                contact_id: Some(contact_id),
                first_name: row.first_name,
                last_name: row.last_name,
                email: row.email,
                mobile: row.mobile,
            })
        }
        SignerSource::Person {
            first_name,
            last_name,
            email,
            mobile,
        } => {
            let invalid =
                |e: paraphe_shared::ValidationError| CollectionError::Validation(e.to_string());
            let first_name = PersonName::parse(&first_name).map_err(invalid)?;
            let last_name = PersonName::parse(&last_name).map_err(invalid)?;
            let email = Email::parse(&email).map_err(invalid)?;
            let mobile = PhoneE164::parse(&mobile).map_err(invalid)?;
            let contact_id =
                contacts::remember(&mut *conn, scope, &first_name, &last_name, &email, &mobile)
                    .await?;
            Ok(Identity {
                user_id: None,
                contact_id: Some(contact_id),
                first_name: first_name.as_str().to_owned(),
                last_name: last_name.as_str().to_owned(),
                email: email.as_str().to_owned(),
                mobile: mobile.as_str().to_owned(),
            })
        }
    }
}

/// Levels 2 and 3 sign with the signer's own certificate. Level 2 takes an LCP, which a
/// signer without one creates from the invitation ("créez votre certificat"); level 3 takes
/// a QCP, which a cabinet buys for its own members: the preparer may choose it only for a
/// member of the cabinet (`user_id`, set for "me" and members only) who holds one now. An
/// outsider is refused without looking them up, so that no cabinet learns whether some
/// email holds a QCP.
async fn check_level(conn: &mut PgConnection, level: i16, user_id: Option<UserId>) -> Result<()> {
    match level {
        1 | 2 => Ok(()),
        3 => match user_id {
            None => Err(CollectionError::QualifiedForMembersOnly),
            Some(member)
                if crate::certificates::live(conn, member, crate::pki::Level::Qcp)
                    .await?
                    .is_some() =>
            {
                Ok(())
            }
            Some(_) => Err(CollectionError::CertificateRequired(level)),
        },
        _ => Err(CollectionError::Validation(
            "le niveau de signature est 1, 2 ou 3".into(),
        )),
    }
}

/// A signer to add: who, at which level, with which visible stamp, in which language.
pub struct NewSigner {
    pub source: SignerSource,
    pub level: i16,
    pub stamp: Option<VisibleStamp>,
    /// `None`: the signer's browser decides once they open the link.
    pub language: Option<Language>,
}

pub async fn add_signer(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    new: NewSigner,
    meta: &RequestMeta,
) -> Result<SignerRow> {
    let NewSigner {
        source,
        level,
        stamp,
        language,
    } = new;
    if let Some(stamp) = &stamp {
        check_stamp(stamp)?;
    }
    let mut tx = db.begin().await?;
    ensure_draft(&lock_in_scope(&mut tx, scope, collection_id).await?)?;
    let who = identity(&mut tx, scope, source).await?;
    check_level(&mut tx, level, who.user_id).await?;
    let duplicate = sqlx::query_scalar!(
        "SELECT id FROM signers WHERE collection_id = $1 AND email = $2",
        collection_id.as_uuid(),
        &who.email,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if duplicate.is_some() {
        return Err(CollectionError::Validation(format!(
            "{} signe déjà cette demande",
            who.email
        )));
    }
    let signer_id = sqlx::query_scalar!(
        r#"INSERT INTO signers (collection_id, position, user_id, contact_id, first_name, last_name, email, mobile, level,
                              stamp_page, stamp_x, stamp_y, stamp_width, stamp_height, language)
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM signers WHERE collection_id = $1), $2, $3, $4, $5, $6, $7, $8,
                 $9, $10, $11, $12, $13, $14)
         RETURNING id AS "id: SignerId""#,
        collection_id.as_uuid(),
        who.user_id.map(UserId::into_uuid),
        who.contact_id.map(ContactId::into_uuid),
        &who.first_name,
        &who.last_name,
        &who.email,
        &who.mobile,
        level,
        stamp.as_ref().map(|s| s.page as i32),
        stamp.as_ref().map(|s| s.x),
        stamp.as_ref().map(|s| s.y),
        stamp.as_ref().map(|s| s.width),
        stamp.as_ref().map(|s| s.height),
        language.map(Language::code),
    )
    .fetch_one(&mut *tx)
    .await?;
    let signer = super::signer_row(&mut tx, signer_id).await?;
    audit::append(
        &mut tx,
        collection_id,
        Actor::User(scope.user_id()),
        meta,
        AuditEvent::SignerAdded {
            signer: signer.id,
            email: signer.email.clone(),
            level,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(signer)
}

pub async fn remove_signer(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    signer_id: SignerId,
    meta: &RequestMeta,
) -> Result<()> {
    let mut tx = db.begin().await?;
    ensure_draft(&lock_in_scope(&mut tx, scope, collection_id).await?)?;
    let deleted = sqlx::query!(
        "DELETE FROM signers WHERE id = $1 AND collection_id = $2",
        signer_id.as_uuid(),
        collection_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(CollectionError::NotFound);
    }
    renumber(&mut tx, collection_id, None).await?;
    audit::append(
        &mut tx,
        collection_id,
        Actor::User(scope.user_id()),
        meta,
        AuditEvent::SignerRemoved { signer: signer_id },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts the signer at `position` (1 = signs first), shifting the others.
pub async fn move_signer(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    signer_id: SignerId,
    position: i32,
) -> Result<Vec<SignerRow>> {
    let mut tx = db.begin().await?;
    ensure_draft(&lock_in_scope(&mut tx, scope, collection_id).await?)?;
    let exists = sqlx::query_scalar!(
        "SELECT id FROM signers WHERE id = $1 AND collection_id = $2",
        signer_id.as_uuid(),
        collection_id.as_uuid(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    if exists.is_none() {
        return Err(CollectionError::NotFound);
    }
    renumber(&mut tx, collection_id, Some((signer_id, position))).await?;
    let signers = super::signers(&mut tx, collection_id).await?;
    tx.commit().await?;
    Ok(signers)
}

/// Numbers signers 1..n in their order, optionally moving one to a new place first.
async fn renumber(
    conn: &mut PgConnection,
    collection_id: CollectionId,
    moved: Option<(SignerId, i32)>,
) -> Result<()> {
    let mut ids: Vec<SignerId> = super::signers(conn, collection_id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if let Some((id, position)) = moved {
        ids.retain(|existing| *existing != id);
        let index = (position.max(1) as usize - 1).min(ids.len());
        ids.insert(index, id);
    }
    // The (collection, position) constraint is deferred to the commit.
    for (index, id) in ids.iter().enumerate() {
        sqlx::query!(
            "UPDATE signers SET position = $2 WHERE id = $1",
            id.as_uuid(),
            index as i32 + 1,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn set_stamp(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    signer_id: SignerId,
    stamp: Option<VisibleStamp>,
) -> Result<SignerRow> {
    if let Some(stamp) = &stamp {
        check_stamp(stamp)?;
    }
    let mut tx = db.begin().await?;
    ensure_draft(&lock_in_scope(&mut tx, scope, collection_id).await?)?;
    let updated = sqlx::query!(
        "UPDATE signers SET stamp_page = $3, stamp_x = $4, stamp_y = $5, stamp_width = $6, stamp_height = $7
         WHERE id = $1 AND collection_id = $2",
        signer_id.as_uuid(),
        collection_id.as_uuid(),
        stamp.as_ref().map(|s| s.page as i32),
        stamp.as_ref().map(|s| s.x),
        stamp.as_ref().map(|s| s.y),
        stamp.as_ref().map(|s| s.width),
        stamp.as_ref().map(|s| s.height),
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(CollectionError::NotFound);
    }
    let signer = super::signer_row(&mut tx, signer_id).await?;
    tx.commit().await?;
    Ok(signer)
}

/// What launching will cost: one signature per signer per document to sign.
pub fn cost_cents(signers: usize, documents_to_sign: usize) -> i64 {
    (signers * documents_to_sign) as i64 * billing::SIGNATURE_CENTS
}

/// Checks everything, checks the credit, starts the 15-day clock and invites: the first
/// signer (sequential) or all of them (parallel).
pub async fn launch(
    db: &PgPool,
    issuer: LinkIssuer<'_>,
    scope: &CabinetScope,
    collection_id: CollectionId,
    meta: &RequestMeta,
) -> Result<(CollectionRow, Vec<SignerId>)> {
    let mut tx = db.begin().await?;
    let row = lock_in_scope(&mut tx, scope, collection_id).await?;
    ensure_draft(&row)?;
    let documents = super::documents(&mut tx, collection_id).await?;
    let to_sign: Vec<&DocumentRow> = documents
        .iter()
        .filter(|d| d.kind == DocumentKind::ToSign)
        .collect();
    if to_sign.is_empty() {
        return Err(CollectionError::Validation(
            "ajoutez au moins un document à signer".into(),
        ));
    }
    let signers = super::signers(&mut tx, collection_id).await?;
    if signers.is_empty() {
        return Err(CollectionError::Validation(
            "ajoutez au moins un signataire".into(),
        ));
    }
    for signer in &signers {
        check_level(&mut tx, signer.level, signer.user_id).await?;
        if let Some(stamp) = signer.stamp() {
            if let Some(document) = to_sign.iter().find(|d| stamp.page > d.pages as u32) {
                return Err(PdfError::BadStamp(format!(
                    "« {} » n'a pas de page {} pour le cachet de {}",
                    document.filename,
                    stamp.page,
                    signer.full_name()
                ))
                .into());
            }
        }
    }
    billing::lock_cabinet(&mut tx, scope.cabinet_id()).await?;
    billing::ensure_available(
        &mut tx,
        scope.cabinet_id(),
        cost_cents(signers.len(), to_sign.len()),
        Some(collection_id),
    )
    .await?;
    sqlx::query!(
        "UPDATE collections SET status = 'active', launched_at = now(), expires_at = now() + make_interval(days => $2)
         WHERE id = $1",
        collection_id.as_uuid(),
        EXPIRY_DAYS as i32,
    )
    .execute(&mut *tx)
    .await?;
    let row = super::get(&mut tx, collection_id).await?;
    let actor = Actor::User(scope.user_id());
    let launched = AuditEvent::Launched {
        mode: row.mode.as_str(),
        expires_at: row.expires_at.map(|t| t.to_rfc3339()),
        documents: to_sign
            .iter()
            .map(|d| NamedDigest {
                id: d.id,
                filename: d.filename.clone(),
                sha256: hex::encode(&d.original_sha256),
            })
            .collect(),
    };
    audit::append(&mut tx, collection_id, actor.clone(), meta, launched).await?;
    let invited: Vec<&SignerRow> = match row.mode() {
        SigningMode::Sequential => signers.iter().take(1).collect(),
        SigningMode::Parallel => signers.iter().collect(),
    };
    for signer in &invited {
        invite(&mut tx, issuer, &row, signer, false, meta, actor.clone()).await?;
    }
    tx.commit().await?;
    Ok((row, invited.iter().map(|s| s.id).collect()))
}

pub async fn cancel(
    db: &PgPool,
    scope: &CabinetScope,
    collection_id: CollectionId,
    meta: &RequestMeta,
) -> Result<CollectionRow> {
    let mut tx = db.begin().await?;
    let row = lock_in_scope(&mut tx, scope, collection_id).await?;
    if !matches!(
        row.status(),
        CollectionStatus::Draft | CollectionStatus::Active
    ) {
        return Err(CollectionError::InvalidState(format!(
            "la demande est déjà {}",
            row.status().ended_as()
        )));
    }
    sqlx::query!(
        "UPDATE collections SET status = 'cancelled', ended_at = now() WHERE id = $1",
        collection_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    let row = super::get(&mut tx, collection_id).await?;
    let cabinet = super::cabinet_name(&mut tx, row.cabinet_id).await?;
    for signer in super::signers(&mut tx, collection_id).await? {
        if signer.status() == super::SignerStatus::Invited {
            let text = emails::ended_to_signer(
                signer.language(),
                &cabinet,
                &row.title,
                emails::Ending::Cancelled,
            );
            notifications::enqueue_email(
                &mut tx,
                &signer.email,
                Some(&cabinet),
                &text.subject,
                &text.body,
            )
            .await?;
        }
    }
    audit::append(
        &mut tx,
        collection_id,
        Actor::User(scope.user_id()),
        meta,
        AuditEvent::Cancelled {},
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The engine's rule for a readable stamp, said in French.
fn check_stamp(stamp: &VisibleStamp) -> Result<(), PdfError> {
    stamp.check().map_err(|_| {
        PdfError::BadStamp(format!(
            "le cachet visible doit mesurer au moins {} × {} points",
            signing::stamp::MIN_WIDTH,
            signing::stamp::MIN_HEIGHT
        ))
    })
}
