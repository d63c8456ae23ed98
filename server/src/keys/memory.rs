//! RSA private keys held in this process's memory: the CAs' keys, opened once at start,
//! and signers' keys, opened from their sealed form for one signature.
//!
//! They sign through AWS-LC (`aws-lc-rs`, already linked for TLS): constant-time,
//! blinded, with assembly Montgomery arithmetic, about six times faster than the pure-Rust
//! `rsa` crate on RSA-2048. A level-1 signature costs three private-key operations (the
//! CA certifying the signer, the signer's CMS signature, the time-stamp token), so under
//! load this is most of the server's CPU (see BENCHMARKS.md). The `rsa` crate's types stay
//! for public keys, which the X.509 and CMS code works with.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use rsa::RsaPublicKey;
use spki::DecodePublicKey;
use zeroize::Zeroizing;

use super::{KeyError, KeyFailure, RawSigner};

/// An RSA private key in memory. Cheap to clone (the key itself is shared, never copied).
#[derive(Clone)]
pub struct MemoryKey {
    pair: Arc<KeyPair>,
    public: RsaPublicKey,
}

// Never print key material.
impl std::fmt::Debug for MemoryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryKey(<redacted>)")
    }
}

impl MemoryKey {
    /// A fresh RSA-2048 key (e = 65537). About 0.1 s of a core; callers on the async
    /// runtime run it with `spawn_blocking`.
    pub fn generate() -> Result<Self, KeyError> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| KeyError::Encoding("RSA key generation failed".into()))?;
        Self::from_pair(pair)
    }

    /// Parses an unencrypted PKCS#8 RSA private key (what [`MemoryKey::to_pkcs8_der`] gives).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pair = KeyPair::from_pkcs8(der).map_err(|e| KeyError::Encoding(e.to_string()))?;
        Self::from_pair(pair)
    }

    fn from_pair(pair: KeyPair) -> Result<Self, KeyError> {
        let spki: aws_lc_rs::encoding::PublicKeyX509Der<'static> = pair
            .public_key()
            .as_der()
            .map_err(|_| KeyError::Encoding("public key encoding failed".into()))?;
        let public = RsaPublicKey::from_public_key_der(spki.as_ref())
            .map_err(|e| KeyError::Encoding(e.to_string()))?;
        Ok(MemoryKey {
            pair: Arc::new(pair),
            public,
        })
    }

    /// The PKCS#8 DER of the private key, wiped from memory when dropped.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let der: Pkcs8V1Der<'static> = self
            .pair
            .as_der()
            .map_err(|_| KeyError::Encoding("private key encoding failed".into()))?;
        Ok(Zeroizing::new(der.as_ref().to_vec()))
    }

    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }
}

impl RawSigner for MemoryKey {
    fn public_key(&self) -> Result<RsaPublicKey, KeyFailure> {
        Ok(self.public.clone())
    }

    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyFailure> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| KeyError::Encoding("RSA signature failed".into()))?;
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use sha2::Sha256;

    fn verifies(key: &MemoryKey, message: &[u8], signature: &[u8]) -> bool {
        let signature = Signature::try_from(signature).expect("signature");
        VerifyingKey::<Sha256>::new(key.public().clone())
            .verify(message, &signature)
            .is_ok()
    }

    #[test]
    fn a_signature_verifies_with_the_rsa_crate_and_the_key_survives_pkcs8() {
        let key = MemoryKey::generate().expect("key");
        let signature = key.sign_sha256(b"contrat").expect("sign");
        assert!(verifies(&key, b"contrat", &signature));
        assert!(!verifies(&key, b"contrat!", &signature));

        let again = MemoryKey::from_pkcs8_der(&key.to_pkcs8_der().expect("der")).expect("parse");
        assert_eq!(again.public(), key.public());
        assert!(verifies(
            &again,
            b"contrat",
            &again.sign_sha256(b"contrat").expect("sign")
        ));
    }

    #[test]
    fn a_key_made_by_the_rsa_crate_opens() {
        use rsa::pkcs8::EncodePrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("key");
        let opened =
            MemoryKey::from_pkcs8_der(key.to_pkcs8_der().expect("der").as_bytes()).expect("parse");
        assert_eq!(opened.public(), &key.to_public_key());
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(matches!(
            MemoryKey::from_pkcs8_der(b"not a key"),
            Err(KeyError::Encoding(_))
        ));
    }
}
