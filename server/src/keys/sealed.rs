//! Private keys at rest sealed with AES-256-GCM under a key-encryption key (KEK) that
//! comes from configuration. Each sealed key is bound to its label (authenticated data): a
//! sealed key copied onto another row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{KeyError, MemoryKey};

/// A private key sealed for storage: a fresh 96-bit nonce and the AES-GCM ciphertext of
/// its PKCS#8 DER (tag included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedKey {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

#[derive(Clone)]
pub struct KeyEncryptionKey {
    cipher: Aes256Gcm,
    /// HMAC key for one-time codes, derived from the KEK: a database dump alone (codes are
    /// 6 digits) does not give the codes back.
    code_key: Zeroizing<[u8; 32]>,
}

// Never print key material.
impl std::fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyEncryptionKey(<redacted>)")
    }
}

impl KeyEncryptionKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|_| KeyError::BadKek)?;
        let mut derive =
            <Hmac<Sha256> as Mac>::new_from_slice(bytes).map_err(|_| KeyError::BadKek)?;
        derive.update(b"paraphe one-time codes v1");
        let code_key = Zeroizing::new(derive.finalize().into_bytes().into());
        Ok(Self { cipher, code_key })
    }

    /// The keyed MAC a one-time code is stored as: HMAC-SHA256 over `parts`, each prefixed
    /// by its length so that no two lists of parts give the same input.
    pub fn code_tag(&self, parts: &[&[u8]]) -> Vec<u8> {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(self.code_key.as_slice()) else {
            unreachable!("HMAC takes keys of any length")
        };
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    pub fn from_base64(encoded: &str) -> Result<Self, KeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| KeyError::BadKek)?;
        Self::from_bytes(&bytes)
    }

    /// A fresh random KEK and its base64 form (for `paraphe-server keys new-kek` and tests).
    pub fn generate() -> (Self, String) {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let Ok(kek) = Self::from_bytes(&bytes) else {
            unreachable!("32 bytes is always a valid AES-256 key")
        };
        (kek, encoded)
    }

    pub fn seal(&self, key: &MemoryKey, label: &str) -> Result<SealedKey, KeyError> {
        self.seal_bytes(&key.to_pkcs8_der()?, label)
    }

    pub fn open(&self, sealed: &SealedKey, label: &str) -> Result<MemoryKey, KeyError> {
        // The clear DER is wiped when it drops.
        let der = Zeroizing::new(self.open_bytes(sealed, label)?);
        MemoryKey::from_pkcs8_der(&der)
    }

    /// Seals any secret bytes (identity document images, for instance) bound to `label`.
    pub fn seal_bytes(&self, clear: &[u8], label: &str) -> Result<SealedKey, KeyError> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: clear,
                    aad: label.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Encoding("encryption failed".into()))?;
        Ok(SealedKey {
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    pub fn open_bytes(&self, sealed: &SealedKey, label: &str) -> Result<Vec<u8>, KeyError> {
        if sealed.nonce.len() != 12 {
            return Err(KeyError::Unseal);
        }
        self.cipher
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: label.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Unseal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_key() -> MemoryKey {
        MemoryKey::generate().expect("key")
    }

    #[test]
    fn a_sealed_key_opens_with_its_kek_and_label_only() {
        let (kek, encoded) = KeyEncryptionKey::generate();
        let key = small_key();
        let sealed = kek.seal(&key, "lcp").expect("seal");
        assert_eq!(
            kek.open(&sealed, "lcp").expect("open").public(),
            key.public()
        );
        assert!(KeyEncryptionKey::from_base64(&encoded)
            .expect("kek")
            .open(&sealed, "lcp")
            .is_ok());

        assert!(
            matches!(kek.open(&sealed, "root"), Err(KeyError::Unseal)),
            "label is bound"
        );
        let (other, _) = KeyEncryptionKey::generate();
        assert!(
            matches!(other.open(&sealed, "lcp"), Err(KeyError::Unseal)),
            "another KEK"
        );
        let mut altered = sealed.clone();
        altered.ciphertext[10] ^= 1;
        assert!(
            matches!(kek.open(&altered, "lcp"), Err(KeyError::Unseal)),
            "one flipped bit"
        );
    }

    #[test]
    fn the_sealed_form_does_not_contain_the_clear_key() {
        let (kek, _) = KeyEncryptionKey::generate();
        let key = small_key();
        let der = key.to_pkcs8_der().expect("der");
        let sealed = kek.seal(&key, "seal").expect("seal");
        let clear = der.as_slice();
        assert!(!sealed
            .ciphertext
            .windows(32)
            .any(|w| clear.windows(32).any(|c| c == w)));
    }

    #[test]
    fn a_bad_kek_is_refused() {
        assert!(matches!(
            KeyEncryptionKey::from_base64("c2hvcnQ="),
            Err(KeyError::BadKek)
        ));
        assert!(matches!(
            KeyEncryptionKey::from_base64("not base64!"),
            Err(KeyError::BadKek)
        ));
    }

    #[test]
    fn one_time_codes_are_tagged_under_a_key_a_database_dump_does_not_hold() {
        let (kek, encoded) = KeyEncryptionKey::generate();
        let (other, _) = KeyEncryptionKey::generate();
        let tag = kek.code_tag(&[b"signer", b"123456"]);
        assert_eq!(
            tag,
            KeyEncryptionKey::from_base64(&encoded)
                .expect("kek")
                .code_tag(&[b"signer", b"123456"]),
            "the same key, the same tag"
        );
        assert_ne!(
            tag,
            other.code_tag(&[b"signer", b"123456"]),
            "another instance's key, another tag"
        );
        assert_ne!(
            kek.code_tag(&[b"ab", b"c"]),
            kek.code_tag(&[b"a", b"bc"]),
            "parts are not merely concatenated"
        );
    }
}
