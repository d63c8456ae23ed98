//! The qualified certificate subscription (SPEC §4, seeds `qualified-certificate-*`), from
//! "Ma signature personnelle":
//!
//! ```text
//! start (cabinet with 20 € free, else INSUFFICIENT_CREDIT) ─► ACCESS: email code, 3 min
//!   ─► DETAILS: name and mobile as on the LCP, consents ─► IDENTITY: a verification for
//!   the QCP ─► VERIFYING ─► CONFIRM_DATA ─► SIGN: the request signed with the LCP key and
//!   an SMS code, 3 min; debit and QCP issued in the same transaction ─► ISSUED
//! ```
//!
//! The step is computed from the request row and its verification, never stored apart.

use chrono::{DateTime, Utc};
use paraphe_shared::Language;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::codes::{self, Purpose};
use super::{CertificateError, CertificateRow, Result};
use crate::billing;
use crate::config::Config;
use crate::identity::verification::{self, VerificationRow};
use crate::identity::VerificationStatus;
use crate::ids::{CabinetId, CertificateId, QcpRequestId, UserId};
use crate::keys::KeyEncryptionKey;
use crate::notifications;
use crate::pki::{Level, Pki};
use crate::request_meta::RequestMeta;
use crate::signing::{self, PadesLevel, SignatureRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QcpStep {
    /// Enter the code sent by email.
    Access,
    /// Confirm name and mobile (as on the LCP) and consent.
    Details,
    /// Send an identity document (again, after a rejection or disputed data).
    Identity,
    /// The document is being checked or reviewed.
    Verifying,
    /// Confirm the data read from the document.
    ConfirmData,
    /// Read the certificate request and sign it with the SMS code.
    Sign,
    /// The certificate is issued.
    Issued,
}

#[derive(Debug, Clone)]
pub struct QcpRow {
    pub id: QcpRequestId,
    pub user_id: UserId,
    pub cabinet_id: CabinetId,
    pub cabinet_name: String,
    pub access_granted_at: Option<DateTime<Utc>>,
    pub details_confirmed_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub certificate_id: Option<CertificateId>,
    pub created_at: DateTime<Utc>,
}

// The queries that read a `QcpRow` all write out the same columns and join.

/// A request by its id (the caller knows it exists: it just wrote it, under its lock).
async fn by_id(conn: &mut PgConnection, id: QcpRequestId) -> Result<QcpRow, sqlx::Error> {
    sqlx::query_as!(
        QcpRow,
        r#"SELECT q.id AS "id: QcpRequestId", q.user_id AS "user_id: UserId", q.cabinet_id AS "cabinet_id: CabinetId",
                c.name AS cabinet_name, q.access_granted_at, q.details_confirmed_at,
                q.signed_at, q.certificate_id AS "certificate_id: CertificateId", q.created_at
           FROM qcp_requests q JOIN cabinets c ON c.id = q.cabinet_id
          WHERE q.id = $1"#,
        id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await
}

pub struct QcpRequest {
    pub row: QcpRow,
    pub step: QcpStep,
    pub verification: Option<VerificationRow>,
}

/// The verification made for this request (started after it).
async fn verification_of(conn: &mut PgConnection, row: &QcpRow) -> Result<Option<VerificationRow>> {
    let latest = verification::latest_for(conn, row.user_id, "qcp")
        .await
        .map_err(|e| CertificateError::Internal(e.into()))?;
    Ok(latest.filter(|v| v.created_at >= row.created_at))
}

fn step_of(row: &QcpRow, verification: Option<&VerificationRow>) -> QcpStep {
    if row.certificate_id.is_some() {
        return QcpStep::Issued;
    }
    if row.access_granted_at.is_none() {
        return QcpStep::Access;
    }
    if row.details_confirmed_at.is_none() {
        return QcpStep::Details;
    }
    match verification.map(VerificationRow::status) {
        Some(VerificationStatus::Checking | VerificationStatus::InReview) => QcpStep::Verifying,
        Some(VerificationStatus::Approved) => QcpStep::ConfirmData,
        Some(VerificationStatus::Confirmed) => QcpStep::Sign,
        _ => QcpStep::Identity,
    }
}

async fn assemble(conn: &mut PgConnection, row: QcpRow) -> Result<QcpRequest> {
    let verification = verification_of(conn, &row).await?;
    Ok(QcpRequest {
        step: step_of(&row, verification.as_ref()),
        row,
        verification,
    })
}

/// The viewer's latest request (in progress, or the last one issued).
pub async fn latest(db: &PgPool, user_id: UserId) -> Result<Option<QcpRequest>> {
    let mut conn = db.acquire().await?;
    let row = sqlx::query_as!(
        QcpRow,
        r#"SELECT q.id AS "id: QcpRequestId", q.user_id AS "user_id: UserId", q.cabinet_id AS "cabinet_id: CabinetId",
                c.name AS cabinet_name, q.access_granted_at, q.details_confirmed_at,
                q.signed_at, q.certificate_id AS "certificate_id: CertificateId", q.created_at
           FROM qcp_requests q JOIN cabinets c ON c.id = q.cabinet_id
          WHERE q.user_id = $1 AND q.cancelled_at IS NULL ORDER BY q.created_at DESC LIMIT 1"#,
        user_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(assemble(&mut conn, row).await?)),
        None => Ok(None),
    }
}

async fn lock_owned(conn: &mut PgConnection, user_id: UserId, id: QcpRequestId) -> Result<QcpRow> {
    sqlx::query_as!(
        QcpRow,
        r#"SELECT q.id AS "id: QcpRequestId", q.user_id AS "user_id: UserId", q.cabinet_id AS "cabinet_id: CabinetId",
                c.name AS cabinet_name, q.access_granted_at, q.details_confirmed_at,
                q.signed_at, q.certificate_id AS "certificate_id: CertificateId", q.created_at
           FROM qcp_requests q JOIN cabinets c ON c.id = q.cabinet_id
          WHERE q.id = $1 AND q.user_id = $2 AND q.cancelled_at IS NULL FOR UPDATE OF q"#,
        id.as_uuid(),
        user_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CertificateError::NotFound)
}

async fn expect_step(conn: &mut PgConnection, row: &QcpRow, expected: QcpStep) -> Result<()> {
    let verification = verification_of(conn, row).await?;
    let step = step_of(row, verification.as_ref());
    if step != expected {
        return Err(CertificateError::InvalidState(format!(
            "cette demande est à l'étape {step:?}, pas {expected:?}"
        )));
    }
    Ok(())
}

struct Holder {
    first_name: String,
    last_name: String,
    email: String,
    mobile: Option<String>,
    language: Language,
}

async fn holder(conn: &mut PgConnection, user_id: UserId) -> Result<Holder> {
    let user = sqlx::query!(
        "SELECT first_name, last_name, email, mobile, language FROM users WHERE id = $1",
        user_id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Holder {
        first_name: user.first_name,
        last_name: user.last_name,
        email: user.email,
        mobile: user.mobile,
        language: crate::accounts::parse_language(user.language.as_deref()),
    })
}

async fn send_access_code(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    row: &QcpRow,
) -> Result<DateTime<Utc>> {
    let holder = holder(conn, row.user_id).await?;
    let (code, expires_at) = codes::issue(conn, kek, row.user_id, Purpose::QcpAccess).await?;
    let text = super::emails::qcp_access_code(holder.language, &holder.first_name, &code);
    notifications::enqueue_email(conn, &holder.email, None, &text.subject, &text.body).await?;
    Ok(expires_at)
}

/// "Souscrire à un certificat qualifié": the cabinet to debit must have 20 € free (checked
/// before anything else), the holder an LCP certificate. Sends the email access code.
/// Who may have the cabinet pay 20 € for their qualified certificate: its accountant, or a
/// collaborator who signs for it (delegation `sign`), while its service is open. Checked
/// when the subscription starts and again, read now, in the transaction that debits.
async fn ensure_may_spend(
    conn: &mut PgConnection,
    user_id: UserId,
    cabinet_id: CabinetId,
) -> Result<()> {
    let row = sqlx::query!(
        r#"SELECT m.role = 'accountant' OR m.can_sign AS "may_spend!",
                EXISTS (SELECT 1 FROM terms_acceptances t WHERE t.cabinet_id = m.cabinet_id
                        AND t.cgu_version = $3 AND t.privacy_policy_version = $4) AS "is_open!"
           FROM memberships m WHERE m.cabinet_id = $1 AND m.user_id = $2"#,
        cabinet_id.as_uuid(),
        user_id.as_uuid(),
        paraphe_shared::terms::CGU_VERSION,
        paraphe_shared::terms::PRIVACY_POLICY_VERSION,
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| (row.may_spend, row.is_open));
    match row {
        None => Err(CertificateError::NotFound),
        Some((false, _)) => Err(CertificateError::MayNotSpend),
        Some((true, false)) => Err(CertificateError::CabinetNotOpen),
        Some((true, true)) => Ok(()),
    }
}

pub async fn start(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    cabinet_id: CabinetId,
    meta: &RequestMeta,
) -> Result<QcpRequest> {
    let mut tx = db.begin().await?;
    ensure_may_spend(&mut tx, user_id, cabinet_id).await?;
    billing::lock_cabinet(&mut tx, cabinet_id).await?;
    billing::ensure_available(&mut tx, cabinet_id, billing::QCP_CENTS, None).await?;
    if super::live(&mut tx, user_id, Level::Lcp).await?.is_none() {
        return Err(CertificateError::EnrolmentRequired);
    }
    sqlx::query!(
        "UPDATE qcp_requests SET cancelled_at = now() WHERE user_id = $1 AND signed_at IS NULL AND cancelled_at IS NULL",
        user_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO qcp_requests (user_id, cabinet_id) VALUES ($1, $2) RETURNING id AS "id: QcpRequestId""#,
        user_id.as_uuid(),
        cabinet_id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let row = by_id(&mut tx, id).await?;
    send_access_code(&mut tx, kek, &row).await?;
    super::log(
        &mut tx,
        user_id,
        "qcp_started",
        meta,
        json!({ "request": id, "cabinet": cabinet_id }),
    )
    .await?;
    let request = assemble(&mut tx, row).await?;
    tx.commit().await?;
    Ok(request)
}

/// "Renvoyer le code".
pub async fn resend_access_code(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    id: QcpRequestId,
) -> Result<DateTime<Utc>> {
    let mut tx = db.begin().await?;
    let row = lock_owned(&mut tx, user_id, id).await?;
    expect_step(&mut tx, &row, QcpStep::Access).await?;
    let expires_at = send_access_code(&mut tx, kek, &row).await?;
    tx.commit().await?;
    Ok(expires_at)
}

async fn checked(
    tx: &mut PgConnection,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    purpose: Purpose,
    code: &str,
    meta: &RequestMeta,
) -> Result<Result<()>> {
    let outcome = codes::check(tx, kek, user_id, purpose, code).await?;
    if let Err(refusal) = &outcome {
        super::log(
            tx,
            user_id,
            "qcp_code_failed",
            meta,
            json!({ "reason": refusal.to_string() }),
        )
        .await?;
    }
    Ok(outcome)
}

/// The email code opens the subscription.
pub async fn grant_access(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    id: QcpRequestId,
    code: &str,
    meta: &RequestMeta,
) -> Result<QcpRequest> {
    let mut tx = db.begin().await?;
    let row = lock_owned(&mut tx, user_id, id).await?;
    expect_step(&mut tx, &row, QcpStep::Access).await?;
    if let Err(refusal) = checked(&mut tx, kek, user_id, Purpose::QcpAccess, code, meta).await? {
        tx.commit().await?;
        return Err(refusal);
    }
    sqlx::query!(
        "UPDATE qcp_requests SET access_granted_at = now() WHERE id = $1",
        id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    super::log(
        &mut tx,
        user_id,
        "qcp_access_granted",
        meta,
        json!({ "request": id }),
    )
    .await?;
    let row = by_id(&mut tx, id).await?;
    let request = assemble(&mut tx, row).await?;
    tx.commit().await?;
    Ok(request)
}

pub struct Details {
    pub first_name: String,
    pub last_name: String,
    pub mobile: String,
    /// Identity data processed to issue the certificate, and the terms of use.
    pub accept_terms: bool,
    pub accept_privacy_policy: bool,
}

fn same_name(a: &str, b: &str) -> bool {
    crate::identity::mrz::mrz_form(a) == crate::identity::mrz::mrz_form(b)
}

/// Name and mobile must be those of the LCP certificate; both consents are required.
pub async fn confirm_details(
    db: &PgPool,
    user_id: UserId,
    id: QcpRequestId,
    details: Details,
    meta: &RequestMeta,
) -> Result<QcpRequest> {
    if !(details.accept_terms && details.accept_privacy_policy) {
        return Err(CertificateError::Validation(
            "cochez les deux cases de consentement pour continuer".into(),
        ));
    }
    let mobile = paraphe_shared::PhoneE164::parse(&details.mobile)
        .map_err(|e| CertificateError::Validation(e.to_string()))?;
    let mut tx = db.begin().await?;
    let row = lock_owned(&mut tx, user_id, id).await?;
    expect_step(&mut tx, &row, QcpStep::Details).await?;
    let holder = holder(&mut tx, user_id).await?;
    let matches = same_name(&details.first_name, &holder.first_name)
        && same_name(&details.last_name, &holder.last_name)
        && holder.mobile.as_deref() == Some(mobile.as_str());
    if !matches {
        return Err(CertificateError::Validation(
            "le nom, le prénom et le mobile doivent être ceux de votre certificat LCP ; sinon, contactez l'assistance".into(),
        ));
    }
    sqlx::query!(
        "UPDATE qcp_requests SET details_confirmed_at = now() WHERE id = $1",
        id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    super::log(
        &mut tx,
        user_id,
        "qcp_details_confirmed",
        meta,
        json!({ "request": id, "consents": ["terms", "privacy_policy"] }),
    )
    .await?;
    let row = by_id(&mut tx, id).await?;
    let request = assemble(&mut tx, row).await?;
    tx.commit().await?;
    Ok(request)
}

pub struct CodeSent {
    pub expires_at: DateTime<Utc>,
    pub mobile_hint: String,
}

/// "J'ai lu et j'accepte le document": the SMS code that signs the request (3 minutes).
pub async fn request_signing_code(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    id: QcpRequestId,
    meta: &RequestMeta,
) -> Result<CodeSent> {
    let mut tx = db.begin().await?;
    let row = lock_owned(&mut tx, user_id, id).await?;
    expect_step(&mut tx, &row, QcpStep::Sign).await?;
    let holder = holder(&mut tx, user_id).await?;
    let mobile = holder
        .mobile
        .ok_or_else(|| CertificateError::InvalidState("aucun mobile".into()))?;
    let (code, expires_at) = codes::issue(&mut tx, kek, user_id, Purpose::QcpRequest).await?;
    notifications::enqueue_sms(
        &mut tx,
        &mobile,
        &super::emails::qcp_request_code_sms(holder.language, &code),
    )
    .await?;
    let mobile_hint = crate::codes::mobile_hint(&mobile);
    super::log(
        &mut tx,
        user_id,
        "qcp_code_sent",
        meta,
        json!({ "request": id, "mobile": mobile_hint }),
    )
    .await?;
    tx.commit().await?;
    Ok(CodeSent {
        expires_at,
        mobile_hint,
    })
}

/// The request as a PDF: what the holder asks for and consents to.
/// The qualified certificate request the holder signs, in their language.
pub fn request_pdf(
    language: Language,
    holder: &str,
    email: &str,
    cabinet: &str,
    date: &str,
) -> Result<Vec<u8>> {
    let lines = match language {
        Language::Fr => vec![
            format!("Nom complet : {holder}"),
            format!("Email : {email}"),
            format!("Cabinet débité : {cabinet} (20,00 €)"),
            format!("Date : {date}"),
            String::new(),
            "J'atteste avoir pris connaissance et accepté les conditions et limites d'utilisation prévues par l'accord de souscription au service de certificats Paraphe.".into(),
            "J'accepte la publication de mon certificat conformément à l'accord de souscription.".into(),
            "J'autorise Paraphe à conserver les informations de mon dossier d'enregistrement, celles relatives à l'utilisation du certificat et, le cas échéant, à sa révocation, pendant la durée prévue par la politique de certification.".into(),
        ],
        Language::En => vec![
            format!("Full name: {holder}"),
            format!("Email: {email}"),
            format!("Firm charged: {cabinet} (€20.00)"),
            format!("Date: {date}"),
            String::new(),
            "I certify that I have read and accepted the terms and limits of use set by the subscription agreement for the Paraphe certificate service.".into(),
            "I accept the publication of my certificate under the subscription agreement.".into(),
            "I authorise Paraphe to keep the information of my registration file, that on the use of the certificate and, where applicable, on its revocation, for the period set by the certification policy.".into(),
        ],
    };
    Ok(signing::text_pdf::render(request_title(language), &lines)?)
}

fn request_title(language: Language) -> &'static str {
    match language {
        Language::Fr => "Demande de certificat qualifié",
        Language::En => "Qualified certificate request",
    }
}

/// The SMS code signs the request with the holder's LCP key; in the same transaction the
/// cabinet is debited 20 € and the QCP certificate issued ("demande finalisée"), then the
/// holder is told by email.
pub async fn sign_request(
    db: &PgPool,
    pki: &Pki,
    config: &Config,
    user_id: UserId,
    id: QcpRequestId,
    code: &str,
    meta: &RequestMeta,
) -> Result<(QcpRequest, CertificateRow)> {
    let mut tx = db.begin().await?;
    let row = lock_owned(&mut tx, user_id, id).await?;
    expect_step(&mut tx, &row, QcpStep::Sign).await?;
    if let Err(refusal) = checked(
        &mut tx,
        &config.key_encryption_key,
        user_id,
        Purpose::QcpRequest,
        code,
        meta,
    )
    .await?
    {
        tx.commit().await?;
        return Err(refusal);
    }
    let lcp = super::live(&mut tx, user_id, Level::Lcp)
        .await?
        .filter(|c| c.level == "lcp")
        .ok_or(CertificateError::EnrolmentRequired)?;
    let signing_key =
        super::open_for_signing(&mut tx, pki, &config.key_encryption_key, lcp.id).await?;
    let holder = holder(&mut tx, user_id).await?;
    let name = format!("{} {}", holder.first_name, holder.last_name.to_uppercase());
    let now = Utc::now();
    let unsigned = request_pdf(
        holder.language,
        &name,
        &holder.email,
        &row.cabinet_name,
        &crate::texts::date(holder.language, now),
    )?;
    let request = SignatureRequest {
        signer_name: name.clone(),
        reason: Some(request_title(holder.language).into()),
        location: None,
        time: now,
        stamp: None,
    };
    let signed = signing::sign_at_level(
        &unsigned,
        &request,
        &signing_key.key,
        &signing_key.chain,
        PadesLevel::BT,
        pki,
    )
    .await?;
    // The delegation may have been withdrawn since the subscription started.
    ensure_may_spend(&mut tx, user_id, row.cabinet_id).await?;
    billing::debit_qcp(&mut tx, row.cabinet_id, &name).await?;
    let verification = verification_of(&mut tx, &row).await?;
    let person = super::person_of(&mut tx, user_id, &holder.first_name, &holder.last_name).await?;
    let certificate = super::issue(
        &mut tx,
        pki,
        &config.key_encryption_key,
        user_id,
        Level::Qcp,
        &person,
        verification.map(|v| v.id),
    )
    .await?;
    sqlx::query!(
        "UPDATE qcp_requests SET request_pdf = $2, signed_at = now(), certificate_id = $3 WHERE id = $1",
        id.as_uuid(),
        &signed,
        certificate.id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    super::log(&mut tx, user_id, "qcp_request_signed", meta, json!({ "request": id, "sha256": hex::encode(Sha256::digest(&signed)), "cabinet": row.cabinet_id })).await?;
    let text = super::emails::qcp_issued(holder.language, &name);
    notifications::enqueue_email(&mut tx, &holder.email, None, &text.subject, &text.body).await?;
    let row = by_id(&mut tx, id).await?;
    let request = assemble(&mut tx, row).await?;
    tx.commit().await?;
    Ok((request, certificate))
}
