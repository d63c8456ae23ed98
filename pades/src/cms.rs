//! The CMS SignedData that goes into a PAdES signature's `/Contents`: detached, one
//! SignerInfo, signed attributes content-type, message-digest and signing-certificate-v2
//! (no signing-time: PAdES takes the time from `/M` or a time-stamp), the signer's chain.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use super::oids::{
    ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SHA256, ID_SIGNATURE_TIME_STAMP_TOKEN,
    ID_SIGNED_DATA, ID_SIGNING_CERTIFICATE_V2, SHA256_WITH_RSA,
};
use crate::key::RawSigner;

/// RFC 5035 `IssuerSerial`.
#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// RFC 5035 `ESSCertIDv2` with the default hash algorithm (SHA-256), so it is omitted.
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

/// RFC 5035 `SigningCertificateV2` (no policies).
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn attribute(oid: ObjectIdentifier, value: Any) -> der::Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    }
}

/// Asks a time-stamping authority to stamp a SHA-256 digest; answers the DER
/// `TimeStampToken` (a ContentInfo). The instance's own unit answers in process; an outside
/// one over HTTP, hence async.
#[async_trait::async_trait]
pub trait TimeStamper: Send + Sync {
    async fn stamp(&self, sha256_digest: &[u8]) -> Result<Vec<u8>, String>;
}

#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    #[error("encoding: {0}")]
    Der(#[from] der::Error),
    #[error("time-stamp: {0}")]
    TimeStamp(String),
    #[error("signing key: {0}")]
    Key(String),
}

/// The DER ContentInfo of a detached CAdES signature over content whose SHA-256 is
/// `content_digest` (PAdES B-B). `chain` is the signer's certificate first, then its issuers.
pub fn detached(
    content_digest: &[u8],
    key: &dyn RawSigner,
    chain: &[Certificate],
) -> Result<Vec<u8>, CmsError> {
    Signature::make(ID_DATA, None, content_digest, key, chain)?.into_der(None)
}

/// The same, with the signature value's SHA-256 time-stamped by `stamper` as an unsigned
/// attribute (CAdES-T, hence PAdES B-T).
pub async fn detached_time_stamped(
    content_digest: &[u8],
    key: &dyn RawSigner,
    chain: &[Certificate],
    stamper: &dyn TimeStamper,
) -> Result<Vec<u8>, CmsError> {
    Signature::make(ID_DATA, None, content_digest, key, chain)?
        .time_stamped(stamper)
        .await
}

/// A SignedData that carries its content (e.g. a time-stamp token's TSTInfo).
pub fn encapsulating(
    content_type: ObjectIdentifier,
    content: &[u8],
    key: &dyn RawSigner,
    chain: &[Certificate],
) -> Result<Vec<u8>, CmsError> {
    let digest = Sha256::digest(content);
    Signature::make(content_type, Some(content), &digest, key, chain)?.into_der(None)
}

/// A signature made (signed attributes and their RSA signature) and not yet wrapped in
/// its SignedData, so that a time-stamp over its value can still be added: the private-key
/// work is done here, the time-stamping authority may be reached over the network after.
pub struct Signature {
    content_type: ObjectIdentifier,
    encapsulated: Option<Vec<u8>>,
    chain: Vec<Certificate>,
    signed_attributes: SetOfVec<Attribute>,
    value: Vec<u8>,
}

impl Signature {
    pub fn make(
        content_type: ObjectIdentifier,
        encapsulated: Option<&[u8]>,
        content_digest: &[u8],
        key: &dyn RawSigner,
        chain: &[Certificate],
    ) -> Result<Self, CmsError> {
        let signer_cert = chain
            .first()
            .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?;
        let tbs = &signer_cert.tbs_certificate;

        let signing_certificate = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(Sha256::digest(signer_cert.to_der()?).to_vec())?,
                issuer_serial: IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                    serial_number: tbs.serial_number.clone(),
                },
            }],
        };
        let signed_attributes: SetOfVec<Attribute> = SetOfVec::try_from(vec![
            attribute(ID_CONTENT_TYPE, Any::encode_from(&content_type)?)?,
            attribute(
                ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(content_digest.to_vec())?)?,
            )?,
            attribute(
                ID_SIGNING_CERTIFICATE_V2,
                Any::encode_from(&signing_certificate)?,
            )?,
        ])?;
        // The signature covers the DER of the attributes as a SET (RFC 5652 §5.4).
        let to_sign = signed_attributes.to_der()?;
        let value = key
            .sign_sha256(&to_sign)
            .map_err(|e| CmsError::Key(e.to_string()))?;
        Ok(Signature {
            content_type,
            encapsulated: encapsulated.map(<[u8]>::to_vec),
            chain: chain.to_vec(),
            signed_attributes,
            value,
        })
    }

    /// The RSA signature value, which a signature time-stamp covers.
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// Asks `stamper` for a time-stamp over the signature value and wraps both.
    pub async fn time_stamped(self, stamper: &dyn TimeStamper) -> Result<Vec<u8>, CmsError> {
        let token = stamper
            .stamp(&Sha256::digest(&self.value))
            .await
            .map_err(CmsError::TimeStamp)?;
        self.into_der(Some(&token))
    }

    /// The DER ContentInfo, with `time_stamp_token` as the unsigned
    /// signature-time-stamp attribute when given.
    pub fn into_der(self, time_stamp_token: Option<&[u8]>) -> Result<Vec<u8>, CmsError> {
        let Signature {
            content_type,
            encapsulated,
            chain,
            signed_attributes,
            value,
        } = self;
        let tbs = &chain
            .first()
            .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?
            .tbs_certificate;
        let unsigned_attrs = match time_stamp_token {
            None => None,
            Some(token) => {
                let mut attributes = SetOfVec::new();
                attributes.insert(attribute(
                    ID_SIGNATURE_TIME_STAMP_TOKEN,
                    Any::from_der(token)?,
                )?)?;
                Some(attributes)
            }
        };

        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: sha256_algorithm(),
            signed_attrs: Some(signed_attributes),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA,
                parameters: Some(Any::null()),
            },
            signature: OctetString::new(value)?,
            unsigned_attrs,
        };
        let mut certificates = SetOfVec::new();
        for certificate in chain.iter() {
            certificates.insert(CertificateChoices::Certificate(certificate.clone()))?;
        }
        let mut digest_algorithms = SetOfVec::new();
        digest_algorithms.insert(sha256_algorithm())?;
        let mut signer_infos = SetOfVec::new();
        signer_infos.insert(signer_info)?;
        let signed_data = SignedData {
            // RFC 5652 §5.1: version 3 when the content is not id-data.
            version: if content_type == ID_DATA {
                CmsVersion::V1
            } else {
                CmsVersion::V3
            },
            digest_algorithms,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: content_type,
                econtent: encapsulated
                    .map(|content| Any::new(der::Tag::OctetString, content))
                    .transpose()?,
            },
            certificates: Some(CertificateSet(certificates)),
            crls: None,
            signer_infos: cms::signed_data::SignerInfos(signer_infos),
        };
        Ok(ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&signed_data)?,
        }
        .to_der()?)
    }
}
