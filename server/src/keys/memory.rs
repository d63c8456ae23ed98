//! RSA private keys held in this process's memory: the CAs' keys, opened once at start,
//! and signers' keys, opened from their sealed form for one signature.
//!
//! They sign through AWS-LC (`aws-lc-rs`, already linked for TLS): constant-time,
//! blinded, with assembly Montgomery arithmetic, about four times faster than the pure-Rust
//! `rsa` crate on RSA-2048. A level-1 signature costs three private-key operations (the
//! CA certifying the signer, the signer's CMS signature, the time-stamp token), so under
//! load this is most of the server's CPU (see BENCHMARKS.md). The `rsa` crate's types stay
//! for public keys, which the X.509 and CMS code works with.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{Keypair, Signer};
use rsa::RsaPublicKey;
use sha2::Sha256;
use spki::{AlgorithmIdentifier, DecodePublicKey, SignatureAlgorithmIdentifier};
use zeroize::Zeroizing;

use super::{KeyError, RawSigner};

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
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Encoding("RSA key generation failed".into()))?;
        Self::from_pair(pair)
    }

    /// Parses an unencrypted PKCS#8 RSA private key (what [`MemoryKey::to_pkcs8_der`] gives).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pair = KeyPair::from_pkcs8(der).map_err(|e| KeyError::Encoding(e.to_string()))?;
        Self::from_pair(pair)
    }

    fn from_pair(pair: KeyPair) -> Result<Self, KeyError> {
        let spki: aws_lc_rs::encoding::PublicKeyX509Der<'static> =
            pair.public_key().as_der().map_err(|_| KeyError::Encoding("public key encoding failed".into()))?;
        let public = RsaPublicKey::from_public_key_der(spki.as_ref()).map_err(|e| KeyError::Encoding(e.to_string()))?;
        Ok(MemoryKey { pair: Arc::new(pair), public })
    }

    /// The PKCS#8 DER of the private key, wiped from memory when dropped.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let der: Pkcs8V1Der<'static> = self.pair.as_der().map_err(|_| KeyError::Encoding("private key encoding failed".into()))?;
        Ok(Zeroizing::new(der.as_ref().to_vec()))
    }

    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }
}

impl RawSigner for MemoryKey {
    fn public_key(&self) -> Result<RsaPublicKey, KeyError> {
        Ok(self.public.clone())
    }

    fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), message, &mut signature)
            .map_err(|_| KeyError::Encoding("RSA signature failed".into()))?;
        Ok(signature)
    }
}

// What the X.509 and OCSP builders need of a signer: sha256WithRSAEncryption.
impl Keypair for MemoryKey {
    type VerifyingKey = VerifyingKey<Sha256>;
    fn verifying_key(&self) -> Self::VerifyingKey {
        VerifyingKey::new(self.public.clone())
    }
}

impl SignatureAlgorithmIdentifier for MemoryKey {
    type Params = der::AnyRef<'static>;
    const SIGNATURE_ALGORITHM_IDENTIFIER: AlgorithmIdentifier<Self::Params> =
        <SigningKey<Sha256> as SignatureAlgorithmIdentifier>::SIGNATURE_ALGORITHM_IDENTIFIER;
}

impl Signer<Signature> for MemoryKey {
    fn try_sign(&self, message: &[u8]) -> Result<Signature, rsa::signature::Error> {
        let bytes = self.sign_sha256(message).map_err(rsa::signature::Error::from_source)?;
        Signature::try_from(bytes.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::signature::Verifier;

    #[test]
    fn a_signature_verifies_with_the_rsa_crate_and_the_key_survives_pkcs8() {
        let key = MemoryKey::generate().expect("key");
        let signature = key.try_sign(b"contrat").expect("sign");
        key.verifying_key().verify(b"contrat", &signature).expect("verifies");
        assert!(key.verifying_key().verify(b"contrat!", &signature).is_err());

        let again = MemoryKey::from_pkcs8_der(&key.to_pkcs8_der().expect("der")).expect("parse");
        assert_eq!(again.public(), key.public());
        again.verifying_key().verify(b"contrat", &again.try_sign(b"contrat").expect("sign")).expect("verifies");
    }

    #[test]
    fn a_key_made_by_the_rsa_crate_opens() {
        use rsa::pkcs8::EncodePrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("key");
        let opened = MemoryKey::from_pkcs8_der(key.to_pkcs8_der().expect("der").as_bytes()).expect("parse");
        assert_eq!(opened.public(), &key.to_public_key());
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(matches!(MemoryKey::from_pkcs8_der(b"not a key"), Err(KeyError::Encoding(_))));
    }
}
