//! The instance's certificate authorities, on top of the `paraphe-pki` crate, which holds
//! everything pure (the hierarchy and what it issues, OCSP, CRLs, time-stamps, names) and
//! is re-exported here. What is the server's stays here: the registry of issued
//! certificates in PostgreSQL (`registry.rs`), the hierarchy stored under the KEK or on
//! the PKCS#11 token (`store.rs`), the outside time-stamping authority over the server's
//! HTTP client (`remote_tsa.rs`), and the public endpoints (`http.rs`).

pub mod http;
pub mod registry;
pub mod remote_tsa;
pub mod store;

use rsa::RsaPublicKey;
use x509_cert::Certificate;

use crate::keys::{HeldKey, KeyError, MemoryKey};

pub use paraphe_pki::{
    certificate_der, crl, ocsp, tsa, AuthorityKey, AuthorityName, Ca, CabinetIdentity, CertState,
    CertificateRegistry, Level, PersonIdentity, PkiError, Revocation, RevocationReason,
    END_ENTITY_VALIDITY, RSA_BITS, TSA_POLICY,
};
pub use registry::Registry;

/// The instance's PKI at run time: the hierarchy, with keys in memory or on the token, and
/// the registry of what it issued. Every issuance goes through it so OCSP and CRLs know
/// every certificate (or through [`issue_for_person_in`], recorded in a transaction).
pub type Pki = paraphe_pki::Pki<HeldKey, Registry>;
pub type CaHierarchy = paraphe_pki::CaHierarchy<HeldKey>;
pub type Authority = paraphe_pki::Authority<HeldKey>;

/// The authorities' fresh keys (new hierarchies, OCSP responders) are [`MemoryKey`]s:
/// AWS-LC's RSA, about six times the `rsa` crate's speed.
impl AuthorityKey for HeldKey {
    fn generate() -> Result<Self, paraphe_pades::KeyFailure> {
        Ok(HeldKey::Memory(MemoryKey::generate()?))
    }
}

// Key custody's errors reach the PKI as the engine's `KeyFailure`, which keeps them as
// the source.
impl From<KeyError> for PkiError {
    fn from(e: KeyError) -> Self {
        PkiError::Keys(e.into())
    }
}

/// A fresh RSA-2048 key in memory (about 0.1 s of a core: keep it off the async runtime).
pub fn generate_key() -> Result<MemoryKey, PkiError> {
    Ok(MemoryKey::generate()?)
}

/// The instance's PKI from the database, created on first start.
pub async fn load_or_create(
    db: &sqlx::PgPool,
    kek: &crate::keys::KeyEncryptionKey,
    base_url: &str,
) -> Result<Pki, PkiError> {
    load_or_create_on(db, kek, base_url, None).await
}

/// The same, with the CA keys on a PKCS#11 `token`: made there on the first start (they
/// never leave it), found there by label afterwards.
pub async fn load_or_create_on(
    db: &sqlx::PgPool,
    kek: &crate::keys::KeyEncryptionKey,
    base_url: &str,
    token: Option<std::sync::Arc<crate::keys::pkcs11::Token>>,
) -> Result<Pki, PkiError> {
    let generate =
        || CaHierarchy::generate_with(base_url, |name| store::make_key(token.as_ref(), name));
    let hierarchy = store::load_or_create(db, kek, base_url, token.as_ref(), generate).await?;
    Ok(Pki::new(hierarchy, Registry::Database(db.clone())))
}

/// [`Pki::issue_for_person`] recorded in the caller's transaction, so that the record
/// commits or not with what the certificate was issued for.
pub async fn issue_for_person_in(
    pki: &Pki,
    conn: &mut sqlx::PgConnection,
    level: Level,
    person: &PersonIdentity,
    key: &RsaPublicKey,
) -> Result<Certificate, PkiError> {
    let certificate = pki.hierarchy.issue_for_person(level, person, key)?;
    pki.registry
        .record_in(conn, level.ca(), &certificate)
        .await?;
    Ok(certificate)
}
