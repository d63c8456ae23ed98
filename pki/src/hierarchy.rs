//! The certificate authorities: a self-signed root, an issuing CA per [`Level`], and a
//! time-stamping unit; and the certificates they issue. Everything here is pure: the keys
//! sign through [`RawSigner`], nothing is stored or recorded (the [`Pki`](crate::Pki)
//! records what it issues).

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{Ia5String, ObjectIdentifier};
use der::{Decode, Encode, EncodePem};
use paraphe_pades::RawSigner;
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

use crate::key::X509Signer;
use crate::{AuthorityKey, AuthorityName, Ca, CabinetIdentity, Level, PersonIdentity, PkiError};

/// End-entity certificates are valid five years, as the certification policy says.
pub const END_ENTITY_VALIDITY: Duration = Duration::from_secs(5 * 365 * 24 * 3600 + 24 * 3600);
const CA_VALIDITY: Duration = Duration::from_secs(20 * 365 * 24 * 3600);
const TSA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

const OID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const OID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const OID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// A delegated OCSP responder's certificate lives a week (and the [`Pki`](crate::Pki)
/// replaces it when less than two days are left): short enough that nobody needs to check
/// its own revocation (id-pkix-ocsp-nocheck), long enough to outlive the answers it signs
/// (one hour).
const OCSP_RESPONDER_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

/// A certificate and the key that signs with it.
#[derive(Clone)]
pub struct Authority<K> {
    pub certificate: Certificate,
    key: K,
}

impl<K> Authority<K> {
    pub fn new(certificate: Certificate, key: K) -> Self {
        Authority { certificate, key }
    }

    /// The key, for a store that keeps it (sealed, or by its label on a token).
    pub fn key(&self) -> &K {
        &self.key
    }

    pub fn certificate_pem(&self) -> Result<String, PkiError> {
        Ok(self.certificate.to_pem(der::pem::LineEnding::LF)?)
    }
}

/// A hierarchy's six authorities, each by its name: what
/// [`CaHierarchy::from_parts`] reassembles.
pub struct StoredAuthorities<K> {
    pub root: Authority<K>,
    pub lcp: Authority<K>,
    pub qcp: Authority<K>,
    pub seal: Authority<K>,
    pub onetime: Authority<K>,
    pub tsa: Authority<K>,
}

/// A root, the issuing CAs `lcp`, `qcp`, `seal` and `onetime` it certified, and a
/// time-stamping unit (`tsa`, critical extendedKeyUsage timeStamping), each with its key.
/// Issuing CAs and the time-stamping unit point at the root's CRL and at the OCSP
/// responder under the instance's public URL; so do the certificates they issue, at
/// their issuer's CRL.
#[derive(Clone)]
pub struct CaHierarchy<K> {
    pub root: Authority<K>,
    pub lcp: Authority<K>,
    pub qcp: Authority<K>,
    pub seal: Authority<K>,
    pub onetime: Authority<K>,
    /// The time-stamping unit, certified by the root.
    pub tsa: Authority<K>,
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

fn ca_name(common_name: &str) -> Result<Name, PkiError> {
    Ok(Name::from_str(&format!("CN={common_name},O=Paraphe,C=FR"))?)
}

impl<K: AuthorityKey> CaHierarchy<K> {
    /// Creates a new hierarchy: fresh keys in memory ([`AuthorityKey::generate`]), a
    /// self-signed root, four issuing CAs and a time-stamping unit. Six RSA keys: seconds
    /// of a core, off the asynchronous threads.
    pub fn generate(base_url: &str) -> Result<Self, PkiError> {
        Self::generate_with(base_url, |_| Ok(K::generate()?))
    }

    /// The same, each authority's key made by `make_key` (given the authority's name, in
    /// the order of [`AuthorityName::ALL`]), e.g. on a PKCS#11 token.
    pub fn generate_with(
        base_url: &str,
        mut make_key: impl FnMut(AuthorityName) -> Result<K, PkiError>,
    ) -> Result<Self, PkiError> {
        let root_key = make_key(AuthorityName::Ca(Ca::Root))?;
        let root_name = ca_name("Paraphe Root CA")?;
        let root_signer = X509Signer::new(&root_key)?;
        let builder = CertificateBuilder::new(
            Profile::Root,
            random_serial()?,
            validity_from_now(CA_VALIDITY)?,
            root_name,
            spki_of(&root_key.public_key()?)?,
            &root_signer,
        )?;
        let root = Authority {
            certificate: builder.build::<rsa::pkcs1v15::Signature>()?,
            key: root_key.clone(),
        };
        let base_url = base_url.trim_end_matches('/').to_owned();
        let mut issuing = |ca: Ca| -> Result<Authority<K>, PkiError> {
            issue_subordinate(&root, &base_url, ca, make_key(AuthorityName::Ca(ca))?)
        };
        let (lcp, qcp, seal, onetime) = (
            issuing(Ca::Lcp)?,
            issuing(Ca::Qcp)?,
            issuing(Ca::Seal)?,
            issuing(Ca::OneTime)?,
        );
        let tsa_key = make_key(AuthorityName::Tsa)?;
        let root_signer = X509Signer::new(&root.key)?;
        let mut builder = leaf_builder(
            &root_signer,
            &root.certificate,
            TSA_VALIDITY,
            ca_name("Paraphe Time-Stamping Unit")?,
            &tsa_key.public_key()?,
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

    /// A delegated OCSP responder of `ca` (RFC 6960 §4.2.2.2), as public CAs run them: a
    /// fresh key in memory and a short-lived certificate from `ca` with extendedKeyUsage
    /// OCSPSigning and id-pkix-ocsp-nocheck. Answers signed by it, rather than by the CA's
    /// own key, are what poppler (pdfsig, Evince, Okular) checks without complaint when a
    /// document carries several signatures.
    pub fn issue_ocsp_responder(&self, ca: Ca) -> Result<Authority<K>, PkiError> {
        let key = K::generate()?;
        let name = ca_name(&format!(
            "Paraphe {} OCSP Responder",
            ca.as_str().to_ascii_uppercase()
        ))?;
        let issuer = self.authority(ca);
        let signer = X509Signer::new(&issuer.key)?;
        let mut builder = leaf_builder(
            &signer,
            &issuer.certificate,
            OCSP_RESPONDER_VALIDITY,
            name,
            &key.public_key()?,
        )?;
        builder.add_extension(&CriticalExtendedKeyUsage(vec![OID_KP_OCSP_SIGNING]))?;
        builder.add_extension(&OcspNoCheck)?;
        Ok(Authority {
            certificate: builder.build::<rsa::pkcs1v15::Signature>()?,
            key,
        })
    }
}

impl<K> CaHierarchy<K> {
    /// Reassembles a hierarchy from stored certificates and keys.
    pub fn from_parts(authorities: StoredAuthorities<K>, base_url: &str) -> Self {
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

    /// Where CRLs and OCSP are published, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn authority(&self, ca: Ca) -> &Authority<K> {
        match ca {
            Ca::Root => &self.root,
            Ca::Lcp => &self.lcp,
            Ca::Qcp => &self.qcp,
            Ca::Seal => &self.seal,
            Ca::OneTime => &self.onetime,
        }
    }

    /// A CA, or the time-stamping unit, by its name.
    pub fn by_name(&self, name: AuthorityName) -> &Authority<K> {
        match name {
            AuthorityName::Ca(ca) => self.authority(ca),
            AuthorityName::Tsa => &self.tsa,
        }
    }

    /// The six authorities by name, in the order of [`AuthorityName::ALL`].
    pub fn authorities(&self) -> [(AuthorityName, &Authority<K>); 6] {
        AuthorityName::ALL.map(|name| (name, self.by_name(name)))
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

    pub fn issuer(&self, level: Level) -> &Authority<K> {
        self.authority(level.ca())
    }

    /// The trust anchors, PEM, for outside validators.
    pub fn roots_pem(&self) -> Result<String, PkiError> {
        self.root.certificate_pem()
    }
}

impl<K: RawSigner> CaHierarchy<K> {
    /// An RSA-2048, SHA-256 certificate of `level` for a natural person, valid
    /// [`END_ENTITY_VALIDITY`]: critical keyUsage nonRepudiation and digitalSignature, the
    /// level's policy, a CRL distribution point and an OCSP pointer. Not recorded: the
    /// [`Pki`](crate::Pki) records what it issues.
    pub fn issue_for_person(
        &self,
        level: Level,
        person: &PersonIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        self.issue(level, person.subject()?, key)
    }

    /// The same for a legal person's seal, from the seal CA.
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
        let issuer = self.issuer(level);
        let signer = X509Signer::new(&issuer.key)?;
        let mut builder = leaf_builder(
            &signer,
            &issuer.certificate,
            END_ENTITY_VALIDITY,
            subject,
            key,
        )?;
        builder.add_extension(&CertificatePolicies(vec![PolicyInformation {
            policy_identifier: level.policy_oid(),
            policy_qualifiers: None,
        }]))?;
        add_revocation_pointers(&mut builder, &self.base_url, level.ca())?;
        Ok(builder.build::<rsa::pkcs1v15::Signature>()?)
    }
}

/// An issuing CA `ca` certified by the root, with `key`.
pub(crate) fn issue_subordinate<K: RawSigner>(
    root: &Authority<K>,
    base_url: &str,
    ca: Ca,
    key: K,
) -> Result<Authority<K>, PkiError> {
    let root_signer = X509Signer::new(&root.key)?;
    let mut builder = CertificateBuilder::new(
        Profile::SubCA {
            issuer: root.certificate.tbs_certificate.subject.clone(),
            path_len_constraint: Some(0),
        },
        random_serial()?,
        validity_from_now(CA_VALIDITY)?,
        ca_name(&format!("Paraphe {} CA", ca.label()))?,
        spki_of(&key.public_key()?)?,
        &root_signer,
    )?;
    add_revocation_pointers(&mut builder, base_url, Ca::Root)?;
    Ok(Authority {
        certificate: builder.build::<rsa::pkcs1v15::Signature>()?,
        key,
    })
}

/// An end-entity certificate from the issuer (its `signer` and `issuer` certificate) for
/// `key`, valid `validity` from now, with a fresh serial: what every leaf (people, seals,
/// OCSP responders, the time-stamping unit) starts from.
fn leaf_builder<'s, K: RawSigner + ?Sized>(
    signer: &'s X509Signer<'s, K>,
    issuer: &Certificate,
    validity: Duration,
    subject: Name,
    key: &RsaPublicKey,
) -> Result<CertificateBuilder<'s, X509Signer<'s, K>>, PkiError> {
    Ok(CertificateBuilder::new(
        Profile::Leaf {
            issuer: issuer.tbs_certificate.subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        random_serial()?,
        validity_from_now(validity)?,
        subject,
        spki_of(key)?,
        signer,
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
fn add_revocation_pointers<K: RawSigner + ?Sized>(
    builder: &mut CertificateBuilder<'_, X509Signer<'_, K>>,
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
