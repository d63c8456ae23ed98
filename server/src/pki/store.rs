//! The hierarchy in the database: certificates in clear, keys sealed under the KEK — or,
//! when the instance keeps its CA keys on a PKCS#11 token, the label of each key on the
//! token. Created on the first start of an instance; several replicas starting together
//! agree on one hierarchy through an advisory lock.

use der::{Decode, Encode};
use sqlx::PgPool;
use x509_cert::Certificate;

use super::registry::insert_certificate;
use super::{Authority, Ca, CaHierarchy, PkiError};
use crate::keys::pkcs11::Token;
use crate::keys::{HeldKey, KeyEncryptionKey, SealedKey};

const NAMES: [&str; 5] = ["root", "lcp", "qcp", "seal", "tsa"];

type Row = (String, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, Option<String>);

/// Loads the instance's hierarchy, creating it with `generate` on the first start. Keys
/// kept on a token are found there by label (`token` must then be the one they were
/// made on).
pub async fn load_or_create(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    base_url: &str,
    token: Option<&std::sync::Arc<Token>>,
    generate: impl FnOnce() -> Result<CaHierarchy, PkiError>,
) -> Result<CaHierarchy, PkiError> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('paraphe.pki.hierarchy'))").execute(&mut *tx).await?;
    let rows: Vec<Row> =
        sqlx::query_as("SELECT name, certificate, key_nonce, key_sealed, key_token_label FROM pki_authorities").fetch_all(&mut *tx).await?;
    if !rows.is_empty() {
        tx.commit().await?;
        return assemble(rows, kek, token, base_url);
    }
    let hierarchy = generate()?;
    let parts = [&hierarchy.root, &hierarchy.lcp, &hierarchy.qcp, &hierarchy.seal, &hierarchy.tsa];
    for (name, authority) in NAMES.iter().zip(parts) {
        let (nonce, sealed, label) = match authority.key() {
            HeldKey::Memory(key) => {
                let sealed = kek.seal(key, name)?;
                (Some(sealed.nonce), Some(sealed.ciphertext), None)
            }
            HeldKey::Token(key) => (None, None, Some(key.label().to_owned())),
        };
        sqlx::query("INSERT INTO pki_authorities (name, certificate, key_nonce, key_sealed, key_token_label) VALUES ($1, $2, $3, $4, $5)")
            .bind(name)
            .bind(authority.certificate.to_der()?)
            .bind(nonce)
            .bind(sealed)
            .bind(label)
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

fn assemble(rows: Vec<Row>, kek: &KeyEncryptionKey, token: Option<&std::sync::Arc<Token>>, base_url: &str) -> Result<CaHierarchy, PkiError> {
    let mut found: [Option<Authority>; 5] = Default::default();
    for (name, certificate, nonce, ciphertext, label) in rows {
        let Some(index) = NAMES.iter().position(|n| *n == name) else { continue };
        let key = match (nonce, ciphertext, label) {
            (Some(nonce), Some(ciphertext), None) => HeldKey::Memory(kek.open(&SealedKey { nonce, ciphertext }, &name)?),
            (None, None, Some(label)) => {
                let token = token.ok_or_else(|| PkiError::Incomplete(format!("the {name} key is on a PKCS#11 token: configure PARAPHE_PKCS11_MODULE")))?;
                HeldKey::Token(std::sync::Arc::new(token.shared_key(&label)?))
            }
            _ => return Err(PkiError::Incomplete(format!("the {name} key is neither sealed nor on a token"))),
        };
        found[index] = Some(Authority::new(Certificate::from_der(&certificate)?, key));
    }
    let [Some(root), Some(lcp), Some(qcp), Some(seal), Some(tsa)] = found else {
        let missing: Vec<&str> = NAMES.iter().zip(&found).filter(|(_, a)| a.is_none()).map(|(n, _)| *n).collect();
        return Err(PkiError::Incomplete(format!("missing: {}", missing.join(", "))));
    };
    Ok(CaHierarchy::from_parts(root, lcp, qcp, seal, tsa, base_url))
}
