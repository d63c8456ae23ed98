//! Which key and certificate a signer signs with: their own certificate (members, and every
//! level-2 or level-3 signer), or for an outside level-1 signer a key made for this
//! signature alone with a one-time certificate in their name.

use sqlx::PgConnection;

use super::{CollectionError, Result, SignerRow};
use crate::certificates::{self, CertificateError, CertificateRow};
use crate::ids::{SignerId, UserId};
use crate::keys::{KeyEncryptionKey, MemoryKey, SealedKey};
use crate::pki::{Level, PersonIdentity, Pki};

pub(super) fn key_label(signer_id: SignerId) -> String {
    format!("signer:{signer_id}")
}

/// A key and a one-time certificate (the name the preparer typed) for this signer alone, taken from the pool and recorded in
/// the caller's transaction; `None` when the pool is empty.
pub(super) async fn signer_key_from_pool(
    conn: &mut PgConnection,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    signer: &SignerRow,
) -> Result<Option<(SealedKey, Vec<u8>)>> {
    let pooled = crate::keys::pool::take(&mut *conn, kek)
        .await
        .map_err(|e| CollectionError::Internal(e.into()))?;
    match pooled {
        Some(key) => Ok(Some(certify_signer_key(conn, pki, kek, signer, key).await?)),
        None => Ok(None),
    }
}

pub(super) async fn certify_signer_key(
    conn: &mut PgConnection,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    signer: &SignerRow,
    key: MemoryKey,
) -> Result<(SealedKey, Vec<u8>)> {
    let person = PersonIdentity {
        first_name: signer.first_name.clone(),
        last_name: signer.last_name.clone(),
        email: signer.email.clone(),
        serial_number: format!("PARAPHE-S-{}", signer.id.as_uuid().simple()),
    };
    let certificate =
        crate::pki::issue_for_person_in(pki, conn, Level::OneTime, &person, key.public())
            .await
            .map_err(|e| CollectionError::Internal(e.into()))?;
    let der = crate::pki::certificate_der(&certificate)
        .map_err(|e| CollectionError::Internal(e.into()))?;
    let sealed = kek
        .seal(&key, &key_label(signer.id))
        .map_err(|e| CollectionError::Internal(e.into()))?;
    Ok((sealed, der))
}

/// The account whose certificates a signer may use: the member themself, or the person
/// with the signer's email who holds an account (someone who created a certificate).
pub async fn certificate_holder(
    conn: &mut PgConnection,
    user_id: Option<UserId>,
    email: &str,
) -> Result<Option<UserId>> {
    if user_id.is_some() {
        return Ok(user_id);
    }
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id: UserId" FROM users WHERE email = lower($1)"#,
        email
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// The certificate a signer signs with when it is their own: cabinet members (who must
/// have enrolled) and every level-2 or level-3 signer. `None` for an outside level-1
/// signer, who gets a key and certificate for this signature alone.
pub(super) async fn personal_certificate(
    conn: &mut PgConnection,
    signer: &SignerRow,
) -> Result<Option<CertificateRow>> {
    if signer.user_id.is_none() && signer.level == 1 {
        return Ok(None);
    }
    let needed = if signer.level == 3 {
        Level::Qcp
    } else {
        Level::Lcp
    };
    let live = match certificate_holder(conn, signer.user_id, &signer.email).await? {
        Some(holder) => certificates::live(conn, holder, needed).await?,
        None => None,
    };
    match live {
        Some(certificate) => Ok(Some(certificate)),
        None if signer.user_id.is_some() && needed == Level::Lcp => {
            Err(CertificateError::EnrolmentRequired.into())
        }
        None => Err(CollectionError::CertificateRequired(signer.level)),
    }
}

/// Whether this signer must create a certificate before signing: an outside signer at
/// level 2 or more without a live certificate of that level.
pub async fn needs_certificate(conn: &mut PgConnection, signer: &SignerRow) -> Result<bool> {
    if signer.level < 2 || signer.user_id.is_some() {
        return Ok(false);
    }
    Ok(matches!(
        personal_certificate(conn, signer).await,
        Err(CollectionError::CertificateRequired(_))
    ))
}
