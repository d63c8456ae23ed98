//! Paraphe's certificate authorities: a root, an issuing CA per level (`lcp` for advanced
//! signatures of identity-verified people, `qcp` for qualified ones, `seal` for cabinet
//! seals, `onetime` for certificates made for one signature whose name nobody verified),
//! and the end-entity certificates they issue to people and cabinets.
//!
//! Policy OIDs live under a private arc until the profession's CA assigns real ones:
//! `1.3.6.1.4.1.99999.1.{1,2,3,4}` for LCP, QCP, seal and one-time certificates.

pub mod crl;
pub mod http;
mod names;
pub mod ocsp;
pub mod registry;
pub mod remote_tsa;
pub mod store;
pub mod tsa;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

use der::asn1::{Ia5String, ObjectIdentifier};
use der::{Decode, Encode, EncodePem};
use rand::RngCore;
use rsa::RsaPublicKey;
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

use crate::keys::{HeldKey, MemoryKey};

pub use names::{CabinetIdentity, PersonIdentity};
pub use registry::Registry;

/// End-entity certificates are valid five years, as the certification policy says.
pub const END_ENTITY_VALIDITY: Duration = Duration::from_secs(5 * 365 * 24 * 3600 + 24 * 3600);
const CA_VALIDITY: Duration = Duration::from_secs(20 * 365 * 24 * 3600);
pub const RSA_BITS: usize = 2048;

const TSA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

const OID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const OID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const OID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// A delegated OCSP responder's certificate lives a week, and is replaced when less than
/// two days are left: short enough that nobody needs to check its own revocation
/// (id-pkix-ocsp-nocheck), long enough to outlive the answers it signs (one hour).
const OCSP_RESPONDER_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);
const OCSP_RESPONDER_RENEWAL: Duration = Duration::from_secs(2 * 24 * 3600);
/// The policy under which the time-stamping unit answers.
pub const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.2.1");

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
    #[error("key custody: {0}")]
    Keys(#[from] crate::keys::KeyError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the stored certificate authorities are incomplete ({0}); restore them from a backup")]
    Incomplete(String),
    #[error("this certificate was not issued by this instance")]
    UnknownCertificate,
    #[error("this certificate is already revoked")]
    AlreadyRevoked,
}

impl From<crate::keys::KeyFailure> for PkiError {
    fn from(e: crate::keys::KeyFailure) -> Self {
        PkiError::Keys(e.into())
    }
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
    /// A certificate made for one signature (a level-1 signer's, or the subscription
    /// agreement's before the identity check): the name is the one the preparer (or the
    /// person) typed, nobody verified it; only control of the email address and of the
    /// mobile was checked, by code. Its own CA and policy, so that no relying party takes
    /// it for a verified LCP certificate.
    OneTime,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Lcp, Level::Qcp, Level::Seal, Level::OneTime];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Lcp => "lcp",
            Level::Qcp => "qcp",
            Level::Seal => "seal",
            Level::OneTime => "onetime",
        }
    }

    pub fn policy_oid(self) -> ObjectIdentifier {
        match self {
            Level::Lcp => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.1"),
            Level::Qcp => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.2"),
            Level::Seal => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.3"),
            Level::OneTime => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.4"),
        }
    }

    /// The level whose policy `oid` is, for reading a certificate back.
    pub fn from_policy_oid(oid: &ObjectIdentifier) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|level| level.policy_oid() == *oid)
    }

    /// What a relying party is told the certificate vouches for.
    pub fn description_fr(self) -> &'static str {
        match self {
            Level::Lcp => "certificat LCP : identité vérifiée",
            Level::Qcp => "certificat qualifié (QCP) : identité vérifiée",
            Level::Seal => "cachet d'une personne morale",
            Level::OneTime => "certificat à usage unique : nom déclaré par le préparateur, e-mail et mobile vérifiés par code",
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown level {s:?} (lcp, qcp, seal or onetime)"))
    }
}

impl Level {
    /// The CA that issues certificates of this level.
    pub fn ca(self) -> Ca {
        match self {
            Level::Lcp => Ca::Lcp,
            Level::Qcp => Ca::Qcp,
            Level::Seal => Ca::Seal,
            Level::OneTime => Ca::OneTime,
        }
    }
}

/// A certificate authority of the hierarchy: the root (which issues the other CAs and the
/// time-stamping unit) or an issuing CA. Names the CRL (`/pki/{ca}.crl`) and the rows of
/// the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ca {
    Root,
    Lcp,
    Qcp,
    Seal,
    OneTime,
}

impl Ca {
    pub const ALL: [Ca; 5] = [Ca::Root, Ca::Lcp, Ca::Qcp, Ca::Seal, Ca::OneTime];

    pub fn as_str(self) -> &'static str {
        match self {
            Ca::Root => "root",
            Ca::Lcp => "lcp",
            Ca::Qcp => "qcp",
            Ca::Seal => "seal",
            Ca::OneTime => "onetime",
        }
    }
}

impl FromStr for Ca {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ca::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown CA {s:?}"))
    }
}

/// Why a certificate was revoked (RFC 5280 CRLReason), as the holder or an operator says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 5] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key_compromise",
            RevocationReason::AffiliationChanged => "affiliation_changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation_of_operation",
        }
    }

    pub fn crl_reason(self) -> x509_cert::ext::pkix::CrlReason {
        use x509_cert::ext::pkix::CrlReason;
        match self {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
        }
    }
}

impl FromStr for RevocationReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RevocationReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown revocation reason {s:?}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocation {
    pub at: DateTime<Utc>,
    pub reason: RevocationReason,
}

/// What the registry knows of a serial: issued and valid, or revoked. A serial the
/// registry does not hold was never issued here (OCSP answers `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertState {
    Good,
    Revoked(Revocation),
}

/// A certificate and the key that signs with it.
#[derive(Clone)]
pub struct Authority {
    pub certificate: Certificate,
    key: HeldKey,
}

impl Authority {
    pub fn new(certificate: Certificate, key: HeldKey) -> Self {
        Authority { certificate, key }
    }

    pub(crate) fn key(&self) -> &HeldKey {
        &self.key
    }

    pub fn certificate_pem(&self) -> Result<String, PkiError> {
        Ok(self.certificate.to_pem(der::pem::LineEnding::LF)?)
    }
}

#[derive(Clone)]
pub struct CaHierarchy {
    pub root: Authority,
    pub lcp: Authority,
    pub qcp: Authority,
    pub seal: Authority,
    pub onetime: Authority,
    /// The time-stamping unit, certified by the root.
    pub tsa: Authority,
    /// Where this instance publishes CRLs and answers OCSP, e.g. `https://paraphe.example`.
    base_url: String,
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on.
pub(crate) fn rfc5280_time(time: std::time::SystemTime) -> Result<x509_cert::time::Time, PkiError> {
    use x509_cert::time::Time;
    Ok(match der::asn1::UtcTime::from_system_time(time) {
        Ok(utc) => Time::UtcTime(utc),
        Err(_) => Time::GeneralTime(der::asn1::GeneralizedTime::from_system_time(time)?),
    })
}

fn validity_from_now(duration: Duration) -> Result<Validity, PkiError> {
    let now = std::time::SystemTime::now();
    Ok(Validity {
        not_before: rfc5280_time(now)?,
        not_after: rfc5280_time(now + duration)?,
    })
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

/// A fresh RSA-2048 key in memory (about 0.1 s of a core: keep it off the async runtime).
pub fn generate_key() -> Result<MemoryKey, PkiError> {
    Ok(MemoryKey::generate()?)
}

fn ca_name(common_name: &str) -> Result<Name, PkiError> {
    Name::from_str(&format!("CN={common_name},O=Paraphe,C=FR"))
        .map_err(|e| PkiError::Name(e.to_string()))
}

impl CaHierarchy {
    /// Creates a new hierarchy: fresh keys in memory, a self-signed root, four issuing CAs.
    pub fn generate(base_url: &str) -> Result<Self, PkiError> {
        Self::generate_with(base_url, |_| Ok(HeldKey::Memory(generate_key()?)))
    }

    /// The same, each authority's key made by `make_key` (given the authority's name:
    /// `root`, `lcp`, `qcp`, `seal`, `onetime`, `tsa`), e.g. on a PKCS#11 token.
    pub fn generate_with(
        base_url: &str,
        mut make_key: impl FnMut(&str) -> Result<HeldKey, PkiError>,
    ) -> Result<Self, PkiError> {
        let root_key = make_key("root")?;
        let root_name = ca_name("Paraphe Root CA")?;
        let builder = CertificateBuilder::new(
            Profile::Root,
            random_serial()?,
            validity_from_now(CA_VALIDITY)?,
            root_name,
            spki_of(root_key.public())?,
            &root_key,
        )?;
        let root = Authority {
            certificate: builder.build::<rsa::pkcs1v15::Signature>()?,
            key: root_key.clone(),
        };
        let base_url = base_url.trim_end_matches('/').to_owned();
        let mut issuing = |ca: Ca| -> Result<Authority, PkiError> {
            issue_subordinate(&root, &base_url, ca, make_key(ca.as_str())?)
        };
        let (lcp, qcp, seal, onetime) = (
            issuing(Ca::Lcp)?,
            issuing(Ca::Qcp)?,
            issuing(Ca::Seal)?,
            issuing(Ca::OneTime)?,
        );
        let tsa_key = make_key("tsa")?;
        let mut builder = leaf_builder(
            &root,
            TSA_VALIDITY,
            ca_name("Paraphe Time-Stamping Unit")?,
            tsa_key.public(),
        )?;
        builder.add_extension(&CriticalExtendedKeyUsage(vec![OID_KP_TIME_STAMPING]))?;
        add_revocation_pointers(&mut builder, &base_url, Ca::Root)?;
        let tsa = Authority {
            certificate: builder.build::<rsa::pkcs1v15::Signature>()?,
            key: tsa_key,
        };
        Ok(CaHierarchy {
            root,
            lcp,
            qcp,
            seal,
            onetime,
            tsa,
            base_url,
        })
    }

    /// Reassembles a hierarchy from stored certificates and keys.
    pub fn from_parts(authorities: StoredAuthorities, base_url: &str) -> Self {
        let StoredAuthorities {
            root,
            lcp,
            qcp,
            seal,
            onetime,
            tsa,
        } = authorities;
        CaHierarchy {
            root,
            lcp,
            qcp,
            seal,
            onetime,
            tsa,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn authority(&self, ca: Ca) -> &Authority {
        match ca {
            Ca::Root => &self.root,
            Ca::Lcp => &self.lcp,
            Ca::Qcp => &self.qcp,
            Ca::Seal => &self.seal,
            Ca::OneTime => &self.onetime,
        }
    }

    /// The certificates above an end entity of this level: its issuing CA, then the root.
    pub fn chain_above(&self, level: Level) -> Vec<Certificate> {
        vec![
            self.issuer(level).certificate.clone(),
            self.root.certificate.clone(),
        ]
    }

    /// The certificates above `certificate`, found by its issuer's name: what a stored
    /// certificate needs whatever CA issued it (one-time certificates made before the
    /// one-time CA existed came from the LCP CA). `None` if none of our CAs issued it.
    pub fn chain_above_certificate(&self, certificate: &Certificate) -> Option<Vec<Certificate>> {
        let ca = self.issuer_of(certificate)?;
        let mut chain = vec![self.authority(ca).certificate.clone()];
        if ca != Ca::Root {
            chain.push(self.root.certificate.clone());
        }
        Some(chain)
    }

    /// Which of our CAs issued `certificate`, if any.
    pub fn issuer_of(&self, certificate: &Certificate) -> Option<Ca> {
        Ca::ALL.into_iter().find(|ca| {
            self.authority(*ca).certificate.tbs_certificate.subject
                == certificate.tbs_certificate.issuer
        })
    }

    pub fn issuer(&self, level: Level) -> &Authority {
        self.authority(level.ca())
    }

    /// The trust anchors, PEM, for outside validators.
    pub fn roots_pem(&self) -> Result<String, PkiError> {
        self.root.certificate_pem()
    }

    pub fn issue_for_person(
        &self,
        level: Level,
        person: &PersonIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        self.issue(level, person.subject()?, key)
    }

    pub fn issue_for_cabinet(
        &self,
        cabinet: &CabinetIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        self.issue(Level::Seal, cabinet.subject()?, key)
    }

    fn issue(
        &self,
        level: Level,
        subject: Name,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        let mut builder = leaf_builder(self.issuer(level), END_ENTITY_VALIDITY, subject, key)?;
        builder.add_extension(&CertificatePolicies(vec![PolicyInformation {
            policy_identifier: level.policy_oid(),
            policy_qualifiers: None,
        }]))?;
        add_revocation_pointers(&mut builder, &self.base_url, level.ca())?;
        Ok(builder.build::<rsa::pkcs1v15::Signature>()?)
    }

    /// A delegated OCSP responder of `ca` (RFC 6960 §4.2.2.2), as public CAs run them: a
    /// fresh key in memory and a short-lived certificate from `ca` with extendedKeyUsage
    /// OCSPSigning and id-pkix-ocsp-nocheck. Answers signed by it, rather than by the CA's
    /// own key, are what poppler (pdfsig, Evince, Okular) checks without complaint when a
    /// document carries several signatures.
    pub fn issue_ocsp_responder(&self, ca: Ca) -> Result<Authority, PkiError> {
        let key = HeldKey::Memory(generate_key()?);
        let name = ca_name(&format!(
            "Paraphe {} OCSP Responder",
            ca.as_str().to_ascii_uppercase()
        ))?;
        let mut builder = leaf_builder(
            self.authority(ca),
            OCSP_RESPONDER_VALIDITY,
            name,
            key.public(),
        )?;
        builder.add_extension(&CriticalExtendedKeyUsage(vec![OID_KP_OCSP_SIGNING]))?;
        builder.add_extension(&OcspNoCheck)?;
        Ok(Authority {
            certificate: builder.build::<rsa::pkcs1v15::Signature>()?,
            key,
        })
    }
}

/// The names of the stored authorities, as rows of `pki_authorities`.
pub struct StoredAuthorities {
    pub root: Authority,
    pub lcp: Authority,
    pub qcp: Authority,
    pub seal: Authority,
    pub onetime: Authority,
    pub tsa: Authority,
}

/// An issuing CA `ca` certified by the root, with `key`.
pub(crate) fn issue_subordinate(
    root: &Authority,
    base_url: &str,
    ca: Ca,
    key: HeldKey,
) -> Result<Authority, PkiError> {
    let label = match ca {
        Ca::Root => "Root",
        Ca::Lcp => "LCP",
        Ca::Qcp => "QCP",
        Ca::Seal => "Seal",
        Ca::OneTime => "One-Time Signer",
    };
    let mut builder = CertificateBuilder::new(
        Profile::SubCA {
            issuer: root.certificate.tbs_certificate.subject.clone(),
            path_len_constraint: Some(0),
        },
        random_serial()?,
        validity_from_now(CA_VALIDITY)?,
        ca_name(&format!("Paraphe {label} CA"))?,
        spki_of(key.public())?,
        &root.key,
    )?;
    add_revocation_pointers(&mut builder, base_url, Ca::Root)?;
    Ok(Authority {
        certificate: builder.build::<rsa::pkcs1v15::Signature>()?,
        key,
    })
}

/// An end-entity certificate from `issuer` for `key`, valid `validity` from now, with a
/// fresh serial: what every leaf (people, seals, OCSP responders) starts from.
fn leaf_builder<'a>(
    issuer: &'a Authority,
    validity: Duration,
    subject: Name,
    key: &RsaPublicKey,
) -> Result<CertificateBuilder<'a, HeldKey>, PkiError> {
    Ok(CertificateBuilder::new(
        Profile::Leaf {
            issuer: issuer.certificate.tbs_certificate.subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        random_serial()?,
        validity_from_now(validity)?,
        subject,
        spki_of(key)?,
        &issuer.key,
    )?)
}

/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): relying parties need not ask about the
/// responder's own certificate.
struct OcspNoCheck;

impl const_oid::AssociatedOid for OcspNoCheck {
    const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");
}

impl der::Encode for OcspNoCheck {
    fn encoded_len(&self) -> der::Result<der::Length> {
        der::asn1::Null.encoded_len()
    }
    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        der::asn1::Null.encode(writer)
    }
}

impl x509_cert::ext::AsExtension for OcspNoCheck {
    fn critical(&self, _subject: &Name, _extensions: &[x509_cert::ext::Extension]) -> bool {
        false
    }
}

/// CRL distribution point and OCSP responder (AIA) of this instance, for a certificate
/// issued by `issuer`.
fn add_revocation_pointers(
    builder: &mut CertificateBuilder<'_, HeldKey>,
    base_url: &str,
    issuer: Ca,
) -> Result<(), PkiError> {
    let uri = |path: String| -> Result<GeneralName, PkiError> {
        Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(
            &format!("{base_url}{path}"),
        )?))
    };
    builder.add_extension(&CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![uri(format!(
            "/pki/{}.crl",
            issuer.as_str()
        ))?])),
        reasons: None,
        crl_issuer: None,
    }]))?;
    builder.add_extension(&AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: OID_AD_OCSP,
        access_location: uri("/pki/ocsp".into())?,
    }]))?;
    Ok(())
}

/// extendedKeyUsage marked critical, as RFC 3161 §2.3 requires of a TSA certificate
/// (x509-cert marks its own `ExtendedKeyUsage` non-critical).
struct CriticalExtendedKeyUsage(Vec<ObjectIdentifier>);

impl const_oid::AssociatedOid for CriticalExtendedKeyUsage {
    const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
}

impl der::Encode for CriticalExtendedKeyUsage {
    fn encoded_len(&self) -> der::Result<der::Length> {
        self.0.encoded_len()
    }
    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        self.0.encode(writer)
    }
}

impl x509_cert::ext::AsExtension for CriticalExtendedKeyUsage {
    fn critical(&self, _subject: &Name, _extensions: &[x509_cert::ext::Extension]) -> bool {
        true
    }
}

/// DER of a certificate.
pub fn certificate_der(certificate: &Certificate) -> Result<Vec<u8>, PkiError> {
    Ok(certificate.to_der()?)
}

/// The instance's PKI at run time: the hierarchy and the registry of what it issued.
/// Every issuance goes through here so OCSP and CRLs know every certificate.
pub struct Pki {
    pub hierarchy: CaHierarchy,
    pub registry: Registry,
    /// Time-stamps come from there when set, from the instance's own unit otherwise.
    remote_tsa: Option<remote_tsa::RemoteTsa>,
    /// Each CA's current delegated OCSP responder, made on first need and replaced before
    /// it expires. Kept in memory only: each replica has its own, all certified by the CA.
    responders: std::sync::Mutex<std::collections::HashMap<Ca, Authority>>,
}

impl Pki {
    pub fn new(hierarchy: CaHierarchy, registry: Registry) -> Self {
        Pki {
            hierarchy,
            registry,
            remote_tsa: None,
            responders: Default::default(),
        }
    }

    /// The delegated responder that signs `ca`'s OCSP answers now. Making one (an RSA key,
    /// a certificate) takes a fraction of a second of this thread, once a week per CA.
    pub fn ocsp_responder(&self, ca: Ca) -> Result<Authority, PkiError> {
        let mut responders = self
            .responders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let renew_after = std::time::SystemTime::now() + OCSP_RESPONDER_RENEWAL;
        if let Some(current) = responders.get(&ca) {
            if current
                .certificate
                .tbs_certificate
                .validity
                .not_after
                .to_system_time()
                > renew_after
            {
                return Ok(current.clone());
            }
        }
        let fresh = self.hierarchy.issue_ocsp_responder(ca)?;
        responders.insert(ca, fresh.clone());
        Ok(fresh)
    }

    pub fn with_remote_tsa(mut self, tsa: remote_tsa::RemoteTsa) -> Self {
        self.remote_tsa = Some(tsa);
        self
    }

    /// Whether time-stamps come from an outside authority, across the network.
    pub fn time_stamps_remotely(&self) -> bool {
        self.remote_tsa.is_some()
    }

    /// What this instance validates signatures against: its root, and the roots of the
    /// outside time-stamping authority it uses, if any.
    pub fn trust_anchors(&self) -> Vec<Certificate> {
        let mut anchors = vec![self.hierarchy.root.certificate.clone()];
        if let Some(tsa) = &self.remote_tsa {
            anchors.extend(tsa.anchors().iter().cloned());
        }
        anchors
    }

    /// The instance's PKI from the database, created on first start.
    pub async fn load_or_create(
        db: &sqlx::PgPool,
        kek: &crate::keys::KeyEncryptionKey,
        base_url: &str,
    ) -> Result<Self, PkiError> {
        Self::load_or_create_on(db, kek, base_url, None).await
    }

    /// The same, with the CA keys on a PKCS#11 `token`: made there on the first start (they
    /// never leave it), found there by label afterwards.
    pub async fn load_or_create_on(
        db: &sqlx::PgPool,
        kek: &crate::keys::KeyEncryptionKey,
        base_url: &str,
        token: Option<std::sync::Arc<crate::keys::pkcs11::Token>>,
    ) -> Result<Self, PkiError> {
        let generate =
            || CaHierarchy::generate_with(base_url, |name| store::make_key(token.as_ref(), name));
        let hierarchy = store::load_or_create(db, kek, base_url, token.as_ref(), generate).await?;
        Ok(Pki::new(hierarchy, Registry::Database(db.clone())))
    }

    pub async fn issue_for_person(
        &self,
        level: Level,
        person: &PersonIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        let certificate = self.hierarchy.issue_for_person(level, person, key)?;
        self.registry.record(level.ca(), &certificate).await?;
        Ok(certificate)
    }

    /// [`Pki::issue_for_person`] recorded in the caller's transaction.
    pub async fn issue_for_person_in(
        &self,
        conn: &mut sqlx::PgConnection,
        level: Level,
        person: &PersonIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        let certificate = self.hierarchy.issue_for_person(level, person, key)?;
        self.registry
            .record_in(conn, level.ca(), &certificate)
            .await?;
        Ok(certificate)
    }

    pub async fn issue_for_cabinet(
        &self,
        cabinet: &CabinetIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        let certificate = self.hierarchy.issue_for_cabinet(cabinet, key)?;
        self.registry.record(Ca::Seal, &certificate).await?;
        Ok(certificate)
    }

    /// Revokes a certificate this instance issued; OCSP and the CRL say so at once.
    pub async fn revoke(
        &self,
        certificate: &Certificate,
        reason: RevocationReason,
    ) -> Result<Revocation, PkiError> {
        let issuer = self
            .issuer_of(certificate)
            .ok_or(PkiError::UnknownCertificate)?;
        self.registry
            .revoke(issuer, &certificate.tbs_certificate.serial_number, reason)
            .await
    }

    /// What a DER OCSP request asks and what the registry says of it; an OCSP error
    /// response when there is nothing to sign.
    pub async fn ocsp_lookup(
        &self,
        request_der: &[u8],
    ) -> Result<(ocsp::Query, std::collections::HashMap<Vec<u8>, CertState>), Vec<u8>> {
        let query = ocsp::parse(&self.hierarchy, request_der)?;
        match self
            .registry
            .states(query.issuer, &query.serials(&self.hierarchy))
            .await
        {
            Ok(states) => Ok((query, states)),
            Err(error) => {
                tracing::error!(%error, "OCSP lookup failed");
                Err(ocsp::try_later())
            }
        }
    }

    /// The signed answer to a looked-up OCSP query (an RSA signature: a millisecond or two
    /// of a core, so callers serving the network run it off the async threads).
    pub fn ocsp_answer(
        &self,
        query: &ocsp::Query,
        states: &std::collections::HashMap<Vec<u8>, CertState>,
    ) -> Vec<u8> {
        match self.ocsp_responder(query.issuer) {
            Ok(responder) => ocsp::answer(&self.hierarchy, &responder, query, states),
            Err(error) => {
                tracing::error!(%error, "no OCSP responder certificate");
                ocsp::try_later()
            }
        }
    }

    /// The current DER CRL of a CA.
    pub async fn crl(&self, ca: Ca) -> Result<Vec<u8>, PkiError> {
        let revoked = self.registry.revoked(ca).await?;
        crl::build(self.hierarchy.authority(ca), &revoked)
    }

    /// Which of our CAs issued `certificate`, if any.
    pub fn issuer_of(&self, certificate: &Certificate) -> Option<Ca> {
        self.hierarchy.issuer_of(certificate)
    }

    /// Everything a validator needs offline for these chains: the certificates, and a fresh
    /// OCSP response for each certificate below the root (PAdES B-LT's DSS).
    pub async fn validation_data(
        &self,
        chains: &[&[Certificate]],
    ) -> Result<crate::signing::ValidationData, PkiError> {
        let mut data = crate::signing::ValidationData::default();
        let root = &self.hierarchy.root.certificate;
        for certificate in chains.iter().flat_map(|chain| chain.iter()) {
            let der = certificate.to_der()?;
            if data.certificates.contains(&der) {
                continue;
            }
            data.certificates.push(der);
            if certificate == root {
                continue;
            }
            let Some(issuer) = self.issuer_of(certificate) else {
                continue;
            };
            let serial = &certificate.tbs_certificate.serial_number;
            let Some(id) = ocsp::cert_id(&self.hierarchy, issuer, serial) else {
                continue;
            };
            let states = self
                .registry
                .states(issuer, std::slice::from_ref(serial))
                .await?;
            let responder = self.ocsp_responder(issuer)?;
            data.ocsp_responses.push(ocsp::sign_answer(
                &self.hierarchy,
                &responder,
                issuer,
                &[id],
                None,
                &states,
            ));
            // The responder's certificate travels in each answer; in the DSS too, for
            // validators that look for certificates there only.
            let responder_der = responder.certificate.to_der()?;
            if !data.certificates.contains(&responder_der) {
                data.certificates.push(responder_der);
            }
        }
        Ok(data)
    }

    /// Fills `revoked` in a validation report for certificates this instance issued:
    /// revoked at or before the time-stamped signing time. Without a time-stamp the
    /// claimed time proves nothing, so any revocation counts.
    /// It also says, from the policy a certificate of ours was issued under, what kind of
    /// certificate signed: one-time certificates vouch for no verified name.
    pub async fn check_revocation(
        &self,
        report: &mut crate::signing::ValidationReport,
    ) -> Result<(), PkiError> {
        for signature in &mut report.signatures {
            let Some(certificate) = &signature.signer_certificate else {
                continue;
            };
            signature.certificate_kind = signature
                .certificate_policies
                .iter()
                .filter_map(|oid| ObjectIdentifier::new(oid).ok())
                .find_map(|oid| Level::from_policy_oid(&oid))
                .map(|level| level.description_fr().to_owned());
            let Some(issuer) = self.issuer_of(certificate) else {
                continue;
            };
            let serial = &certificate.tbs_certificate.serial_number;
            let states = self
                .registry
                .states(issuer, std::slice::from_ref(serial))
                .await?;
            signature.revoked = match states.get(serial.as_bytes()) {
                None => {
                    signature
                        .problems
                        .push("certificate unknown to this instance's registry".into());
                    Some(true)
                }
                Some(CertState::Good) => Some(false),
                Some(CertState::Revoked(revocation)) => {
                    let revoked_before = signature
                        .time_stamp
                        .is_none_or(|stamped| revocation.at <= stamped);
                    if revoked_before {
                        signature.problems.push(format!(
                            "certificate revoked on {} ({})",
                            revocation.at,
                            revocation.reason.as_str()
                        ));
                    }
                    Some(revoked_before)
                }
            };
        }
        Ok(())
    }

    /// The time-stamping unit's chain (TSA, root): its tokens need validation data too.
    /// For an outside authority, the certificates its latest token carried.
    pub fn tsa_chain(&self) -> Vec<Certificate> {
        match &self.remote_tsa {
            Some(tsa) => tsa.certificates(),
            None => vec![
                self.hierarchy.tsa.certificate.clone(),
                self.hierarchy.root.certificate.clone(),
            ],
        }
    }

    /// Answers a DER RFC 3161 request.
    pub fn time_stamp(&self, request_der: &[u8]) -> Vec<u8> {
        tsa::respond(&self.hierarchy, request_der)
    }
}

/// The instance's time-stamps: from the outside authority when one is configured, from its
/// own unit in process otherwise.
/// B-LT and B-LTA: the instance's time-stamping unit's chain and its own revocation data.
#[async_trait::async_trait]
impl paraphe_pades::TrustServices for Pki {
    fn tsa_chain(&self) -> Vec<Certificate> {
        Pki::tsa_chain(self)
    }

    async fn validation_data(
        &self,
        chains: &[&[Certificate]],
    ) -> Result<crate::signing::ValidationData, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Pki::validation_data(self, chains).await?)
    }
}

#[async_trait::async_trait]
impl crate::signing::cms::TimeStamper for Pki {
    async fn stamp(&self, sha256_digest: &[u8]) -> Result<Vec<u8>, String> {
        match &self.remote_tsa {
            Some(tsa) => tsa.stamp(sha256_digest).await,
            None => tsa::stamp_sha256(&self.hierarchy, sha256_digest),
        }
    }
}
