//! Paraphe's certificate authorities: a root, an issuing CA per level (`lcp` for advanced
//! signatures, `qcp` for qualified ones, `seal` for cabinet seals), and the end-entity
//! certificates they issue to people and cabinets.
//!
//! Policy OIDs live under a private arc until the profession's CA assigns real ones:
//! `1.3.6.1.4.1.99999.1.{1,2,3}` for LCP, QCP and seal certificates.

mod names;

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{Ia5String, ObjectIdentifier};
use der::{Decode, Encode, EncodePem};
use rand::RngCore;
use rsa::pkcs1v15::SigningKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::certpolicy::{CertificatePolicies, PolicyInformation};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax, CrlDistributionPoints};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Certificate;

pub use names::{CabinetIdentity, PersonIdentity};

/// End-entity certificates are valid five years, as the certification policy says.
pub const END_ENTITY_VALIDITY: Duration = Duration::from_secs(5 * 365 * 24 * 3600 + 24 * 3600);
const CA_VALIDITY: Duration = Duration::from_secs(20 * 365 * 24 * 3600);
pub const RSA_BITS: usize = 2048;

const OID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("key generation failed: {0}")]
    Key(#[from] rsa::Error),
    #[error("certificate building failed: {0}")]
    Builder(String),
    #[error("encoding failed: {0}")]
    Der(#[from] der::Error),
    #[error("invalid name: {0}")]
    Name(String),
}

impl From<x509_cert::builder::Error> for PkiError {
    fn from(e: x509_cert::builder::Error) -> Self {
        PkiError::Builder(e.to_string())
    }
}

impl From<spki::Error> for PkiError {
    fn from(e: spki::Error) -> Self {
        PkiError::Builder(e.to_string())
    }
}

/// The certificate level, and so the issuing CA and the policy OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Advanced signature (LCP).
    Lcp,
    /// Advanced signature with a qualified certificate (QCP).
    Qcp,
    /// A cabinet's seal.
    Seal,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Lcp, Level::Qcp, Level::Seal];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Lcp => "lcp",
            Level::Qcp => "qcp",
            Level::Seal => "seal",
        }
    }

    pub fn policy_oid(self) -> ObjectIdentifier {
        match self {
            Level::Lcp => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.1"),
            Level::Qcp => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.2"),
            Level::Seal => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.3"),
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL.into_iter().find(|l| l.as_str() == s).ok_or_else(|| format!("unknown level {s:?} (lcp, qcp or seal)"))
    }
}

/// A certificate and the key that signs with it.
pub struct Authority {
    pub certificate: Certificate,
    key: RsaPrivateKey,
}

impl Authority {
    fn signer(&self) -> SigningKey<Sha256> {
        SigningKey::<Sha256>::new(self.key.clone())
    }

    pub fn certificate_pem(&self) -> Result<String, PkiError> {
        Ok(self.certificate.to_pem(der::pem::LineEnding::LF)?)
    }
}

pub struct CaHierarchy {
    pub root: Authority,
    pub lcp: Authority,
    pub qcp: Authority,
    pub seal: Authority,
    /// Where this instance publishes CRLs and answers OCSP, e.g. `https://paraphe.example`.
    base_url: String,
}

/// A positive serial of 16 random octets (RFC 5280 allows up to 20).
fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(SerialNumber::new(&bytes)?)
}

fn spki_of(key: &RsaPublicKey) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    let der = key.to_public_key_der()?;
    Ok(SubjectPublicKeyInfoOwned::from_der(der.as_bytes())?)
}

pub fn generate_key() -> Result<RsaPrivateKey, PkiError> {
    Ok(RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS)?)
}

fn ca_name(common_name: &str) -> Result<Name, PkiError> {
    Name::from_str(&format!("CN={common_name},O=Paraphe,C=FR")).map_err(|e| PkiError::Name(e.to_string()))
}

impl CaHierarchy {
    /// Creates a new hierarchy: fresh keys, a self-signed root, three issuing CAs.
    pub fn generate(base_url: &str) -> Result<Self, PkiError> {
        let root_key = generate_key()?;
        let root_name = ca_name("Paraphe Root CA")?;
        let root_signer = SigningKey::<Sha256>::new(root_key.clone());
        let builder = CertificateBuilder::new(
            Profile::Root,
            random_serial()?,
            Validity::from_now(CA_VALIDITY)?,
            root_name,
            spki_of(&root_key.to_public_key())?,
            &root_signer,
        )?;
        let root = Authority { certificate: builder.build::<rsa::pkcs1v15::Signature>()?, key: root_key };
        let root_signer = root.signer();
        let issuing = |label: &str| -> Result<Authority, PkiError> {
            let key = generate_key()?;
            let builder = CertificateBuilder::new(
                Profile::SubCA { issuer: root.certificate.tbs_certificate.subject.clone(), path_len_constraint: Some(0) },
                random_serial()?,
                Validity::from_now(CA_VALIDITY)?,
                ca_name(&format!("Paraphe {label} CA"))?,
                spki_of(&key.to_public_key())?,
                &root_signer,
            )?;
            Ok(Authority { certificate: builder.build::<rsa::pkcs1v15::Signature>()?, key })
        };
        let (lcp, qcp, seal) = (issuing("LCP")?, issuing("QCP")?, issuing("Seal")?);
        Ok(CaHierarchy { root, lcp, qcp, seal, base_url: base_url.trim_end_matches('/').to_owned() })
    }

    pub fn issuer(&self, level: Level) -> &Authority {
        match level {
            Level::Lcp => &self.lcp,
            Level::Qcp => &self.qcp,
            Level::Seal => &self.seal,
        }
    }

    /// The trust anchors, PEM, for outside validators.
    pub fn roots_pem(&self) -> Result<String, PkiError> {
        self.root.certificate_pem()
    }

    pub fn issue_for_person(&self, level: Level, person: &PersonIdentity, key: &RsaPublicKey) -> Result<Certificate, PkiError> {
        self.issue(level, person.subject()?, key)
    }

    pub fn issue_for_cabinet(&self, cabinet: &CabinetIdentity, key: &RsaPublicKey) -> Result<Certificate, PkiError> {
        self.issue(Level::Seal, cabinet.subject()?, key)
    }

    fn issue(&self, level: Level, subject: Name, key: &RsaPublicKey) -> Result<Certificate, PkiError> {
        let issuer = self.issuer(level);
        let signer = issuer.signer();
        let mut builder = CertificateBuilder::new(
            Profile::Leaf {
                issuer: issuer.certificate.tbs_certificate.subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            random_serial()?,
            Validity::from_now(END_ENTITY_VALIDITY)?,
            subject,
            spki_of(key)?,
            &signer,
        )?;
        let uri = |path: String| -> Result<GeneralName, PkiError> {
            Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(&format!("{}{path}", self.base_url))?))
        };
        builder.add_extension(&CertificatePolicies(vec![PolicyInformation {
            policy_identifier: level.policy_oid(),
            policy_qualifiers: None,
        }]))?;
        builder.add_extension(&CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![uri(format!("/pki/{}.crl", level.as_str()))?])),
            reasons: None,
            crl_issuer: None,
        }]))?;
        builder.add_extension(&AuthorityInfoAccessSyntax(vec![AccessDescription {
            access_method: OID_AD_OCSP,
            access_location: uri("/pki/ocsp".into())?,
        }]))?;
        Ok(builder.build::<rsa::pkcs1v15::Signature>()?)
    }
}

/// DER of a certificate.
pub fn certificate_der(certificate: &Certificate) -> Result<Vec<u8>, PkiError> {
    Ok(certificate.to_der()?)
}
