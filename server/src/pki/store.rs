//! The hierarchy in the database: certificates in clear, keys sealed under the KEK — or,
//! when the instance keeps its CA keys on a PKCS#11 token, the label of each key on the
//! token. Created on the first start of an instance; several replicas starting together
//! agree on one hierarchy through an advisory lock. An authority added to the hierarchy
//! after an instance was created (the one-time CA) is made, certified by the existing
//! root, on the first start that misses it.

use der::{Decode, Encode};
use sqlx::PgPool;
use x509_cert::Certificate;

use super::registry::insert_certificate;
use super::{issue_subordinate, Authority, Ca, CaHierarchy, PkiError, StoredAuthorities};
use crate::keys::pkcs11::Token;
use crate::keys::{HeldKey, KeyEncryptionKey, SealedKey};

const NAMES: [&str; 6] = ["root", "lcp", "qcp", "seal", "onetime", "tsa"];

type Row = (
    String,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
);

/// A fresh key for the authority `name`: in memory, or on the token when there is one
/// (under a new label, which is what the database then records).
pub fn make_key(token: Option<&std::sync::Arc<Token>>, name: &str) -> Result<HeldKey, PkiError> {
    match token {
        None => Ok(HeldKey::Memory(super::generate_key()?)),
        Some(token) => {
            let label = format!("paraphe-ca-{name}-{}", uuid::Uuid::new_v4().simple());
            token.generate_rsa(&label, super::RSA_BITS as u64)?;
            Ok(HeldKey::Token(std::sync::Arc::new(
                token.shared_key(&label)?,
            )))
        }
    }
}

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
    // `pg_advisory_xact_lock` returns `void`, which the macros only take with a type override.
    sqlx::query_scalar!(
        r#"SELECT pg_advisory_xact_lock(hashtext('paraphe.pki.hierarchy')) AS "locked: ()""#
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<Row> = sqlx::query!(
        "SELECT name, certificate, key_nonce, key_sealed, key_token_label FROM pki_authorities",
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|row| {
        (
            row.name,
            row.certificate,
            row.key_nonce,
            row.key_sealed,
            row.key_token_label,
        )
    })
    .collect();
    if !rows.is_empty() {
        let mut found = assemble(rows, kek, token)?;
        // The one-time CA came after the others: an instance created before has none yet.
        if found[4].is_none() {
            if let Some(root) = &found[0] {
                let onetime = issue_subordinate(
                    root,
                    base_url.trim_end_matches('/'),
                    Ca::OneTime,
                    make_key(token, Ca::OneTime.as_str())?,
                )?;
                store(&mut tx, kek, "onetime", &onetime).await?;
                insert_certificate(&mut *tx, Ca::Root, &onetime.certificate).await?;
                tracing::info!("created the one-time certificate authority of this instance");
                found[4] = Some(onetime);
            }
        }
        tx.commit().await?;
        let [Some(root), Some(lcp), Some(qcp), Some(seal), Some(onetime), Some(tsa)] = found else {
            let missing: Vec<&str> = NAMES
                .iter()
                .zip(&found)
                .filter(|(_, a)| a.is_none())
                .map(|(n, _)| *n)
                .collect();
            return Err(PkiError::Incomplete(format!(
                "missing: {}",
                missing.join(", ")
            )));
        };
        return Ok(CaHierarchy::from_parts(
            StoredAuthorities {
                root,
                lcp,
                qcp,
                seal,
                onetime,
                tsa,
            },
            base_url,
        ));
    }
    let hierarchy = generate()?;
    let parts = [
        &hierarchy.root,
        &hierarchy.lcp,
        &hierarchy.qcp,
        &hierarchy.seal,
        &hierarchy.onetime,
        &hierarchy.tsa,
    ];
    for (name, authority) in NAMES.iter().zip(parts) {
        store(&mut tx, kek, name, authority).await?;
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

async fn store(
    tx: &mut sqlx::PgConnection,
    kek: &KeyEncryptionKey,
    name: &str,
    authority: &Authority,
) -> Result<(), PkiError> {
    let (nonce, sealed, label) = match authority.key() {
        HeldKey::Memory(key) => {
            let sealed = kek.seal(key, name)?;
            (Some(sealed.nonce), Some(sealed.ciphertext), None)
        }
        HeldKey::Token(key) => (None, None, Some(key.label().to_owned())),
    };
    sqlx::query!(
        "INSERT INTO pki_authorities (name, certificate, key_nonce, key_sealed, key_token_label) VALUES ($1, $2, $3, $4, $5)",
        name,
        authority.certificate.to_der()?,
        nonce,
        sealed,
        label,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn assemble(
    rows: Vec<Row>,
    kek: &KeyEncryptionKey,
    token: Option<&std::sync::Arc<Token>>,
) -> Result<[Option<Authority>; 6], PkiError> {
    let mut found: [Option<Authority>; 6] = Default::default();
    for (name, certificate, nonce, ciphertext, label) in rows {
        let Some(index) = NAMES.iter().position(|n| *n == name) else {
            continue;
        };
        let key = match (nonce, ciphertext, label) {
            (Some(nonce), Some(ciphertext), None) => {
                HeldKey::Memory(kek.open(&SealedKey { nonce, ciphertext }, &name)?)
            }
            (None, None, Some(label)) => {
                let token = token.ok_or_else(|| {
                    PkiError::Incomplete(format!(
                        "the {name} key is on a PKCS#11 token: configure PARAPHE_PKCS11_MODULE"
                    ))
                })?;
                HeldKey::Token(std::sync::Arc::new(token.shared_key(&label)?))
            }
            _ => {
                return Err(PkiError::Incomplete(format!(
                    "the {name} key is neither sealed nor on a token"
                )))
            }
        };
        found[index] = Some(Authority::new(Certificate::from_der(&certificate)?, key));
    }
    Ok(found)
}
