//! RFC 5280 CRLs, one per CA, built on request from the registry so a revocation shows
//! at once. Valid a day: relying parties refetch after `nextUpdate`.

use std::time::{Duration, SystemTime};

use der::asn1::{BitString, Uint};
use der::referenced::OwnedToRef;
use der::Encode;
use paraphe_pades::oids::SHA256_WITH_RSA;
use paraphe_pades::RawSigner;
use spki::AlgorithmIdentifierOwned;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::{AsExtension, Extension};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Version;

use crate::hierarchy::rfc5280_time;
use crate::{Authority, PkiError, Revocation};

const CRL_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The DER CRL of `issuer` listing `revoked` (serial bytes and revocation).
pub fn build<K: RawSigner>(
    issuer: &Authority<K>,
    revoked: &[(Vec<u8>, Revocation)],
) -> Result<Vec<u8>, PkiError> {
    let now = SystemTime::now();
    let signature_algorithm = AlgorithmIdentifierOwned {
        oid: SHA256_WITH_RSA,
        parameters: Some(der::Any::null()),
    };
    let subject = &issuer.certificate.tbs_certificate.subject;

    let mut entries = Vec::with_capacity(revoked.len());
    for (serial, revocation) in revoked {
        let reason = revocation.reason.crl_reason();
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(serial)?,
            revocation_date: rfc5280_time(SystemTime::from(revocation.at))?,
            crl_entry_extensions: Some(vec![reason.to_extension(subject, &[])?]),
        });
    }

    // Seconds since the epoch only grow: a valid, monotonic CRL number without a counter.
    let number = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let issuer_spki = issuer
        .certificate
        .tbs_certificate
        .subject_public_key_info
        .owned_to_ref();
    let authority_key =
        AuthorityKeyIdentifier::try_from(issuer_spki)?.to_extension(subject, &[])?;
    let crl_number = CrlNumber(Uint::new(&number.to_be_bytes())?)
        .to_extension(subject, std::slice::from_ref(&authority_key))?;
    let extensions: Vec<Extension> = vec![authority_key, crl_number];

    let tbs = TbsCertList {
        version: Version::V2,
        signature: signature_algorithm.clone(),
        issuer: subject.clone(),
        this_update: rfc5280_time(now)?,
        next_update: Some(rfc5280_time(now + CRL_LIFETIME)?),
        revoked_certificates: if entries.is_empty() {
            None
        } else {
            Some(entries)
        },
        crl_extensions: Some(extensions),
    };
    let signature = issuer.key().sign_sha256(&tbs.to_der()?)?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(list.to_der()?)
}
