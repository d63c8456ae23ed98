//! Collections: signature workflows a cabinet prepares and outside signers sign.
//!
//! - `prepare.rs`: the preparer's side (documents, signers, launch, cancel, remind).
//! - `signer.rs`: the signer's side through the invitation link (read, accept, code, sign,
//!   refuse), with the one-time code rules and the signature itself.
//! - `links.rs`: the signers' personal links (sealed for re-sending, each with its expiry).
//! - `jobs.rs`: expiry, automatic reminders and purge, as periodic scans of the database
//!   (so they survive restarts and run on any replica).
//! - `emails.rs`: the French texts of every email and SMS.
//! - `graphql.rs`, `http.rs`: the API and the document downloads.
//!
//! Every mutation of a collection starts by locking its row ([`lock`]): that orders audit
//! entries, serialises PDF revisions of parallel signers, and makes state checks final.

pub mod awaiting;
pub mod emails;
pub mod graphql;
pub mod http;
pub mod invitations;
pub mod jobs;
pub mod links;
pub mod prepare;
pub mod proof;
pub mod signer;
pub mod signer_keys;

use chrono::{DateTime, Utc};
use paraphe_shared::Language;
use sqlx::{PgConnection, PgPool};

use crate::billing::BillingError;
use crate::cabinets::access::{self, CabinetScope, Need};
use crate::events::{CollectionChange, CollectionEventKind, DomainEvent, EventBus};
use crate::ids::{CabinetId, CollectionId, ContactId, DocumentId, SignerId, UserId};
use crate::signing::PdfError;

/// Expiry after launch and after each reminder.
pub const EXPIRY_DAYS: i64 = 15;
/// Documents are purged this long after the collection ends; the audit trail stays.
pub const RETENTION_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    #[error("introuvable")]
    NotFound,
    #[error("{0}")]
    InvalidState(String),
    #[error("cette demande de signature est {0} : le lien n'est plus actif")]
    Closed(&'static str),
    #[error("documents supprimés un mois après la fin de la demande")]
    Purged,
    #[error("ce lien de signature n'est pas valide")]
    LinkInvalid,
    #[error("ce lien a expiré : demandez au cabinet de vous renvoyer l'invitation")]
    LinkExpired,
    #[error("{0}")]
    Validation(String),
    #[error(
        "le niveau {0} demande un certificat au nom du signataire ; ce signataire n'en détient pas"
    )]
    CertificateRequired(i16),
    #[error("le niveau 3 (certificat qualifié) est réservé aux membres du cabinet qui détiennent un certificat qualifié")]
    QualifiedForMembersOnly,
    #[error("lisez et acceptez d'abord le(s) document(s)")]
    NotAccepted,
    #[error("aucun code en cours : demandez un code")]
    OtpNotSent,
    #[error("code incorrect ; il reste {0} essai(s)")]
    OtpInvalid(i32),
    #[error("ce code a expiré : demandez-en un nouveau")]
    OtpExpired,
    #[error("trop d'essais : ce code n'est plus valable, demandez-en un nouveau")]
    OtpLocked,
    #[error("trop de codes demandés : réessayez dans quelques minutes")]
    TooManyCodes,
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Access(#[from] crate::cabinets::access::AccessError),
    #[error(transparent)]
    Billing(#[from] BillingError),
    #[error(transparent)]
    Certificate(#[from] crate::certificates::CertificateError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(crate::BoxError),
}

pub type Result<T, E = CollectionError> = std::result::Result<T, E>;

// Stored as text (`draft`, `active`, …): a value the enum does not know is a decoding
// error, never a silent default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum CollectionStatus {
    Draft,
    Active,
    Completed,
    Refused,
    Expired,
    Cancelled,
}

impl CollectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Refused => "refused",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }
    /// How a signer is told the collection ended.
    pub fn ended_as(self) -> &'static str {
        match self {
            Self::Completed => "terminée",
            Self::Refused => "refusée",
            Self::Expired => "expirée",
            Self::Cancelled => "annulée",
            Self::Draft | Self::Active => "en cours",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SigningMode {
    /// The next signer is invited when the previous one signed.
    Sequential,
    /// Everybody is invited at launch.
    Parallel,
}

impl SigningMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sequential => "sequential",
            Self::Parallel => "parallel",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SignerStatus {
    /// Not invited yet (sequential collections, or before launch).
    Waiting,
    Invited,
    Signed,
    Refused,
}

impl SignerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Invited => "invited",
            Self::Signed => "signed",
            Self::Refused => "refused",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum DocumentKind {
    /// Signed by every signer.
    ToSign,
    /// Only to read.
    Attachment,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToSign => "to_sign",
            Self::Attachment => "attachment",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CollectionRow {
    pub id: CollectionId,
    pub cabinet_id: CabinetId,
    pub created_by: UserId,
    pub title: String,
    pub message: String,
    pub mode: SigningMode,
    pub status: CollectionStatus,
    pub created_at: DateTime<Utc>,
    pub launched_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_reminded_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub purged_at: Option<DateTime<Utc>>,
}

/// A [`CollectionRow`] from a `query!` record that selected every column of the row under
/// its own name (ids, `mode` and `status` typed), for statements that return more than the
/// row (the link's signer, the cabinet's name…). The record's other fields stay usable.
macro_rules! collection_row {
    ($record:ident) => {
        $crate::collections::CollectionRow {
            id: $record.id,
            cabinet_id: $record.cabinet_id,
            created_by: $record.created_by,
            title: $record.title,
            message: $record.message,
            mode: $record.mode,
            status: $record.status,
            created_at: $record.created_at,
            launched_at: $record.launched_at,
            expires_at: $record.expires_at,
            last_reminded_at: $record.last_reminded_at,
            ended_at: $record.ended_at,
            purged_at: $record.purged_at,
        }
    };
}
pub(crate) use collection_row;

impl CollectionRow {
    pub fn status(&self) -> CollectionStatus {
        self.status
    }
    pub fn mode(&self) -> SigningMode {
        self.mode
    }
}

#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: DocumentId,
    pub collection_id: CollectionId,
    pub position: i32,
    pub kind: DocumentKind,
    pub filename: String,
    pub pages: i32,
    pub original_sha256: Vec<u8>,
    pub current_sha256: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SignerRow {
    pub id: SignerId,
    pub collection_id: CollectionId,
    pub position: i32,
    pub user_id: Option<UserId>,
    pub contact_id: Option<ContactId>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub mobile: String,
    pub level: i16,
    pub status: SignerStatus,
    pub invited_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub refused_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub stamp_page: Option<i32>,
    pub stamp_x: Option<f32>,
    pub stamp_y: Option<f32>,
    pub stamp_width: Option<f32>,
    pub stamp_height: Option<f32>,
    /// The language set for this signer (by the preparer, or by the signer's page), else
    /// the one its member chose; `None`: French until the signer's page tells.
    pub language: Option<String>,
}

impl SignerRow {
    pub fn status(&self) -> SignerStatus {
        self.status
    }
    /// The language the server writes to this signer in.
    pub fn language(&self) -> Language {
        self.language
            .as_deref()
            .and_then(|code| code.parse().ok())
            .unwrap_or_default()
    }
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name.to_uppercase())
    }
    pub fn stamp(&self) -> Option<crate::signing::VisibleStamp> {
        Some(crate::signing::VisibleStamp {
            page: u32::try_from(self.stamp_page?).ok()?,
            x: self.stamp_x?,
            y: self.stamp_y?,
            width: self.stamp_width?,
            height: self.stamp_height?,
            level: level_label(self.level).to_owned(),
            cabinet: None,
        })
    }
}

pub fn level_label(level: i16) -> &'static str {
    match level {
        3 => "Signature avancée avec certificat qualifié",
        2 => "Signature avancée",
        _ => "Signature simple",
    }
}

// The queries that read a `CollectionRow` (`lock`, `get`, `page`) or a `SignerRow`
// (`signer_row`, `signers`) write out the same column list, ids typed, as the query macros
// take a string literal only; a statement that changes such a row reads it back through
// them.

/// Locks the collection's row for the rest of the transaction and reads it.
pub async fn lock(conn: &mut PgConnection, collection_id: CollectionId) -> Result<CollectionRow> {
    sqlx::query_as!(
        CollectionRow,
        r#"SELECT id AS "id: CollectionId", cabinet_id AS "cabinet_id: CabinetId", created_by AS "created_by: UserId", title, message, mode AS "mode: SigningMode", status AS "status: CollectionStatus",
                  created_at, launched_at, expires_at, last_reminded_at, ended_at, purged_at
             FROM collections WHERE id = $1 FOR UPDATE"#,
        collection_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::NotFound)
}

/// Locks a collection of the scope's cabinet; another cabinet's is `NOT_FOUND`.
async fn lock_in_scope(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    collection_id: CollectionId,
) -> Result<CollectionRow> {
    let row = lock(conn, collection_id).await?;
    if row.cabinet_id != scope.cabinet_id() {
        return Err(CollectionError::NotFound);
    }
    Ok(row)
}

pub async fn get(conn: &mut PgConnection, collection_id: CollectionId) -> Result<CollectionRow> {
    sqlx::query_as!(
        CollectionRow,
        r#"SELECT id AS "id: CollectionId", cabinet_id AS "cabinet_id: CabinetId", created_by AS "created_by: UserId", title, message, mode AS "mode: SigningMode", status AS "status: CollectionStatus",
                  created_at, launched_at, expires_at, last_reminded_at, ended_at, purged_at
             FROM collections WHERE id = $1"#,
        collection_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::NotFound)
}

pub async fn documents(
    conn: &mut PgConnection,
    collection_id: CollectionId,
) -> Result<Vec<DocumentRow>> {
    Ok(sqlx::query_as!(
        DocumentRow,
        r#"SELECT id AS "id: DocumentId", collection_id AS "collection_id: CollectionId", position, kind AS "kind: DocumentKind", filename, pages, original_sha256, current_sha256, created_at
             FROM collection_documents WHERE collection_id = $1 ORDER BY position"#,
        collection_id.as_uuid(),
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// The cabinet's name, as emails give it for their sender.
pub async fn cabinet_name(conn: &mut PgConnection, cabinet_id: CabinetId) -> Result<String> {
    Ok(sqlx::query_scalar!(
        "SELECT name FROM cabinets WHERE id = $1",
        cabinet_id.as_uuid()
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// A document's file as stored, until the purge empties it.
pub struct StoredFile {
    pub filename: String,
    pub pages: i32,
    pub content: Vec<u8>,
}

/// One of `collection_id`'s documents: `NotFound` if it is not one of them, `Purged` once
/// the purge removed its content.
pub async fn stored_file(
    conn: &mut PgConnection,
    collection_id: CollectionId,
    document_id: DocumentId,
) -> Result<StoredFile> {
    let row = sqlx::query!(
        "SELECT filename, pages, content FROM collection_documents WHERE id = $1 AND collection_id = $2",
        document_id.as_uuid(),
        collection_id.as_uuid()
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::NotFound)?;
    Ok(StoredFile {
        filename: row.filename,
        pages: row.pages,
        content: row.content.ok_or(CollectionError::Purged)?,
    })
}

/// One signer, by id: `NotFound` if there is none.
// SignerRow's column list is written out in each statement that returns one (here,
// `signers`, and the signer's UPDATE … RETURNING in `signer/`): sqlx's macros take only a
// string literal, and returning the row from its UPDATE saves the signer's flow a read.
pub async fn signer_row(conn: &mut PgConnection, signer_id: SignerId) -> Result<SignerRow> {
    sqlx::query_as!(
        SignerRow,
        r#"SELECT id AS "id: SignerId", collection_id AS "collection_id: CollectionId", position, user_id AS "user_id: UserId", contact_id AS "contact_id: ContactId", first_name, last_name, email, mobile, level,
                  status AS "status: SignerStatus", invited_at, opened_at, accepted_at, signed_at, refused_at, refusal_reason,
                  stamp_page, stamp_x, stamp_y, stamp_width, stamp_height,
                  COALESCE(language, (SELECT u.language FROM users u WHERE u.id = signers.user_id)) AS language
             FROM signers WHERE id = $1"#,
        signer_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::NotFound)
}

pub async fn signers(
    conn: &mut PgConnection,
    collection_id: CollectionId,
) -> Result<Vec<SignerRow>> {
    Ok(sqlx::query_as!(
        SignerRow,
        r#"SELECT id AS "id: SignerId", collection_id AS "collection_id: CollectionId", position, user_id AS "user_id: UserId", contact_id AS "contact_id: ContactId", first_name, last_name, email, mobile, level,
                  status AS "status: SignerStatus", invited_at, opened_at, accepted_at, signed_at, refused_at, refusal_reason,
                  stamp_page, stamp_x, stamp_y, stamp_width, stamp_height,
                  COALESCE(language, (SELECT u.language FROM users u WHERE u.id = signers.user_id)) AS language
             FROM signers WHERE collection_id = $1 ORDER BY position"#,
        collection_id.as_uuid(),
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// A page of the cabinet's collections, newest first, optionally of one status.
pub async fn page(
    db: &PgPool,
    scope: &CabinetScope,
    status: Option<CollectionStatus>,
    limit: i64,
    offset: i64,
) -> Result<Vec<CollectionRow>> {
    Ok(sqlx::query_as!(
        CollectionRow,
        r#"SELECT id AS "id: CollectionId", cabinet_id AS "cabinet_id: CabinetId", created_by AS "created_by: UserId", title, message, mode AS "mode: SigningMode", status AS "status: CollectionStatus",
                  created_at, launched_at, expires_at, last_reminded_at, ended_at, purged_at
             FROM collections WHERE cabinet_id = $1 AND ($2::text IS NULL OR status = $2)
            ORDER BY created_at DESC, id LIMIT $3 OFFSET $4"#,
        scope.cabinet_id().as_uuid(),
        status.map(CollectionStatus::as_str),
        limit,
        offset,
    )
    .fetch_all(db)
    .await?)
}

/// How many of the cabinet's collections are in each status.
pub async fn count_by_status(
    db: &PgPool,
    scope: &CabinetScope,
) -> Result<Vec<(CollectionStatus, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT status AS "status: CollectionStatus", count(*) AS "count!" FROM collections
           WHERE cabinet_id = $1 GROUP BY status"#,
        scope.cabinet_id().as_uuid()
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.status, row.count))
        .collect())
}

/// The tenant guard for a collection: the caller must belong to its cabinet and meet
/// `needs`. Another cabinet's collection is `NOT_FOUND`, as if it did not exist.
pub async fn scoped(
    db: &PgPool,
    user_id: UserId,
    collection_id: CollectionId,
    needs: &[Need],
) -> Result<(CabinetScope, CollectionRow)> {
    let row = get(&mut *db.acquire().await?, collection_id).await?;
    let scope = access::check(db, user_id, row.cabinet_id, needs).await?;
    Ok((scope, row))
}

/// Tells the collection's watchers what happened, after the transaction committed.
pub async fn announce(
    bus: &EventBus,
    cabinet_id: CabinetId,
    collection_id: CollectionId,
    kind: CollectionEventKind,
    signer_id: Option<SignerId>,
) {
    bus.publish(DomainEvent::collection(
        cabinet_id,
        CollectionChange {
            collection_id,
            kind,
            signer_id,
        },
    ))
    .await;
}
