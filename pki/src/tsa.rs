//! RFC 3161 time-stamping by the hierarchy's own unit: [`respond`] answers outside
//! clients' requests (`openssl ts -query`), [`stamp_sha256`] makes the signature
//! time-stamps of PAdES B-T in process. Tokens carry signing-certificate-v2 (RFC 5816)
//! and the unit's certificate with the root.

use std::time::SystemTime;

use cmpv2::status::{PkiStatus, PkiStatusInfo};
use cms::content_info::ContentInfo;
use der::asn1::{GeneralizedTime, Int, ObjectIdentifier, OctetString, Utf8StringRef};
use der::{Any, Decode, Encode};
use paraphe_pades::cms::{self as pades_cms, CmsError};
use paraphe_pades::oids::ID_CT_TST_INFO;
use paraphe_pades::RawSigner;
use rand::RngCore;
use spki::AlgorithmIdentifier;
use x509_cert::ext::pkix::name::GeneralName;
use x509_tsp::{Accuracy, MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use crate::CaHierarchy;

/// The policy under which the time-stamping unit answers.
pub const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.2.1");

/// Digest algorithms accepted in a message imprint, with their digest lengths.
const ACCEPTED_DIGESTS: [(ObjectIdentifier, usize); 3] = [
    (const_oid::db::rfc5912::ID_SHA_256, 32),
    (const_oid::db::rfc5912::ID_SHA_384, 48),
    (const_oid::db::rfc5912::ID_SHA_512, 64),
];

fn rejection(reason: &'static str) -> Vec<u8> {
    let Ok(text) = Utf8StringRef::new(reason) else {
        return Vec::new();
    };
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Rejection,
            status_string: Some(vec![text]),
            fail_info: None,
        },
        time_stamp_token: None,
    }
    .to_der()
    .unwrap_or_default()
}

/// Answers a DER `TimeStampReq` with a DER `TimeStampResp`; a bad request gets a
/// rejection that says why, never an error.
pub fn respond<K: RawSigner>(hierarchy: &CaHierarchy<K>, request_der: &[u8]) -> Vec<u8> {
    let Ok(request) = TimeStampReq::from_der(request_der) else {
        return rejection("malformed TimeStampReq");
    };
    if request
        .req_policy
        .is_some_and(|policy| policy != TSA_POLICY)
    {
        return rejection("unaccepted policy");
    }
    if request
        .extensions
        .as_ref()
        .is_some_and(|extensions| !extensions.is_empty())
    {
        return rejection("unaccepted extension");
    }
    let imprint = &request.message_imprint;
    let accepted = ACCEPTED_DIGESTS.iter().any(|(oid, len)| {
        imprint.hash_algorithm.oid == *oid && imprint.hashed_message.as_bytes().len() == *len
    });
    if !accepted {
        return rejection("unsupported digest algorithm (SHA-256, SHA-384 or SHA-512)");
    }
    let Some(token) = token(hierarchy, imprint.clone(), request.nonce)
        .ok()
        .and_then(|der| ContentInfo::from_der(&der).ok())
    else {
        return rejection("system failure");
    };
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Accepted,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    }
    .to_der()
    .unwrap_or_else(|_| rejection("system failure"))
}

/// A time-stamp token over a SHA-256 digest, for signature time-stamps made in process.
/// The error is text, as the engine's [`TimeStamper`](paraphe_pades::TimeStamper) wants.
pub fn stamp_sha256<K: RawSigner>(
    hierarchy: &CaHierarchy<K>,
    digest: &[u8],
) -> Result<Vec<u8>, String> {
    let imprint = MessageImprint {
        hash_algorithm: AlgorithmIdentifier {
            oid: const_oid::db::rfc5912::ID_SHA_256,
            parameters: Some(Any::null()),
        },
        hashed_message: OctetString::new(digest).map_err(|e| e.to_string())?,
    };
    token(hierarchy, imprint, None).map_err(|e| e.to_string())
}

fn token<K: RawSigner>(
    hierarchy: &CaHierarchy<K>,
    message_imprint: MessageImprint,
    nonce: Option<Int>,
) -> Result<Vec<u8>, CmsError> {
    let mut random = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let tsa = &hierarchy.tsa;
    let info = TstInfo {
        version: TspVersion::V1,
        policy: TSA_POLICY,
        message_imprint,
        serial_number: serial_from(random)?,
        // GeneralizedTime without fractions: the accuracy says one second.
        gen_time: GeneralizedTime::from_system_time(SystemTime::now())?,
        accuracy: Some(Accuracy {
            seconds: Some(1),
            millis: None,
            micros: None,
        }),
        ordering: false,
        nonce,
        tsa: Some(GeneralName::DirectoryName(
            tsa.certificate.tbs_certificate.subject.clone(),
        )),
        extensions: None,
    };
    let chain = [tsa.certificate.clone(), hierarchy.root.certificate.clone()];
    pades_cms::encapsulating(ID_CT_TST_INFO, &info.to_der()?, tsa.key(), &chain)
}

/// A positive serial without a leading zero byte: DER wants the minimal encoding, and a
/// non-minimal one makes the whole token unreadable to strict parsers (one token in 256
/// was, before).
fn serial_from(mut random: [u8; 16]) -> der::Result<Int> {
    random[0] &= 0x7f;
    random[0] |= 0x01;
    Int::new(&random)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_serial_survives_a_der_round_trip() {
        for first in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut random = [0u8; 16];
            random[0] = first;
            let der = serial_from(random)
                .expect("serial")
                .to_der()
                .expect("encode");
            assert!(Int::from_der(&der).is_ok(), "serial starting {first:#04x}");
        }
    }
}
