//! Key custody. Two real stores: keys sealed at rest with AES-256-GCM under a key-encryption
//! key (`sealed.rs`, the default: the database never holds a private key in clear), and
//! keys generated on a PKCS#11 token that never leave it (`pkcs11.rs`, tested against
//! SoftHSM2). Keys opened from their sealed form are [`MemoryKey`]s. Signing code sees only
//! [`RawSigner`], whichever holds the key.

mod memory;
pub mod pkcs11;
pub mod pool;
mod sealed;

use rsa::RsaPublicKey;

pub use memory::MemoryKey;
pub use sealed::{KeyEncryptionKey, SealedKey};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key-encryption key must be 32 bytes, base64-encoded")]
    BadKek,
    #[error("a sealed key does not open with this key-encryption key (wrong key or altered data)")]
    Unseal,
    #[error("a private key could not be encoded or decoded: {0}")]
    Encoding(String),
    #[error("PKCS#11 token: {0}")]
    Token(String),
}

/// An RSA key that makes RSASSA-PKCS1-v1_5 signatures with SHA-256, wherever it lives.
pub trait RawSigner: Send + Sync {
    fn public_key(&self) -> Result<RsaPublicKey, KeyError>;
    /// Signs `message` (hashed with SHA-256 by the signer).
    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError>;
}
