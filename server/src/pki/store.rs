//! The hierarchy in the database: certificates in clear, keys sealed under the KEK — or,
//! when the instance keeps its CA keys on a PKCS#11 token, the label of each key on the
//! token. [`DatabaseAuthorities`] is the crate's `AuthorityStore` on `pki_authorities`: a
//! transaction holding an advisory lock, so that several replicas starting together
//! agree on one hierarchy; `paraphe_pki::store::load_or_create` decides what to make (the
//! whole hierarchy on the first start, an authority added later — the one-time CA — on
//! the first start that misses it).

use std::sync::Arc;

use der::{Decode, Encode};
use paraphe_pki::{Authority, AuthorityName, AuthorityStore};
use sqlx::PgPool;
use x509_cert::Certificate;

use super::registry::insert_certificate;
use super::{Ca, CaHierarchy, PkiError};
use crate::keys::pkcs11::Token;
use crate::keys::{HeldKey, KeyEncryptionKey, SealedKey};

/// A fresh key for the authority `name`: in memory, or on the token when there is one
/// (under a new label, which is what the database then records).
pub fn make_key(token: Option<&Arc<Token>>, name: AuthorityName) -> Result<HeldKey, PkiError> {
    match token {
        None => Ok(HeldKey::Memory(super::generate_key()?)),
        Some(token) => {
            let label = format!("paraphe-ca-{name}-{}", uuid::Uuid::new_v4().simple());
            token.generate_rsa(&label, super::RSA_BITS as u64)?;
            Ok(HeldKey::Token(Arc::new(token.shared_key(&label)?)))
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
    token: Option<&Arc<Token>>,
    generate: impl FnOnce() -> Result<CaHierarchy, PkiError>,
) -> Result<CaHierarchy, PkiError> {
    let store = DatabaseAuthorities::lock(db, kek, token).await?;
    paraphe_pki::store::load_or_create(store, base_url, |name| make_key(token, name), generate)
        .await
}

/// A session on `pki_authorities`: one transaction, holding the hierarchy's advisory lock
/// from [`DatabaseAuthorities::lock`] to its commit (or its drop, which rolls back).
pub struct DatabaseAuthorities<'a> {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    kek: &'a KeyEncryptionKey,
    token: Option<&'a Arc<Token>>,
}

impl<'a> DatabaseAuthorities<'a> {
    /// Opens the transaction and waits for the lock: another replica creating the
    /// hierarchy finishes first.
    pub async fn lock(
        db: &PgPool,
        kek: &'a KeyEncryptionKey,
        token: Option<&'a Arc<Token>>,
    ) -> Result<Self, PkiError> {
        let mut tx = db.begin().await.map_err(PkiError::storage)?;
        // `pg_advisory_xact_lock` returns `void`, which the macros only take with a type override.
        sqlx::query_scalar!(
            r#"SELECT pg_advisory_xact_lock(hashtext('paraphe.pki.hierarchy')) AS "locked: ()""#
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(PkiError::storage)?;
        Ok(DatabaseAuthorities { tx, kek, token })
    }

    /// The key of a stored authority: opened from its sealed form, or found on the token.
    fn open_key(
        &self,
        name: &str,
        nonce: Option<Vec<u8>>,
        ciphertext: Option<Vec<u8>>,
        label: Option<String>,
    ) -> Result<HeldKey, PkiError> {
        Ok(match (nonce, ciphertext, label) {
            (Some(nonce), Some(ciphertext), None) => {
                HeldKey::Memory(self.kek.open(&SealedKey { nonce, ciphertext }, name)?)
            }
            (None, None, Some(label)) => {
                let token = self.token.ok_or_else(|| {
                    PkiError::Incomplete(format!(
                        "the {name} key is on a PKCS#11 token: configure PARAPHE_PKCS11_MODULE"
                    ))
                })?;
                HeldKey::Token(Arc::new(token.shared_key(&label)?))
            }
            _ => {
                return Err(PkiError::Incomplete(format!(
                    "the {name} key is neither sealed nor on a token"
                )))
            }
        })
    }
}

#[async_trait::async_trait]
impl AuthorityStore for DatabaseAuthorities<'_> {
    type Key = HeldKey;

    async fn load(&mut self) -> Result<Vec<(AuthorityName, Authority<HeldKey>)>, PkiError> {
        let rows = sqlx::query!(
            "SELECT name, certificate, key_nonce, key_sealed, key_token_label FROM pki_authorities",
        )
        .fetch_all(&mut *self.tx)
        .await
        .map_err(PkiError::storage)?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            // A row this version does not know (one a later version added) is not ours to open.
            let Ok(name) = row.name.parse::<AuthorityName>() else {
                continue;
            };
            let key = self.open_key(
                &row.name,
                row.key_nonce,
                row.key_sealed,
                row.key_token_label,
            )?;
            found.push((
                name,
                Authority::new(Certificate::from_der(&row.certificate)?, key),
            ));
        }
        Ok(found)
    }

    async fn save(
        &mut self,
        name: AuthorityName,
        authority: &Authority<HeldKey>,
    ) -> Result<(), PkiError> {
        let (nonce, sealed, label) = match authority.key() {
            HeldKey::Memory(key) => {
                let sealed = self.kek.seal(key, name.as_str())?;
                (Some(sealed.nonce), Some(sealed.ciphertext), None)
            }
            HeldKey::Token(key) => (None, None, Some(key.label().to_owned())),
        };
        sqlx::query!(
            "INSERT INTO pki_authorities (name, certificate, key_nonce, key_sealed, key_token_label) VALUES ($1, $2, $3, $4, $5)",
            name.as_str(),
            authority.certificate.to_der()?,
            nonce,
            sealed,
            label,
        )
        .execute(&mut *self.tx)
        .await
        .map_err(PkiError::storage)?;
        Ok(())
    }

    async fn record(&mut self, issuer: Ca, certificate: &Certificate) -> Result<(), PkiError> {
        insert_certificate(&mut *self.tx, issuer, certificate).await
    }

    async fn commit(self) -> Result<(), PkiError> {
        self.tx.commit().await.map_err(PkiError::storage)
    }
}
