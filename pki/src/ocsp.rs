//! RFC 6960 OCSP: answers, for each certificate asked about, good, revoked or unknown,
//! signed by a delegated responder of the CA that issued it (RFC 6960 §4.2.2.2: a
//! short-lived certificate from that CA with extendedKeyUsage OCSPSigning, see
//! [`CaHierarchy::issue_ocsp_responder`]), whose certificate travels in the answer.
//! Answering is split in two so the registry lookup in between can be asynchronous:
//! [`parse`] says which CA and serials are asked about, [`answer`] signs the response.
//! [`Pki::ocsp_lookup`](crate::Pki::ocsp_lookup) and
//! [`Pki::ocsp_answer`](crate::Pki::ocsp_answer) do both with the registry in between.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use paraphe_pades::RawSigner;
use sha2::Sha256;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::builder::{OcspRequestBuilder, OcspResponseBuilder};
use x509_ocsp::{
    CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse, OcspResponseStatus,
    Request, ResponderId, RevokedInfo, SingleResponse,
};

use crate::key::X509Signer;
use crate::{Authority, Ca, CaHierarchy, CertState, PkiError};

/// How long an answer may be cached by relying parties.
const ANSWER_LIFETIME: Duration = Duration::from_secs(3600);

/// A request whose first CertID names one of our CAs.
pub struct Query {
    request: OcspRequest,
    pub issuer: Ca,
}

impl Query {
    /// The serials asked about that `issuer` would have issued.
    pub fn serials<K>(&self, hierarchy: &CaHierarchy<K>) -> Vec<SerialNumber> {
        self.request
            .tbs_request
            .request_list
            .iter()
            .filter(|single| issuer_of(hierarchy, &single.req_cert) == Some(self.issuer))
            .map(|single| single.req_cert.serial_number.clone())
            .collect()
    }
}

fn status_only(status: OcspResponseStatus) -> Vec<u8> {
    // A response without body is a two-byte-long SEQUENCE of an ENUMERATED: it always encodes.
    OcspResponse {
        response_status: status,
        response_bytes: None,
    }
    .to_der()
    .unwrap_or_default()
}

/// Which of our CAs a CertID designates, comparing hashes with the request's algorithm.
fn issuer_of<K>(hierarchy: &CaHierarchy<K>, id: &CertId) -> Option<Ca> {
    Ca::ALL.into_iter().find(|ca| {
        let certificate = &hierarchy.authority(*ca).certificate;
        let expected = match id.hash_algorithm.oid {
            oid if oid == const_oid::db::rfc5912::ID_SHA_1 => {
                CertId::from_issuer::<sha1::Sha1>(certificate, id.serial_number.clone())
            }
            oid if oid == const_oid::db::rfc5912::ID_SHA_256 => {
                CertId::from_issuer::<Sha256>(certificate, id.serial_number.clone())
            }
            _ => return false,
        };
        expected.is_ok_and(|e| {
            e.issuer_name_hash == id.issuer_name_hash && e.issuer_key_hash == id.issuer_key_hash
        })
    })
}

/// Reads a DER request. `Err` carries the complete (unsigned) error response to send:
/// `malformedRequest` for garbage, `unauthorized` for a CA that is not ours.
pub fn parse<K>(hierarchy: &CaHierarchy<K>, request_der: &[u8]) -> Result<Query, Vec<u8>> {
    let request = OcspRequest::from_der(request_der)
        .map_err(|_| status_only(OcspResponseStatus::MalformedRequest))?;
    let first = request
        .tbs_request
        .request_list
        .first()
        .ok_or_else(|| status_only(OcspResponseStatus::MalformedRequest))?;
    let issuer = issuer_of(hierarchy, &first.req_cert)
        .ok_or_else(|| status_only(OcspResponseStatus::Unauthorized))?;
    Ok(Query { request, issuer })
}

/// Signs the answer to `query` with `responder` (the issuer's delegated responder), given
/// the registry's states of the asked serials.
pub fn answer<K, R: RawSigner>(
    hierarchy: &CaHierarchy<K>,
    responder: &Authority<R>,
    query: &Query,
    states: &HashMap<Vec<u8>, CertState>,
) -> Vec<u8> {
    let ids: Vec<CertId> = query
        .request
        .tbs_request
        .request_list
        .iter()
        .map(|single| single.req_cert.clone())
        .collect();
    sign_answer(
        hierarchy,
        responder,
        query.issuer,
        &ids,
        query.request.nonce(),
        states,
    )
}

/// The CertID (SHA-1, the form every client understands) of a certificate `issuer` issued.
pub fn cert_id<K>(hierarchy: &CaHierarchy<K>, issuer: Ca, serial: &SerialNumber) -> Option<CertId> {
    CertId::from_issuer::<sha1::Sha1>(&hierarchy.authority(issuer).certificate, serial.clone()).ok()
}

/// A DER request about the certificate `serial` of `issuer`, as a relying party sends it
/// (SHA-1 CertID, no nonce): for tools, examples and tests.
pub fn request<K>(
    hierarchy: &CaHierarchy<K>,
    issuer: Ca,
    serial: &SerialNumber,
) -> Result<Vec<u8>, PkiError> {
    let id = CertId::from_issuer::<sha1::Sha1>(
        &hierarchy.authority(issuer).certificate,
        serial.clone(),
    )?;
    Ok(OcspRequestBuilder::default()
        .with_request(Request::new(id))
        .build()
        .to_der()?)
}

/// A response about `ids`, all of certificates that `issuer` would have issued, signed by
/// `responder` (a delegated responder certified by `issuer`).
pub fn sign_answer<K, R: RawSigner>(
    hierarchy: &CaHierarchy<K>,
    responder: &Authority<R>,
    issuer: Ca,
    ids: &[CertId],
    nonce: Option<x509_ocsp::ext::Nonce>,
    states: &HashMap<Vec<u8>, CertState>,
) -> Vec<u8> {
    let now = SystemTime::now();
    let (Ok(this_update), Ok(next_update)) = (
        OcspGeneralizedTime::try_from(now),
        OcspGeneralizedTime::try_from(now + ANSWER_LIFETIME),
    ) else {
        return status_only(OcspResponseStatus::InternalError);
    };
    let mut builder = OcspResponseBuilder::new(ResponderId::ByName(
        responder.certificate.tbs_certificate.subject.clone(),
    ));
    for id in ids {
        let state = if issuer_of(hierarchy, id) == Some(issuer) {
            states.get(id.serial_number.as_bytes())
        } else {
            None
        };
        let status = match state {
            None => CertStatus::unknown(),
            Some(CertState::Good) => CertStatus::good(),
            Some(CertState::Revoked(revocation)) => {
                match OcspGeneralizedTime::try_from(SystemTime::from(revocation.at)) {
                    Ok(at) => CertStatus::Revoked(RevokedInfo {
                        revocation_time: at,
                        revocation_reason: Some(revocation.reason.crl_reason()),
                    }),
                    Err(_) => return status_only(OcspResponseStatus::InternalError),
                }
            }
        };
        builder = builder.with_single_response(
            SingleResponse::new(id.clone(), status, this_update).with_next_update(next_update),
        );
    }
    // Echo the nonce so clients that send one (openssl ocsp does) can check freshness.
    if let Some(nonce) = nonce {
        match builder.with_extension(nonce) {
            Ok(with_nonce) => builder = with_nonce,
            Err(_) => return status_only(OcspResponseStatus::MalformedRequest),
        }
    }
    let Ok(mut signer) = X509Signer::new(responder.key()) else {
        return status_only(OcspResponseStatus::InternalError);
    };
    builder
        .sign::<_, rsa::pkcs1v15::Signature>(
            &mut signer,
            Some(vec![responder.certificate.clone()]),
            this_update,
        )
        .ok()
        .and_then(|response| response.to_der().ok())
        .unwrap_or_else(|| status_only(OcspResponseStatus::InternalError))
}

/// For a registry that cannot answer right now.
pub fn try_later() -> Vec<u8> {
    status_only(OcspResponseStatus::TryLater)
}
