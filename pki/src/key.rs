//! The authorities' keys. The PKI never sees key material: it signs through
//! [`RawSigner`], the signing engine's key trait, so that a key may live in memory, on a
//! PKCS#11 token or in a remote signing service. [`AuthorityKey`] adds what a hierarchy
//! needs beyond signing: a handle it can clone, and fresh keys for the delegated OCSP
//! responders it certifies every week.

use paraphe_pades::{KeyFailure, RawSigner, SoftwareKey};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use sha2::Sha256;

/// RSA keys of 2048 bits, for the authorities and the end entities alike.
pub const RSA_BITS: usize = 2048;

/// A key a certificate authority signs with.
pub trait AuthorityKey: RawSigner + Clone + 'static {
    /// A fresh RSA key of [`RSA_BITS`], kept in memory: what a new hierarchy's authorities
    /// get from [`CaHierarchy::generate`](crate::CaHierarchy::generate), and every
    /// delegated OCSP responder. A tenth of a second of a core or more: keep it off the
    /// threads that serve asynchronous tasks.
    fn generate() -> Result<Self, KeyFailure>;
}

/// The engine's in-memory key (the `rsa` crate): for tools, examples and tests. A
/// deployment would rather implement [`AuthorityKey`] for its own custody.
impl AuthorityKey for SoftwareKey {
    fn generate() -> Result<Self, KeyFailure> {
        SoftwareKey::generate(RSA_BITS)
    }
}

/// A [`RawSigner`] dressed as the `signature` crate's signer, which the X.509 and OCSP
/// builders want: sha256WithRSAEncryption, the public key read once.
pub(crate) struct X509Signer<'k, K: ?Sized> {
    key: &'k K,
    verifying: VerifyingKey<Sha256>,
}

impl<'k, K: RawSigner + ?Sized> X509Signer<'k, K> {
    pub(crate) fn new(key: &'k K) -> Result<Self, KeyFailure> {
        Ok(X509Signer {
            key,
            verifying: VerifyingKey::new(key.public_key()?),
        })
    }
}

impl<K: ?Sized> rsa::signature::Keypair for X509Signer<'_, K> {
    type VerifyingKey = VerifyingKey<Sha256>;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.verifying.clone()
    }
}

impl<K: ?Sized> spki::SignatureAlgorithmIdentifier for X509Signer<'_, K> {
    type Params = der::AnyRef<'static>;
    const SIGNATURE_ALGORITHM_IDENTIFIER: spki::AlgorithmIdentifier<Self::Params> =
        <rsa::pkcs1v15::SigningKey<Sha256> as spki::SignatureAlgorithmIdentifier>::SIGNATURE_ALGORITHM_IDENTIFIER;
}

impl<K: RawSigner + ?Sized> rsa::signature::Signer<Signature> for X509Signer<'_, K> {
    fn try_sign(&self, message: &[u8]) -> Result<Signature, rsa::signature::Error> {
        let bytes = self
            .key
            .sign_sha256(message)
            .map_err(rsa::signature::Error::from_source)?;
        Signature::try_from(bytes.as_slice())
    }
}
