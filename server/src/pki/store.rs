//! The hierarchy in the database: certificates in clear, keys sealed under the KEK.
//! Created on the first start of an instance; several replicas starting together agree on
//! one hierarchy through an advisory lock.

use der::{Decode, Encode};
use sqlx::PgPool;
use x509_cert::Certificate;

use super::registry::insert_certificate;
use super::{Authority, Ca, CaHierarchy, PkiError};
use crate::keys::{KeyEncryptionKey, SealedKey};

const NAMES: [&str; 5] = ["root", "lcp", "qcp", "seal", "tsa"];

/// Loads the instance's hierarchy, creating it with `generate` on the first start.
pub async fn load_or_create(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    base_url: &str,
    generate: impl FnOnce() -> Result<CaHierarchy, PkiError>,
) -> Result<CaHierarchy, PkiError> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('paraphe.pki.hierarchy'))").execute(&mut *tx).await?;
    let rows: Vec<(String, Vec<u8>, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT name, certificate, key_nonce, key_sealed FROM pki_authorities").fetch_all(&mut *tx).await?;
    if !rows.is_empty() {
        tx.commit().await?;
        return assemble(rows, kek, base_url);
    }
    let hierarchy = generate()?;
    let parts = [&hierarchy.root, &hierarchy.lcp, &hierarchy.qcp, &hierarchy.seal, &hierarchy.tsa];
    for (name, authority) in NAMES.iter().zip(parts) {
        let sealed = kek.seal(authority.key(), name)?;
        sqlx::query("INSERT INTO pki_authorities (name, certificate, key_nonce, key_sealed) VALUES ($1, $2, $3, $4)")
            .bind(name)
            .bind(authority.certificate.to_der()?)
            .bind(sealed.nonce)
            .bind(sealed.ciphertext)
            .execute(&mut *tx)
            .await?;
    }
    // The root's own children are certificates like the others: OCSP and the root CRL
    // must know them.
    for authority in &parts[1..] {
        insert_certificate(&mut *tx, Ca::Root, &authority.certificate).await?;
    }
    tx.commit().await?;
    tracing::info!("created the certificate authorities of this instance");
    Ok(hierarchy)
}

fn assemble(rows: Vec<(String, Vec<u8>, Vec<u8>, Vec<u8>)>, kek: &KeyEncryptionKey, base_url: &str) -> Result<CaHierarchy, PkiError> {
    let mut found: [Option<Authority>; 5] = Default::default();
    for (name, certificate, nonce, ciphertext) in rows {
        let Some(index) = NAMES.iter().position(|n| *n == name) else { continue };
        let key = kek.open(&SealedKey { nonce, ciphertext }, &name)?;
        found[index] = Some(Authority::new(Certificate::from_der(&certificate)?, key));
    }
    let [Some(root), Some(lcp), Some(qcp), Some(seal), Some(tsa)] = found else {
        let missing: Vec<&str> = NAMES.iter().zip(&found).filter(|(_, a)| a.is_none()).map(|(n, _)| *n).collect();
        return Err(PkiError::Incomplete(format!("missing: {}", missing.join(", "))));
    };
    Ok(CaHierarchy::from_parts(root, lcp, qcp, seal, tsa, base_url))
}
