//! The signing code: sent by SMS once the signer accepted the documents, checked by the
//! signature it allows. The key a level-1 signer signs with is made or taken from the pool
//! when the first code is sent.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, AuditEvent, CodeFailure};
use crate::certificates::CertificateError;
use crate::codes;
use crate::collections::{emails, CollectionError, CollectionRow, Result, SignerRow};
use crate::ids::{CertificateId, CollectionId, SignerId, UserId};
use crate::keys::{KeyEncryptionKey, MemoryKey};
use crate::notifications;
use crate::pki::Pki;
use crate::request_meta::RequestMeta;

use super::{ensure_can_act, resolve_locked_with_key, LinkedSigner};
use crate::codes::mobile_hint;
use crate::collections::signer_keys::{
    certify_signer_key, personal_certificate, signer_key_from_pool,
};

/// A signing code's validity; the other rules are the platform's (`crate::codes`).
pub const CODE_VALIDITY_MINUTES: i64 = 30;

pub struct CodeSent {
    pub expires_at: DateTime<Utc>,
    pub mobile_hint: String,
    pub signer: SignerRow,
    pub collection: CollectionRow,
}

/// Sends a 6-digit code by SMS, valid 30 minutes; it replaces any earlier code.
pub async fn request_code(
    db: &PgPool,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    token: &str,
    meta: &RequestMeta,
) -> Result<CodeSent> {
    match send_code(db, pki, kek, token, meta, None).await? {
        Sending::Sent(sent) => Ok(*sent),
        Sending::NeedsKey => {
            // The pool ran dry: the key is made outside any transaction (it takes a while
            // and must not hold the collection's lock), then the request runs again.
            let key = tokio::task::spawn_blocking(crate::pki::generate_key)
                .await
                .map_err(|e| CollectionError::Internal(e.into()))?
                .map_err(|e| CollectionError::Internal(e.into()))?;
            match send_code(db, pki, kek, token, meta, Some(key)).await? {
                Sending::Sent(sent) => Ok(*sent),
                Sending::NeedsKey => Err(CollectionError::Internal(
                    "a freshly made key was not used".into(),
                )),
            }
        }
    }
}

enum Sending {
    Sent(Box<CodeSent>),
    NeedsKey,
}

/// One attempt at [`request_code`], in one transaction: every check comes before a key is
/// taken, so a refused request uses none.
async fn send_code(
    db: &PgPool,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    token: &str,
    meta: &RequestMeta,
    made_key: Option<MemoryKey>,
) -> Result<Sending> {
    let mut tx = db.begin().await?;
    let (LinkedSigner { signer, has_key }, collection) =
        resolve_locked_with_key(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    if signer.accepted_at.is_none() {
        return Err(CollectionError::NotAccepted);
    }
    let personal = personal_certificate(&mut tx, &signer).await?;
    let (code, expires_at) = codes::issue(
        &mut tx,
        kek,
        codes::Holder::Signer(signer.id),
        Duration::minutes(CODE_VALIDITY_MINUTES),
    )
    .await?
    .ok_or(CollectionError::TooManyCodes)?;
    if let Some(certificate) = &personal {
        sqlx::query!(
            "UPDATE signers SET personal_certificate_id = $2, certificate = $3, key_nonce = NULL, key_sealed = NULL WHERE id = $1",
            signer.id.as_uuid(),
            certificate.id.as_uuid(),
            &certificate.certificate,
        )
        .execute(&mut *tx)
        .await?;
    } else if !has_key {
        let new_key = match made_key {
            Some(key) => certify_signer_key(&mut tx, pki, kek, &signer, key).await?,
            None => match signer_key_from_pool(&mut tx, pki, kek, &signer).await? {
                Some(new_key) => new_key,
                None => return Ok(Sending::NeedsKey),
            },
        };
        let (sealed, certificate) = new_key;
        sqlx::query!(
            "UPDATE signers SET key_nonce = $2, key_sealed = $3, certificate = $4 WHERE id = $1",
            signer.id.as_uuid(),
            &sealed.nonce,
            &sealed.ciphertext,
            &certificate,
        )
        .execute(&mut *tx)
        .await?;
    }
    // Sole control: a code that unlocks the holder's own certificate goes to the mobile the
    // holder enrolled, whatever mobile the preparer typed for this collection.
    let mobile = match &personal {
        Some(certificate) => enrolled_mobile(&mut tx, certificate.user_id).await?,
        None => signer.mobile.clone(),
    };
    notifications::enqueue_sms(
        &mut tx,
        &mobile,
        &emails::code_sms(signer.language(), &code),
    )
    .await?;
    audit::append(
        &mut tx,
        collection.id,
        Actor::Signer(signer.id),
        meta,
        AuditEvent::CodeSent {
            signer: signer.id,
            mobile: mobile_hint(&mobile),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Sending::Sent(Box::new(CodeSent {
        expires_at,
        mobile_hint: mobile_hint(&mobile),
        signer,
        collection,
    })))
}

/// The mobile a certificate holder confirmed at enrolment (where the agreement's code went).
async fn enrolled_mobile(conn: &mut PgConnection, holder: UserId) -> Result<String> {
    let mobile = sqlx::query_scalar!("SELECT mobile FROM users WHERE id = $1", holder.as_uuid())
        .fetch_one(&mut *conn)
        .await?;
    mobile
        .filter(|m| !m.is_empty())
        .ok_or_else(|| CertificateError::EnrolmentRequired.into())
}

/// What a signature needs from the signer's row: the key (or the certificate of their
/// own), and the live code, read together.
pub(super) struct SigningMaterial {
    pub(super) key_nonce: Option<Vec<u8>>,
    pub(super) key_sealed: Option<Vec<u8>>,
    pub(super) certificate: Option<Vec<u8>>,
    pub(super) personal_certificate_id: Option<CertificateId>,
    pub(super) code_id: Option<uuid::Uuid>,
    pub(super) code_hash: Option<Vec<u8>>,
    pub(super) code_expires_at: Option<DateTime<Utc>>,
    pub(super) code_failed_attempts: Option<i32>,
}

impl SigningMaterial {
    pub(super) async fn read(conn: &mut PgConnection, signer_id: SignerId) -> Result<Self> {
        // The code's columns are NULL when there is no live code (`?`: the LEFT JOIN).
        Ok(sqlx::query_as!(
            SigningMaterial,
            r#"SELECT s.key_nonce, s.key_sealed, s.certificate, s.personal_certificate_id AS "personal_certificate_id: CertificateId",
                      c.id AS "code_id?", c.code_hash AS "code_hash?", c.expires_at AS "code_expires_at?",
                      c.failed_attempts AS "code_failed_attempts?"
                 FROM signers s
                 LEFT JOIN LATERAL (SELECT id, code_hash, expires_at, failed_attempts FROM signing_codes
                                    WHERE signer_id = s.id AND closed_at IS NULL ORDER BY sent_at DESC LIMIT 1) c ON true
                WHERE s.id = $1"#,
            signer_id.as_uuid(),
        )
        .fetch_one(&mut *conn)
        .await?)
    }

    pub(super) fn live_code(&mut self) -> Option<codes::LiveCode> {
        Some(codes::LiveCode {
            id: self.code_id?,
            code_hash: self.code_hash.take()?,
            expires_at: self.code_expires_at?,
            failed_attempts: self.code_failed_attempts?,
        })
    }
}

/// Checks `code` against the signer's live code. A failure is recorded (on the code and
/// in the trail) in `conn`'s transaction, which the caller commits before answering the
/// error; a code that matched is closed by the caller with the signature it allows.
pub(super) async fn check_code(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    collection_id: CollectionId,
    signer_id: SignerId,
    live: Option<codes::LiveCode>,
    code: &str,
    meta: &RequestMeta,
) -> Result<Result<(), CollectionError>> {
    let attempts = live.as_ref().map_or(0, |live| live.failed_attempts + 1);
    let refusal =
        match codes::check(conn, kek, codes::Holder::Signer(signer_id), live, code).await? {
            Ok(()) => return Ok(Ok(())),
            Err(refusal) => refusal,
        };
    let event = match refusal {
        codes::Refusal::NotSent => return Ok(Err(CollectionError::OtpNotSent)),
        codes::Refusal::Expired => AuditEvent::CodeFailed {
            signer: signer_id,
            reason: CodeFailure::Expired,
            attempt: None,
        },
        codes::Refusal::Wrong(_) | codes::Refusal::Locked => AuditEvent::CodeFailed {
            signer: signer_id,
            reason: CodeFailure::Wrong,
            attempt: Some(attempts),
        },
    };
    audit::append(conn, collection_id, Actor::Signer(signer_id), meta, event).await?;
    Ok(Err(match refusal {
        codes::Refusal::NotSent => CollectionError::OtpNotSent,
        codes::Refusal::Expired => CollectionError::OtpExpired,
        codes::Refusal::Wrong(left) => CollectionError::OtpInvalid(left),
        codes::Refusal::Locked => CollectionError::OtpLocked,
    }))
}
