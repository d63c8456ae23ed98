//! The key trait. Whatever holds a private key — memory, a PKCS#11 token, a remote signing
//! service — signs through [`RawSigner`]; the engine never sees key material.

use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// Why a key could not be used. The holder's own error is kept as the source.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct KeyFailure(Box<dyn std::error::Error + Send + Sync>);

impl KeyFailure {
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        KeyFailure(Box::new(source))
    }

    /// A failure described by text only.
    pub fn message(text: impl Into<String>) -> Self {
        KeyFailure(text.into().into())
    }
}

/// An RSA key that makes RSASSA-PKCS1-v1_5 signatures with SHA-256, wherever it lives.
pub trait RawSigner: Send + Sync {
    fn public_key(&self) -> Result<RsaPublicKey, KeyFailure>;
    /// Signs `message`, which the signer hashes with SHA-256.
    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyFailure>;
}

/// An RSA private key held in this process's memory, with the `rsa` crate: for tools,
/// examples and tests. A service would rather keep its keys sealed or on a token and
/// implement [`RawSigner`] for them.
#[derive(Clone)]
pub struct SoftwareKey {
    private: RsaPrivateKey,
    public: RsaPublicKey,
}

impl SoftwareKey {
    /// A new key of `bits` bits (2048 or more) from the operating system's generator.
    pub fn generate(bits: usize) -> Result<Self, KeyFailure> {
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, bits).map_err(KeyFailure::new)?;
        Ok(Self::from(private))
    }

    pub fn private_key(&self) -> &RsaPrivateKey {
        &self.private
    }
}

impl From<RsaPrivateKey> for SoftwareKey {
    fn from(private: RsaPrivateKey) -> Self {
        let public = private.to_public_key();
        SoftwareKey { private, public }
    }
}

impl RawSigner for SoftwareKey {
    fn public_key(&self) -> Result<RsaPublicKey, KeyFailure> {
        Ok(self.public.clone())
    }

    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyFailure> {
        let signature = SigningKey::<Sha256>::new(self.private.clone())
            .try_sign(message)
            .map_err(KeyFailure::new)?;
        Ok(signature.to_vec())
    }
}
