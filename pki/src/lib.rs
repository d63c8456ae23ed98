//! A certificate authority hierarchy for electronic signatures, and the services relying
//! parties ask of it.
//!
//! - [`CaHierarchy`]: a self-signed root, an issuing CA per [`Level`] (`lcp` for
//!   identity-verified people, `qcp` for qualified certificates, `seal` for legal persons,
//!   `onetime` for names nobody verified) and a time-stamping unit. It issues RSA-2048,
//!   SHA-256 end-entity certificates valid five years ([`END_ENTITY_VALIDITY`]) with
//!   critical keyUsage nonRepudiation and digitalSignature, the level's policy OID
//!   ([`Level::policy_oid`]), a CRL distribution point and an OCSP pointer under the
//!   instance's public URL; subjects come from [`PersonIdentity`] or [`CabinetIdentity`].
//! - [`ocsp`]: RFC 6960 answers (good, revoked, unknown for serials never issued), signed
//!   by a week-long delegated responder of the issuing CA (extendedKeyUsage OCSPSigning,
//!   id-pkix-ocsp-nocheck). [`crl`]: RFC 5280 CRLs, built per request. [`tsa`]: RFC 3161
//!   tokens (TSTInfo in a SignedData with signing-certificate-v2), and [`remote`] for an
//!   outside time-stamping authority.
//! - [`Pki`] ties a hierarchy to the [`CertificateRegistry`] of what it issued: whatever
//!   it issues is recorded, so OCSP and CRLs know every certificate. It implements the
//!   signing engine's [`TimeStamper`](paraphe_pades::TimeStamper) and
//!   [`TrustServices`](paraphe_pades::TrustServices), for PAdES B-T to B-LTA.
//!
//! Nothing here stores anything or holds key material. Keys sign through the engine's
//! [`RawSigner`](paraphe_pades::RawSigner) ([`AuthorityKey`] adds cloning and fresh keys),
//! so they may live in memory, sealed at rest, or on a PKCS#11 token; the issued
//! certificates live behind [`CertificateRegistry`], the authorities between runs behind
//! [`AuthorityStore`] ([`store::load_or_create`] finds or makes a hierarchy there). The
//! [`memory`] module keeps both in process memory, for tools, examples and tests.
//!
//! ```
//! use paraphe_pades::{RawSigner, SoftwareKey};
//! use paraphe_pki::memory::MemoryRegistry;
//! use paraphe_pki::{ocsp, Ca, CaHierarchy, CertState, Level, PersonIdentity, Pki, RevocationReason};
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! // A new hierarchy, keys in memory; CRLs and OCSP are announced under this address.
//! let hierarchy = CaHierarchy::<SoftwareKey>::generate("https://paraphe.example")?;
//! let registry = MemoryRegistry::for_hierarchy(&hierarchy);
//! let pki = Pki::new(hierarchy, registry);
//!
//! // A person's LCP certificate for a key they hold: issued, and recorded.
//! let key = SoftwareKey::generate(2048)?;
//! let claire = PersonIdentity {
//!     first_name: "Claire".into(),
//!     last_name: "Martin".into(),
//!     email: "claire@client.fr".into(),
//!     serial_number: "PARAPHE-0001".into(),
//! };
//! let certificate = pki.issue_for_person(Level::Lcp, &claire, &key.public_key()?).await?;
//! assert!(certificate.tbs_certificate.subject.to_string().contains("CN=Claire MARTIN"));
//!
//! // A relying party asks about it over OCSP: good, then revoked.
//! let serial = &certificate.tbs_certificate.serial_number;
//! let request = ocsp::request(&pki.hierarchy, Ca::Lcp, serial)?;
//! let (query, states) = pki.ocsp_lookup(&request).await.expect("our CA");
//! assert_eq!(states.get(serial.as_bytes()), Some(&CertState::Good));
//! let answer: Vec<u8> = pki.ocsp_answer(&query, &states); // DER, signed by the LCP CA's responder
//! assert!(!answer.is_empty());
//!
//! pki.revoke(&certificate, RevocationReason::KeyCompromise).await?;
//! let (_, states) = pki.ocsp_lookup(&request).await.expect("our CA");
//! assert!(matches!(states.get(serial.as_bytes()), Some(CertState::Revoked(_))));
//! let crl: Vec<u8> = pki.crl(Ca::Lcp).await?; // lists it
//! # assert!(!crl.is_empty());
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
//!
//! `cargo run -p paraphe-pki --example issue` makes a hierarchy, issues a certificate,
//! answers OCSP about it before and after its revocation, and writes the PEM and DER files
//! to look at with `openssl`.
//!
//! Policy OIDs live under a private arc until real ones are assigned:
//! `1.3.6.1.4.1.99999.1.{1,2,3,4}` for LCP, QCP, seal and one-time certificates,
//! `1.3.6.1.4.1.99999.2.1` for the time-stamping unit ([`TSA_POLICY`]). Messages are
//! English, but [`Level::description_fr`], which is what a French relying party is told.

pub mod crl;
mod hierarchy;
mod key;
mod level;
pub mod memory;
mod names;
pub mod ocsp;
mod registry;
pub mod remote;
mod revocation;
mod service;
pub mod store;
pub mod tsa;

pub use hierarchy::{
    certificate_der, Authority, CaHierarchy, StoredAuthorities, END_ENTITY_VALIDITY,
};
pub use key::{AuthorityKey, RSA_BITS};
pub use level::{AuthorityName, Ca, Level};
pub use names::{CabinetIdentity, PersonIdentity};
pub use registry::CertificateRegistry;
pub use remote::RemoteTimeStamper;
pub use revocation::{CertState, Revocation, RevocationReason};
pub use service::{Pki, States};
pub use store::AuthorityStore;
pub use tsa::TSA_POLICY;

use paraphe_pades::KeyFailure;

/// Why the PKI could not do what was asked. The underlying error is kept as the source.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate building failed: {0}")]
    Builder(#[from] x509_cert::builder::Error),
    #[error("OCSP encoding failed: {0}")]
    Ocsp(#[from] x509_ocsp::builder::Error),
    #[error("public key encoding failed: {0}")]
    PublicKey(#[from] spki::Error),
    #[error("encoding failed: {0}")]
    Der(#[from] der::Error),
    /// A holder's name that cannot be certified (empty, or a SIREN that is not 9 digits).
    #[error("invalid name: {0}")]
    Name(String),
    /// A key could not be made or used; its custody's error is the source.
    #[error("key custody: {0}")]
    Keys(#[from] KeyFailure),
    /// The registry or the store failed; their own error is the source.
    #[error("storage: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the stored certificate authorities are incomplete ({0}); restore them from a backup")]
    Incomplete(String),
    #[error("this certificate was not issued by this instance")]
    UnknownCertificate,
    #[error("this certificate is already revoked")]
    AlreadyRevoked,
}

impl PkiError {
    /// A storage failure (a registry's or a store's), keeping `error` as the source.
    pub fn storage(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        PkiError::Storage(Box::new(error))
    }
}
