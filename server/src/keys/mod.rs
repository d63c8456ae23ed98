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
pub use paraphe_pades::{KeyFailure, RawSigner};
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
    #[error(transparent)]
    Signer(#[from] KeyFailure),
}

// The engine's key trait speaks `KeyFailure`; key custody speaks `KeyError`. Each wraps
// the other, keeping the source.
impl From<KeyError> for KeyFailure {
    fn from(error: KeyError) -> Self {
        KeyFailure::new(error)
    }
}

/// A key the process keeps (a certificate authority's): in memory, opened from its sealed
/// form, or on a PKCS#11 token. Cheap to clone.
#[derive(Clone)]
pub enum HeldKey {
    Memory(MemoryKey),
    Token(std::sync::Arc<pkcs11::SharedTokenKey>),
}

impl HeldKey {
    pub fn public(&self) -> &RsaPublicKey {
        match self {
            HeldKey::Memory(key) => key.public(),
            HeldKey::Token(key) => key.public(),
        }
    }
}

impl RawSigner for HeldKey {
    fn public_key(&self) -> Result<RsaPublicKey, KeyFailure> {
        Ok(self.public().clone())
    }

    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyFailure> {
        match self {
            HeldKey::Memory(key) => key.sign_sha256(message),
            HeldKey::Token(key) => key.sign_sha256(message),
        }
    }
}
