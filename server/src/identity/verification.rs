//! The life of an identity verification, from the declaration to the holder's
//! confirmation, with every step in its event log.
//!
//! ```text
//! awaiting_documents ──submit──► checking ──checks──► in_review ──operator──► approved ──holder──► confirmed
//!                                    │                                │                 └───────► disputed
//!                                    └── clear failure ──► rejected ◄─┘
//! ```

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};

use super::checks::{self, Declared, ImageForOcr, Verdict};
use super::{
    DocumentType, IdentityError, ImageSide, Result, VerificationStatus, CAPTURE_LINK_MINUTES,
    MAX_IMAGE_BYTES,
};
use crate::config::Config;
use crate::events::{DomainEvent, EventBus, IdentityChange, IdentityEventKind};
use crate::ids::{UserId, VerificationId};
use crate::keys::{KeyEncryptionKey, SealedKey};
use crate::notifications;
use crate::request_meta::RequestMeta;
use crate::tokens::{new_token, token_hash};

#[derive(Debug, Clone)]
pub struct VerificationRow {
    pub id: VerificationId,
    pub user_id: UserId,
    pub purpose: String,
    pub document_type: DocumentType,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub status: VerificationStatus,
    pub mrz: Option<Value>,
    pub checks: Option<Value>,
    pub flagged: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserId>,
    pub rejection_code: Option<String>,
    pub rejection_reason: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub images_purged_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl VerificationRow {
    pub fn status(&self) -> VerificationStatus {
        self.status
    }

    pub fn document_type(&self) -> DocumentType {
        self.document_type
    }

    fn change(&self, kind: IdentityEventKind) -> IdentityChange {
        IdentityChange {
            verification_id: self.id,
            user_id: self.user_id,
            kind,
        }
    }
}

// The queries that read a `VerificationRow` all write out the same column list. JSONB
// columns and parameters name their type (`: Value`, `as _`): the macros map JSONB only
// with sqlx's `json` feature, which this crate does not enable.

pub async fn get(conn: &mut PgConnection, id: VerificationId) -> Result<VerificationRow> {
    sqlx::query_as!(
        VerificationRow,
        r#"SELECT id AS "id: VerificationId", user_id AS "user_id: UserId", purpose, document_type AS "document_type: DocumentType", first_name, last_name, birth_date,
                status AS "status: VerificationStatus", mrz AS "mrz: Value", checks AS "checks: Value", flagged, submitted_at, decided_at, decided_by AS "decided_by: UserId",
                rejection_code, rejection_reason, confirmed_at, images_purged_at, created_at
           FROM identity_verifications WHERE id = $1"#,
        id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(IdentityError::NotFound)
}

async fn lock(conn: &mut PgConnection, id: VerificationId) -> Result<VerificationRow> {
    sqlx::query_as!(
        VerificationRow,
        r#"SELECT id AS "id: VerificationId", user_id AS "user_id: UserId", purpose, document_type AS "document_type: DocumentType", first_name, last_name, birth_date,
                status AS "status: VerificationStatus", mrz AS "mrz: Value", checks AS "checks: Value", flagged, submitted_at, decided_at, decided_by AS "decided_by: UserId",
                rejection_code, rejection_reason, confirmed_at, images_purged_at, created_at
           FROM identity_verifications WHERE id = $1 FOR UPDATE"#,
        id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(IdentityError::NotFound)
}

/// The holder's own verification; anyone else's is `NOT_FOUND`.
pub async fn owned(db: &PgPool, user_id: UserId, id: VerificationId) -> Result<VerificationRow> {
    let row = get(&mut *db.acquire().await?, id).await?;
    if row.user_id != user_id {
        return Err(IdentityError::NotFound);
    }
    Ok(row)
}

pub async fn latest(db: &PgPool, user_id: UserId) -> Result<Option<VerificationRow>> {
    Ok(sqlx::query_as!(
        VerificationRow,
        r#"SELECT id AS "id: VerificationId", user_id AS "user_id: UserId", purpose, document_type AS "document_type: DocumentType", first_name, last_name, birth_date,
                status AS "status: VerificationStatus", mrz AS "mrz: Value", checks AS "checks: Value", flagged, submitted_at, decided_at, decided_by AS "decided_by: UserId",
                rejection_code, rejection_reason, confirmed_at, images_purged_at, created_at
           FROM identity_verifications WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1"#,
        user_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?)
}

/// The latest verification made for a certificate of `purpose` (`lcp` or `qcp`).
pub async fn latest_for(
    conn: &mut PgConnection,
    user_id: UserId,
    purpose: &str,
) -> Result<Option<VerificationRow>> {
    Ok(sqlx::query_as!(
        VerificationRow,
        r#"SELECT id AS "id: VerificationId", user_id AS "user_id: UserId", purpose, document_type AS "document_type: DocumentType", first_name, last_name, birth_date,
                status AS "status: VerificationStatus", mrz AS "mrz: Value", checks AS "checks: Value", flagged, submitted_at, decided_at, decided_by AS "decided_by: UserId",
                rejection_code, rejection_reason, confirmed_at, images_purged_at, created_at
           FROM identity_verifications WHERE user_id = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1"#,
        user_id.as_uuid(),
        purpose,
    )
    .fetch_optional(&mut *conn)
    .await?)
}

async fn log(
    conn: &mut PgConnection,
    verification_id: VerificationId,
    kind: &str,
    actor: Option<UserId>,
    meta: &RequestMeta,
    detail: Value,
) -> Result<()> {
    sqlx::query!(
        "INSERT INTO identity_events (verification_id, kind, actor_user_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        verification_id.as_uuid(),
        kind,
        actor.map(UserId::into_uuid),
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        detail as _,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn announce(bus: &EventBus, row: &VerificationRow, kind: IdentityEventKind) {
    bus.publish(DomainEvent::identity(row.change(kind))).await;
}

pub struct Declaration {
    pub purpose: &'static str,
    pub document_type: DocumentType,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
}

/// Starts a verification. One still waiting for its images is replaced; one being checked
/// or reviewed must end first.
pub async fn start(
    db: &PgPool,
    user_id: UserId,
    declaration: Declaration,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let today = Utc::now().date_naive();
    if declaration.birth_date >= today
        || declaration.birth_date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today)
    {
        return Err(IdentityError::Validation(
            "date de naissance invalide".into(),
        ));
    }
    let first_name = paraphe_shared::PersonName::parse(&declaration.first_name)
        .map_err(|e| IdentityError::Validation(e.to_string()))?;
    let last_name = paraphe_shared::PersonName::parse(&declaration.last_name)
        .map_err(|e| IdentityError::Validation(e.to_string()))?;
    let mut tx = db.begin().await?;
    // Serialises two starts of the same person.
    sqlx::query_scalar!(
        "SELECT id FROM users WHERE id = $1 FOR UPDATE",
        user_id.as_uuid()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let busy = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM identity_verifications WHERE user_id = $1 AND status IN ('checking', 'in_review')) AS "busy!""#,
        user_id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if busy {
        return Err(IdentityError::InvalidState(
            "une vérification est déjà en cours".into(),
        ));
    }
    sqlx::query!(
        "DELETE FROM identity_verifications WHERE user_id = $1 AND status = 'awaiting_documents'",
        user_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO identity_verifications (user_id, purpose, document_type, first_name, last_name, birth_date)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id AS "id: VerificationId""#,
        user_id.as_uuid(),
        declaration.purpose,
        declaration.document_type.as_str(),
        first_name.as_str(),
        last_name.as_str(),
        declaration.birth_date,
    )
    .fetch_one(&mut *tx)
    .await?;
    log(&mut tx, id, "started", Some(user_id), meta, json!({ "documentType": declaration.document_type.as_str(), "purpose": declaration.purpose })).await?;
    let row = get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

pub(super) fn image_label(verification_id: VerificationId, side: ImageSide) -> String {
    format!("identity:{verification_id}:{}", side.as_str())
}

/// Stores one image, sealed; the type comes from the bytes.
async fn store_image(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    row: &VerificationRow,
    side: ImageSide,
    bytes: &[u8],
) -> Result<()> {
    if row.status() != VerificationStatus::AwaitingDocuments {
        return Err(IdentityError::InvalidState(
            "les documents de cette vérification ont déjà été envoyés".into(),
        ));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(IdentityError::FileTooLarge);
    }
    let media_type = super::sniff(bytes).ok_or(IdentityError::FileInvalid)?;
    let sealed = kek.seal_bytes(bytes, &image_label(row.id, side))?;
    sqlx::query!(
        "INSERT INTO identity_images (verification_id, side, media_type, size, nonce, sealed) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (verification_id, side) DO UPDATE SET media_type = $3, size = $4, nonce = $5, sealed = $6, uploaded_at = now()",
        row.id.as_uuid(),
        side.as_str(),
        media_type,
        bytes.len() as i32,
        &sealed.nonce,
        &sealed.ciphertext,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The holder sends an image from the desktop.
pub async fn add_image(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    id: VerificationId,
    side: ImageSide,
    bytes: &[u8],
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, id).await?;
    if row.user_id != user_id {
        return Err(IdentityError::NotFound);
    }
    store_image(&mut tx, kek, &row, side, bytes).await?;
    log(
        &mut tx,
        id,
        "image_received",
        Some(user_id),
        meta,
        json!({ "side": side.as_str(), "size": bytes.len(), "from": "desktop" }),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn images_present(conn: &mut PgConnection, id: VerificationId) -> Result<Vec<ImageSide>> {
    let sides = sqlx::query_scalar!(
        "SELECT side FROM identity_images WHERE verification_id = $1 ORDER BY side",
        id.as_uuid(),
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(sides
        .into_iter()
        .filter_map(|s| ImageSide::parse(s.as_str()))
        .collect())
}

/// Submits the images for checking. The caller then runs [`process`].
pub async fn submit(
    db: &PgPool,
    user_id: UserId,
    id: VerificationId,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, id).await?;
    if row.user_id != user_id {
        return Err(IdentityError::NotFound);
    }
    let row = submit_locked(&mut tx, row, Some(user_id), meta).await?;
    tx.commit().await?;
    Ok(row)
}

async fn submit_locked(
    conn: &mut PgConnection,
    row: VerificationRow,
    actor: Option<UserId>,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    if row.status() != VerificationStatus::AwaitingDocuments {
        return Err(IdentityError::InvalidState(
            "cette vérification a déjà été envoyée".into(),
        ));
    }
    let present = images_present(conn, row.id).await?;
    if !present.contains(&ImageSide::Front) {
        return Err(IdentityError::ImagesMissing("le recto de la pièce"));
    }
    if row.document_type().needs_back() && !present.contains(&ImageSide::Back) {
        return Err(IdentityError::ImagesMissing("le verso de la pièce"));
    }
    sqlx::query!(
        "UPDATE identity_verifications SET status = 'checking', submitted_at = now(), updated_at = now() WHERE id = $1",
        row.id.as_uuid(),
    )
    .execute(&mut *conn)
    .await?;
    log(
        conn,
        row.id,
        "submitted",
        actor,
        meta,
        json!({ "images": present.iter().map(|s| s.as_str()).collect::<Vec<_>>() }),
    )
    .await?;
    get(conn, row.id).await
}

/// Runs the automatic checks of a submitted verification and records their verdict:
/// rejected at once, or waiting for a review (`crate::identity::pipeline` hands it to the
/// provider when there is one). Safe to call twice (the second does nothing: `None`), so
/// the periodic job may retry what a crash interrupted.
pub async fn process(
    db: &PgPool,
    bus: &EventBus,
    config: &Config,
    id: VerificationId,
) -> Result<Option<IdentityEventKind>> {
    let row = get(&mut *db.acquire().await?, id).await?;
    if row.status() != VerificationStatus::Checking {
        return Ok(None);
    }
    let images = sqlx::query!(
        "SELECT side, media_type, nonce, sealed FROM identity_images WHERE verification_id = $1 AND side <> 'selfie'",
        id.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    let mut for_ocr = Vec::new();
    // Cards carry their MRZ on the back: read it first.
    for image in images.into_iter().rev() {
        let Some(side) = ImageSide::parse(&image.side) else {
            continue;
        };
        let bytes = config.key_encryption_key.open_bytes(
            &SealedKey {
                nonce: image.nonce,
                ciphertext: image.sealed,
            },
            &image_label(id, side),
        )?;
        for_ocr.push(ImageForOcr {
            media_type: image.media_type,
            bytes,
        });
    }
    let declared = Declared {
        document_type: row.document_type(),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        birth_date: row.birth_date,
    };
    let (tesseract, pdftoppm) = (config.tesseract.clone(), config.pdftoppm.clone());
    let today = Utc::now().date_naive();
    let (report, verdict) = tokio::task::spawn_blocking(move || {
        checks::run(&tesseract, &pdftoppm, &declared, &for_ocr, today)
    })
    .await
    .map_err(|e| IdentityError::Internal(e.into()))?;
    let report_json =
        serde_json::to_value(&report).map_err(|e| IdentityError::Internal(e.into()))?;
    let mrz_json = report_json.get("mrz").cloned().filter(|v| !v.is_null());

    let mut tx = db.begin().await?;
    let row = lock(&mut tx, id).await?;
    if row.status() != VerificationStatus::Checking {
        return Ok(None);
    }
    let kind = match &verdict {
        Verdict::Reject { code, reason } => {
            sqlx::query!(
                "UPDATE identity_verifications SET status = 'rejected', mrz = $2, checks = $3, decided_at = now(), rejection_code = $4, rejection_reason = $5, updated_at = now() WHERE id = $1",
                id.as_uuid(),
                &mrz_json as _,
                &report_json as _,
                *code,
                reason.as_str(),
            )
            .execute(&mut *tx)
            .await?;
            log(
                &mut tx,
                id,
                "checked",
                None,
                &RequestMeta::default(),
                json!({ "verdict": "rejected", "code": code }),
            )
            .await?;
            notify_decision(&mut tx, config, &row, Some(reason)).await?;
            IdentityEventKind::Rejected
        }
        Verdict::Review { flagged } => {
            let provider = if config.identity_provider_url.is_some() {
                "external"
            } else {
                "operators"
            };
            sqlx::query!(
                "UPDATE identity_verifications SET status = 'in_review', mrz = $2, checks = $3, flagged = $4, provider = $5, updated_at = now() WHERE id = $1",
                id.as_uuid(),
                &mrz_json as _,
                &report_json as _,
                *flagged,
                provider,
            )
            .execute(&mut *tx)
            .await?;
            log(
                &mut tx,
                id,
                "checked",
                None,
                &RequestMeta::default(),
                json!({ "verdict": "review", "flagged": flagged }),
            )
            .await?;
            IdentityEventKind::InReview
        }
    };
    tx.commit().await?;
    announce(bus, &row, kind).await;
    Ok(Some(kind))
}

async fn notify_decision(
    conn: &mut PgConnection,
    config: &Config,
    row: &VerificationRow,
    rejection: Option<&str>,
) -> Result<()> {
    let user = sqlx::query!(
        "SELECT email, language FROM users WHERE id = $1",
        row.user_id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let (email, language) = (user.email, user.language);
    let language = crate::accounts::parse_language(language.as_deref());
    let link = format!("{}/enregistrement", config.public_url);
    let text = match rejection {
        Some(reason) => super::emails::rejected(language, &row.first_name, reason, &link),
        None => super::emails::approved(language, &row.first_name, &link),
    };
    notifications::enqueue_email(conn, &email, None, &text.subject, &text.body).await?;
    Ok(())
}

/// Verifications whose automatic checks have not finished (after a crash, say).
pub async fn unchecked(db: &PgPool) -> Result<Vec<VerificationId>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id: VerificationId" FROM identity_verifications WHERE status = 'checking' ORDER BY submitted_at"#,
    )
    .fetch_all(db)
    .await?)
}

// ---- phone hand-off ----

pub struct CaptureLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// A single-use link, valid 15 minutes, that opens the capture page on a phone.
pub async fn create_capture_link(
    db: &PgPool,
    public_url: &str,
    user_id: UserId,
    id: VerificationId,
    meta: &RequestMeta,
) -> Result<CaptureLink> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, id).await?;
    if row.user_id != user_id {
        return Err(IdentityError::NotFound);
    }
    if row.status() != VerificationStatus::AwaitingDocuments {
        return Err(IdentityError::InvalidState(
            "les documents de cette vérification ont déjà été envoyés".into(),
        ));
    }
    let (token, hash) = new_token();
    let expires_at = Utc::now() + Duration::minutes(CAPTURE_LINK_MINUTES);
    sqlx::query!(
        "INSERT INTO capture_links (token_hash, verification_id, expires_at) VALUES ($1, $2, $3)",
        &hash,
        id.as_uuid(),
        expires_at,
    )
    .execute(&mut *tx)
    .await?;
    log(
        &mut tx,
        id,
        "capture_link_created",
        Some(user_id),
        meta,
        json!({ "expiresAt": expires_at }),
    )
    .await?;
    tx.commit().await?;
    Ok(CaptureLink {
        url: format!("{public_url}/capture/{token}"),
        expires_at,
    })
}

/// The verification behind a live hand-off link, locked.
async fn capture_target(conn: &mut PgConnection, token: &str) -> Result<(VerificationRow, bool)> {
    // The link's verification, expiry, first opening and use.
    let link = sqlx::query!(
        r#"SELECT verification_id AS "verification_id: VerificationId", expires_at, opened_at, used_at
             FROM capture_links WHERE token_hash = $1 FOR UPDATE"#,
        token_hash(token),
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(link) = link else {
        return Err(IdentityError::LinkInvalid);
    };
    if link.used_at.is_some() {
        return Err(IdentityError::LinkUsed);
    }
    if link.expires_at <= Utc::now() {
        return Err(IdentityError::LinkExpired);
    }
    let row = lock(conn, link.verification_id).await?;
    if row.status() != VerificationStatus::AwaitingDocuments {
        return Err(IdentityError::LinkUsed);
    }
    Ok((row, link.opened_at.is_none()))
}

/// The phone opened the link: the desktop page shows it.
pub async fn open_capture(
    db: &PgPool,
    bus: &EventBus,
    token: &str,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let mut tx = db.begin().await?;
    let (row, first_time) = capture_target(&mut tx, token).await?;
    if first_time {
        sqlx::query!(
            "UPDATE capture_links SET opened_at = now() WHERE token_hash = $1",
            token_hash(token),
        )
        .execute(&mut *tx)
        .await?;
        log(&mut tx, row.id, "phone_connected", None, meta, json!({})).await?;
    }
    tx.commit().await?;
    if first_time {
        announce(bus, &row, IdentityEventKind::PhoneConnected).await;
    }
    Ok(row)
}

pub async fn capture_image(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    token: &str,
    side: ImageSide,
    bytes: &[u8],
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let mut tx = db.begin().await?;
    let (row, _) = capture_target(&mut tx, token).await?;
    store_image(&mut tx, kek, &row, side, bytes).await?;
    log(
        &mut tx,
        row.id,
        "image_received",
        None,
        meta,
        json!({ "side": side.as_str(), "size": bytes.len(), "from": "phone" }),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The phone is done: the link dies and the verification is submitted.
pub async fn finish_capture(
    db: &PgPool,
    token: &str,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let mut tx = db.begin().await?;
    let (row, _) = capture_target(&mut tx, token).await?;
    let row = submit_locked(&mut tx, row, None, meta).await?;
    sqlx::query!(
        "UPDATE capture_links SET used_at = now() WHERE token_hash = $1",
        token_hash(token),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row)
}

// ---- operators ----

pub async fn require_operator(db: &PgPool, user_id: UserId) -> Result<()> {
    let is_operator = sqlx::query_scalar!(
        "SELECT is_operator FROM users WHERE id = $1",
        user_id.as_uuid()
    )
    .fetch_one(db)
    .await?;
    if is_operator {
        Ok(())
    } else {
        Err(IdentityError::Forbidden)
    }
}

/// What operators have to look at, oldest first (automatic checks still running included).
pub async fn queue(db: &PgPool) -> Result<Vec<VerificationRow>> {
    Ok(sqlx::query_as!(
        VerificationRow,
        r#"SELECT id AS "id: VerificationId", user_id AS "user_id: UserId", purpose, document_type AS "document_type: DocumentType", first_name, last_name, birth_date,
                status AS "status: VerificationStatus", mrz AS "mrz: Value", checks AS "checks: Value", flagged, submitted_at, decided_at, decided_by AS "decided_by: UserId",
                rejection_code, rejection_reason, confirmed_at, images_purged_at, created_at
           FROM identity_verifications WHERE status IN ('checking', 'in_review') ORDER BY submitted_at, id"#,
    )
    .fetch_all(db)
    .await?)
}

/// An image, for an operator, only while the verification waits for one; every view is logged.
pub async fn image_for_operator(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    operator: UserId,
    id: VerificationId,
    side: ImageSide,
    meta: &RequestMeta,
) -> Result<(String, Vec<u8>)> {
    require_operator(db, operator).await?;
    let mut tx = db.begin().await?;
    let row = get(&mut tx, id).await?;
    if row.status() != VerificationStatus::InReview {
        return Err(IdentityError::NotFound);
    }
    let image = sqlx::query!(
        "SELECT media_type, nonce, sealed FROM identity_images WHERE verification_id = $1 AND side = $2",
        id.as_uuid(),
        side.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(IdentityError::NotFound)?;
    let media_type = image.media_type;
    let bytes = kek.open_bytes(
        &SealedKey {
            nonce: image.nonce,
            ciphertext: image.sealed,
        },
        &image_label(id, side),
    )?;
    log(
        &mut tx,
        id,
        "image_viewed",
        Some(operator),
        meta,
        json!({ "side": side.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok((media_type, bytes))
}

pub enum Decision {
    Approve,
    Reject(String),
}

pub async fn decide(
    db: &PgPool,
    bus: &EventBus,
    config: &Config,
    operator: UserId,
    id: VerificationId,
    decision: Decision,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    require_operator(db, operator).await?;
    record_decision(db, bus, config, id, Some(operator), decision, meta).await
}

/// The external service's decision. Its retries of a decision already recorded succeed
/// without changing anything.
pub async fn decide_as_provider(
    db: &PgPool,
    bus: &EventBus,
    config: &Config,
    id: VerificationId,
    decision: Decision,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let row = get(&mut *db.acquire().await?, id).await?;
    let already = matches!(
        (row.status(), &decision),
        (
            VerificationStatus::Approved
                | VerificationStatus::Confirmed
                | VerificationStatus::Disputed,
            Decision::Approve
        ) | (VerificationStatus::Rejected, Decision::Reject(_))
    );
    if already && row.decided_by.is_none() {
        return Ok(row);
    }
    record_decision(db, bus, config, id, None, decision, meta).await
}

/// Records an operator's (`decided_by`) or the external service's (`None`) decision.
async fn record_decision(
    db: &PgPool,
    bus: &EventBus,
    config: &Config,
    id: VerificationId,
    decided_by: Option<UserId>,
    decision: Decision,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, id).await?;
    if row.status() != VerificationStatus::InReview {
        return Err(IdentityError::InvalidState(
            "cette vérification n'attend pas de décision".into(),
        ));
    }
    if decided_by == Some(row.user_id) {
        return Err(IdentityError::Forbidden);
    }
    let by = if decided_by.is_some() {
        "operator"
    } else {
        "provider"
    };
    let kind = match &decision {
        Decision::Approve => {
            sqlx::query!(
                "UPDATE identity_verifications SET status = 'approved', decided_at = now(), decided_by = $2, updated_at = now() WHERE id = $1",
                id.as_uuid(),
                decided_by.map(UserId::into_uuid),
            )
            .execute(&mut *tx)
            .await?;
            log(
                &mut tx,
                id,
                "approved",
                decided_by,
                meta,
                json!({ "by": by }),
            )
            .await?;
            notify_decision(&mut tx, config, &row, None).await?;
            IdentityEventKind::Approved
        }
        Decision::Reject(reason) => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(IdentityError::Validation(
                    "indiquez le motif du refus".into(),
                ));
            }
            sqlx::query!(
                "UPDATE identity_verifications SET status = 'rejected', decided_at = now(), decided_by = $2, rejection_code = 'OPERATOR_REJECTED', rejection_reason = $3, updated_at = now() WHERE id = $1",
                id.as_uuid(),
                decided_by.map(UserId::into_uuid),
                reason,
            )
            .execute(&mut *tx)
            .await?;
            log(
                &mut tx,
                id,
                "rejected",
                decided_by,
                meta,
                json!({ "reason": reason, "by": by }),
            )
            .await?;
            notify_decision(&mut tx, config, &row, Some(reason)).await?;
            IdentityEventKind::Rejected
        }
    };
    let row = get(&mut tx, id).await?;
    tx.commit().await?;
    announce(bus, &row, kind).await;
    Ok(row)
}

// ---- the holder's confirmation ----

/// "Confirmer ces données" / "Ces données ne sont pas correctes".
pub async fn confirm(
    db: &PgPool,
    bus: &EventBus,
    user_id: UserId,
    id: VerificationId,
    correct: bool,
    meta: &RequestMeta,
) -> Result<VerificationRow> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, id).await?;
    if row.user_id != user_id {
        return Err(IdentityError::NotFound);
    }
    if row.status() != VerificationStatus::Approved {
        return Err(IdentityError::InvalidState(
            "il n'y a pas de données à confirmer".into(),
        ));
    }
    let (status, kind) = if correct {
        ("confirmed", IdentityEventKind::Confirmed)
    } else {
        ("disputed", IdentityEventKind::Disputed)
    };
    sqlx::query!(
        "UPDATE identity_verifications SET status = $2, confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() END, updated_at = now() WHERE id = $1",
        id.as_uuid(),
        status,
    )
    .execute(&mut *tx)
    .await?;
    log(&mut tx, id, status, Some(user_id), meta, json!({})).await?;
    let row = get(&mut tx, id).await?;
    tx.commit().await?;
    announce(bus, &row, kind).await;
    Ok(row)
}

/// Deletes the images of verifications decided more than `retention_days` ago; the
/// verification and its log stay.
pub async fn purge_images(db: &PgPool, retention_days: i64) -> Result<u64> {
    let mut tx = db.begin().await?;
    let purged = sqlx::query_scalar!(
        r#"UPDATE identity_verifications SET images_purged_at = now()
         WHERE images_purged_at IS NULL AND decided_at < now() - make_interval(days => $1) RETURNING id AS "id: VerificationId""#,
        retention_days as i32,
    )
    .fetch_all(&mut *tx)
    .await?;
    for id in &purged {
        sqlx::query!(
            "DELETE FROM identity_images WHERE verification_id = $1",
            id.as_uuid()
        )
        .execute(&mut *tx)
        .await?;
        log(
            &mut tx,
            *id,
            "images_purged",
            None,
            &RequestMeta::default(),
            json!({ "retentionDays": retention_days }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(purged.len() as u64)
}
