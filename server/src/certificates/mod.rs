//! Personal certificates (SPEC §2 and §4): the LCP certificate that enrolment issues after
//! the identity verification, the holder's list, download and revocation, and the one
//! door through which a holder's key signs.
//!
//! - `enrolment.rs`: the first-login wizard (profile, identity, subscription agreement
//!   signed with an SMS code, certificate issued, "Félicitations").
//! - `qcp.rs`: the qualified certificate subscription (paid by a cabinet, email code,
//!   details matching the LCP, identity again, request signed with an SMS code).
//! - `codes.rs`: one-time codes sent to a user to consent to one operation.
//! - `agreement.rs`: the subscription agreement's text.
//! - `graphql.rs`, `http.rs`: the API, the certificate and agreement downloads.
//!
//! The certificate, its validity and its revocation live in the PKI registry
//! (`pki_certificates`), the one truth for OCSP and CRLs; `personal_certificates` binds it
//! to its holder and keeps the holder's key sealed under the key-encryption key.

pub mod agreement;
pub mod codes;
pub mod emails;
pub mod enrolment;
pub mod graphql;
pub mod http;
pub mod qcp;

use chrono::{DateTime, Utc};
use der::Decode;
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use x509_cert::Certificate;

use crate::ids::{CertificateId, UserId, VerificationId};
use crate::keys::{KeyEncryptionKey, MemoryKey, SealedKey};
use crate::pki::{Level, PersonIdentity, Pki, PkiError, RevocationReason};
use crate::request_meta::RequestMeta;

#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("introuvable")]
    NotFound,
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    InvalidState(String),
    #[error(
        "terminez d'abord votre enregistrement (identité, accord de souscription, certificat)"
    )]
    EnrolmentRequired,
    #[error("ce certificat est révoqué")]
    Revoked,
    #[error("demandez d'abord un code")]
    OtpNotSent,
    #[error("code incorrect : encore {0} essai(s)")]
    OtpInvalid(i32),
    #[error("ce code a expiré : demandez-en un nouveau")]
    OtpExpired,
    #[error("trop de codes erronés : demandez-en un nouveau")]
    OtpLocked,
    #[error("trop de codes demandés : réessayez dans quelques minutes")]
    TooManyCodes,
    #[error("seuls l'expert-comptable et les collaborateurs qui signent pour le cabinet engagent son crédit")]
    MayNotSpend,
    #[error("le service n'est pas encore ouvert pour ce cabinet")]
    CabinetNotOpen,
    #[error(transparent)]
    Billing(#[from] crate::billing::BillingError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(crate::BoxError),
}

impl From<PkiError> for CertificateError {
    fn from(e: PkiError) -> Self {
        match e {
            PkiError::AlreadyRevoked => {
                CertificateError::InvalidState("ce certificat est déjà révoqué".into())
            }
            // The registry's failures are the database's (`pki::Registry`).
            PkiError::Storage(e) => match e.downcast::<sqlx::Error>() {
                Ok(e) => CertificateError::Database(*e),
                Err(e) => CertificateError::Internal(e),
            },
            other => CertificateError::Internal(other.into()),
        }
    }
}

impl From<crate::keys::KeyError> for CertificateError {
    fn from(e: crate::keys::KeyError) -> Self {
        CertificateError::Internal(e.into())
    }
}

impl From<crate::signing::PdfError> for CertificateError {
    fn from(e: crate::signing::PdfError) -> Self {
        CertificateError::Internal(e.into())
    }
}

pub type Result<T, E = CertificateError> = std::result::Result<T, E>;

/// A holder's certificate as the registry knows it now.
#[derive(Debug, Clone)]
pub struct CertificateRow {
    pub id: CertificateId,
    pub user_id: UserId,
    pub level: String,
    pub issuer: String,
    pub serial: Vec<u8>,
    pub certificate: Vec<u8>,
    pub subject: String,
    pub not_after: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
}

impl CertificateRow {
    pub fn level(&self) -> Level {
        if self.level == "qcp" {
            Level::Qcp
        } else {
            Level::Lcp
        }
    }

    pub fn parsed(&self) -> Result<Certificate> {
        Certificate::from_der(&self.certificate).map_err(|e| CertificateError::Internal(e.into()))
    }
}

// The queries that read a `CertificateRow` all write out the same columns and join.

/// A certificate by its id, whoever holds it.
pub(crate) async fn by_id(
    conn: &mut PgConnection,
    id: CertificateId,
) -> Result<Option<CertificateRow>, sqlx::Error> {
    sqlx::query_as!(
        CertificateRow,
        r#"SELECT p.id AS "id: CertificateId", p.user_id AS "user_id: UserId", p.level, p.issuer, p.serial, c.certificate, c.subject, c.not_after, p.issued_at,
                c.revoked_at, c.revocation_reason
           FROM personal_certificates p JOIN pki_certificates c ON c.issuer = p.issuer AND c.serial = p.serial
          WHERE p.id = $1"#,
        id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await
}

pub async fn list(db: &PgPool, user_id: UserId) -> Result<Vec<CertificateRow>> {
    Ok(sqlx::query_as!(
        CertificateRow,
        r#"SELECT p.id AS "id: CertificateId", p.user_id AS "user_id: UserId", p.level, p.issuer, p.serial, c.certificate, c.subject, c.not_after, p.issued_at,
                c.revoked_at, c.revocation_reason
           FROM personal_certificates p JOIN pki_certificates c ON c.issuer = p.issuer AND c.serial = p.serial
          WHERE p.user_id = $1 ORDER BY p.issued_at DESC"#,
        user_id.as_uuid(),
    )
    .fetch_all(db)
    .await?)
}

/// The holder's own certificate; anyone else's is `NOT_FOUND`.
pub async fn owned(db: &PgPool, user_id: UserId, id: CertificateId) -> Result<CertificateRow> {
    sqlx::query_as!(
        CertificateRow,
        r#"SELECT p.id AS "id: CertificateId", p.user_id AS "user_id: UserId", p.level, p.issuer, p.serial, c.certificate, c.subject, c.not_after, p.issued_at,
                c.revoked_at, c.revocation_reason
           FROM personal_certificates p JOIN pki_certificates c ON c.issuer = p.issuer AND c.serial = p.serial
          WHERE p.id = $1 AND p.user_id = $2"#,
        id.as_uuid(),
        user_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?
    .ok_or(CertificateError::NotFound)
}

/// The newest certificate of `user_id` that can sign at `level` now: a QCP serves for
/// an advanced signature too, never the other way round.
pub async fn live(
    conn: &mut PgConnection,
    user_id: UserId,
    level: Level,
) -> Result<Option<CertificateRow>> {
    let levels: &[&str] = if level == Level::Qcp {
        &["qcp"]
    } else {
        &["lcp", "qcp"]
    };
    Ok(sqlx::query_as!(
        CertificateRow,
        r#"SELECT p.id AS "id: CertificateId", p.user_id AS "user_id: UserId", p.level, p.issuer, p.serial, c.certificate, c.subject, c.not_after, p.issued_at,
                c.revoked_at, c.revocation_reason
           FROM personal_certificates p JOIN pki_certificates c ON c.issuer = p.issuer AND c.serial = p.serial
          WHERE p.user_id = $1 AND p.level = ANY($2) AND c.revoked_at IS NULL AND c.not_after > now()
          ORDER BY (p.level = $3) DESC, p.issued_at DESC LIMIT 1"#,
        user_id.as_uuid(),
        // `as _`: the macro would want `&[String]` for `text[]`; `&[&str]` encodes the same.
        levels as _,
        level.as_str(),
    )
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn log(
    conn: &mut PgConnection,
    user_id: UserId,
    kind: &str,
    meta: &RequestMeta,
    detail: Value,
) -> Result<()> {
    sqlx::query!(
        "INSERT INTO enrolment_events (user_id, kind, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5)",
        user_id.as_uuid(),
        kind,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        // JSONB: the macros map it only with sqlx's `json` feature, not enabled here.
        detail as _,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn key_label(certificate_id: CertificateId) -> String {
    format!("personal:{certificate_id}")
}

pub async fn generate_key() -> Result<MemoryKey> {
    tokio::task::spawn_blocking(crate::pki::generate_key)
        .await
        .map_err(|e| CertificateError::Internal(e.into()))?
        .map_err(CertificateError::from)
}

/// Issues a certificate of `level` to `user_id` in the name of `person`, with a new key
/// kept sealed. Runs in the caller's transaction, except the registry entry, which the
/// PKI records at once (a rolled-back issuance leaves an unused, unbound certificate).
pub async fn issue(
    conn: &mut PgConnection,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    level: Level,
    person: &PersonIdentity,
    verification_id: Option<VerificationId>,
) -> Result<CertificateRow> {
    let key = generate_key().await?;
    let certificate = pki.issue_for_person(level, person, key.public()).await?;
    let id = CertificateId::new_v4();
    let sealed = kek.seal(&key, &key_label(id))?;
    sqlx::query!(
        "INSERT INTO personal_certificates (id, user_id, level, issuer, serial, verification_id, key_nonce, key_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id.as_uuid(),
        user_id.as_uuid(),
        level.as_str(),
        level.ca().as_str(),
        certificate.tbs_certificate.serial_number.as_bytes(),
        verification_id.map(VerificationId::into_uuid),
        &sealed.nonce,
        &sealed.ciphertext,
    )
    .execute(&mut *conn)
    .await?;
    log(conn, user_id, "certificate_issued", &RequestMeta::default(), json!({ "certificate": id, "level": level.as_str(), "serial": hex::encode(certificate.tbs_certificate.serial_number.as_bytes()) })).await?;
    by_id(conn, id)
        .await?
        .ok_or(CertificateError::Database(sqlx::Error::RowNotFound))
}

/// "Révoquer mon certificat": OCSP and the CRL say so at once, and it signs nothing more.
pub async fn revoke(
    db: &PgPool,
    pki: &Pki,
    user_id: UserId,
    id: CertificateId,
    reason: RevocationReason,
    meta: &RequestMeta,
) -> Result<CertificateRow> {
    let row = owned(db, user_id, id).await?;
    if row.revoked_at.is_some() {
        return Err(CertificateError::InvalidState(
            "ce certificat est déjà révoqué".into(),
        ));
    }
    let revocation = pki.revoke(&row.parsed()?, reason).await?;
    let mut tx = db.begin().await?;
    log(
        &mut tx,
        user_id,
        "certificate_revoked",
        meta,
        json!({ "certificate": id, "reason": reason.as_str(), "at": revocation.at }),
    )
    .await?;
    let holder = sqlx::query!(
        "SELECT first_name, email, language FROM users WHERE id = $1",
        user_id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let text = emails::revoked(
        crate::accounts::parse_language(holder.language.as_deref()),
        &holder.first_name,
        &hex::encode_upper(&row.serial),
    );
    crate::notifications::enqueue_email(&mut tx, &holder.email, None, &text.subject, &text.body)
        .await?;
    tx.commit().await?;
    owned(db, user_id, id).await
}

/// A holder's key and certificate chain, ready to sign.
pub struct HolderKey {
    pub key: MemoryKey,
    pub chain: Vec<Certificate>,
}

/// Opens a holder's key: the only place that does. Call it only once the holder's
/// one-time code for this very operation has been checked. A revoked or expired
/// certificate is refused even if the caller chose it earlier.
pub async fn open_for_signing(
    conn: &mut PgConnection,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    certificate_id: CertificateId,
) -> Result<HolderKey> {
    let row = by_id(conn, certificate_id)
        .await?
        .ok_or(CertificateError::NotFound)?;
    if row.revoked_at.is_some() {
        return Err(CertificateError::Revoked);
    }
    if row.not_after <= Utc::now() {
        return Err(CertificateError::InvalidState(
            "ce certificat a expiré".into(),
        ));
    }
    let sealed = sqlx::query!(
        "SELECT key_nonce, key_sealed FROM personal_certificates WHERE id = $1",
        certificate_id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let key = kek.open(
        &SealedKey {
            nonce: sealed.key_nonce,
            ciphertext: sealed.key_sealed,
        },
        &key_label(certificate_id),
    )?;
    let mut chain = vec![row.parsed()?];
    chain.extend(pki.hierarchy.chain_above(row.level()));
    Ok(HolderKey { key, chain })
}

/// The identity a holder's certificates name: their profile, with a serialNumber stable
/// for the person (ETSI EN 319 412-1 semantics).
pub async fn person_of(
    conn: &mut PgConnection,
    user_id: UserId,
    first_name: &str,
    last_name: &str,
) -> Result<PersonIdentity> {
    let email = sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", user_id.as_uuid())
        .fetch_one(&mut *conn)
        .await?;
    Ok(PersonIdentity {
        first_name: first_name.to_owned(),
        last_name: last_name.to_owned(),
        email,
        serial_number: format!("PARAPHE-U-{}", user_id.as_uuid().simple()),
    })
}
