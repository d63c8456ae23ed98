//! A throw-away certificate authority, in memory: a self-signed root and signer
//! certificates under it. For examples, tests, benchmarks and trying the engine out — a
//! real deployment issues certificates from a PKI whose keys are kept sealed or on a token.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::Decode;
use rand::RngCore;
use rsa::pkcs1v15::{Signature, SigningKey};
use sha2::Sha256;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

use crate::key::{RawSigner, SoftwareKey};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A root key and its self-signed certificate.
pub struct ThrowawayCa {
    key: SoftwareKey,
    certificate: Certificate,
}

const ONE_YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

impl ThrowawayCa {
    /// A new root named `CN=<common_name>`, RSA-2048, valid one year from now.
    pub fn new(common_name: &str) -> Result<Self, BoxError> {
        let key = SoftwareKey::generate(2048)?;
        let signer = SigningKey::<Sha256>::new(key.private_key().clone());
        let certificate = CertificateBuilder::new(
            Profile::Root,
            random_serial()?,
            validity(ONE_YEAR)?,
            Name::from_str(&format!("CN={common_name}"))?,
            spki(&key)?,
            &signer,
        )?
        .build::<Signature>()?;
        Ok(ThrowawayCa { key, certificate })
    }

    /// The root certificate: the trust anchor to validate against.
    pub fn root(&self) -> &Certificate {
        &self.certificate
    }

    /// A new signer: a fresh RSA-2048 key and its chain (its certificate, then the root),
    /// named `CN=<common_name>`.
    pub fn signer(&self, common_name: &str) -> Result<(SoftwareKey, Vec<Certificate>), BoxError> {
        let key = SoftwareKey::generate(2048)?;
        let issuer = SigningKey::<Sha256>::new(self.key.private_key().clone());
        let certificate = CertificateBuilder::new(
            Profile::Leaf {
                issuer: self.certificate.tbs_certificate.subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            random_serial()?,
            validity(ONE_YEAR)?,
            Name::from_str(&format!("CN={common_name}"))?,
            spki(&key)?,
            &issuer,
        )?
        .build::<Signature>()?;
        Ok((key, vec![certificate, self.certificate.clone()]))
    }
}

fn spki(key: &SoftwareKey) -> Result<SubjectPublicKeyInfoOwned, BoxError> {
    let der = key.public_key()?.to_public_key_der()?;
    Ok(SubjectPublicKeyInfoOwned::from_der(der.as_bytes())?)
}

/// A positive serial of 16 random octets.
fn random_serial() -> Result<SerialNumber, BoxError> {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(SerialNumber::new(&bytes)?)
}

fn validity(duration: Duration) -> Result<Validity, BoxError> {
    // A minute back, so that a validator on a clock slightly behind still accepts it.
    let from = SystemTime::now() - Duration::from_secs(60);
    Ok(Validity {
        not_before: Time::UtcTime(der::asn1::UtcTime::from_system_time(from)?),
        not_after: Time::UtcTime(der::asn1::UtcTime::from_system_time(from + duration)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn a_signer_chains_to_the_root() {
        let ca = ThrowawayCa::new("Test Root").expect("root");
        let (_, chain) = ca.signer("Claire MARTIN").expect("signer");
        assert_eq!(chain.len(), 2);
        assert_eq!(
            chain[0].tbs_certificate.issuer,
            ca.root().tbs_certificate.subject
        );
        assert!(chain[0].to_der().is_ok());
    }
}
