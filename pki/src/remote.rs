//! An outside RFC 3161 time-stamping authority (e.g. a qualified trust service provider):
//! what the [`Pki`](crate::Pki) asks of one ([`RemoteTimeStamper`]), and the two pure
//! halves of talking to it, around whichever HTTP client the caller uses: [`Query::sha256`]
//! writes the request (with a nonce and certReq), [`Query::read_reply`] checks the reply
//! before its token goes into a signature — granted, with our nonce, over the digest asked
//! for, signed by the certificate it carries. Whether that authority is trusted is the
//! validators' call: its roots are [`RemoteTimeStamper::anchors`].

use cmpv2::status::PkiStatus;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use paraphe_pades::TimeStamper;
use rand::RngCore;
use spki::AlgorithmIdentifier;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

/// A time-stamping authority outside the hierarchy. [`TimeStamper::stamp`] gives a token
/// over a SHA-256 digest, already checked (see [`Query::read_reply`]).
pub trait RemoteTimeStamper: TimeStamper {
    /// Roots that certify the authority, which validators are told to trust.
    fn anchors(&self) -> &[Certificate];
    /// The authority's certificates as its latest token carried them, for the validation
    /// data of B-LT signatures.
    fn certificates(&self) -> Vec<Certificate>;
}

/// Why an outside authority's time-stamp could not be had. The messages are what the
/// signing engine reports as the time-stamp's failure.
#[derive(Debug, thiserror::Error)]
pub enum RemoteTsaError {
    #[error("encoding the time-stamp request: {0}")]
    Encoding(#[source] der::Error),
    #[error("not an RFC 3161 response: {0}")]
    NotAResponse(#[source] der::Error),
    #[error("the time-stamping authority refused ({status:?}): {reasons}")]
    Refused { status: PkiStatus, reasons: String },
    #[error("a granted response without a token")]
    NoToken,
    #[error("{0}")]
    TokenEncoding(#[source] der::Error),
    /// The token is not the answer to our request, or its signature does not verify.
    #[error("{0}")]
    Token(String),
}

/// A time-stamp request about to be sent, and what its reply must match.
pub struct Query {
    /// The DER `TimeStampReq`, sent as `application/timestamp-query`.
    pub der: Vec<u8>,
    digest: Vec<u8>,
    nonce: Int,
}

impl Query {
    /// A request for a token over `digest` (SHA-256), with a fresh nonce, asking for the
    /// authority's certificate in the token.
    pub fn sha256(digest: &[u8]) -> Result<Query, RemoteTsaError> {
        let mut nonce = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Positive and minimal: DER INTEGERs are signed, and a leading zero byte is not DER.
        nonce[0] = (nonce[0] & 0x7f) | 0x01;
        let nonce = Int::new(&nonce).map_err(RemoteTsaError::Encoding)?;
        let request = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifier {
                    oid: const_oid::db::rfc5912::ID_SHA_256,
                    parameters: None,
                },
                hashed_message: OctetString::new(digest).map_err(RemoteTsaError::Encoding)?,
            },
            req_policy: None,
            nonce: Some(nonce.clone()),
            cert_req: true,
            extensions: None,
        };
        Ok(Query {
            der: request.to_der().map_err(RemoteTsaError::Encoding)?,
            digest: digest.to_vec(),
            nonce,
        })
    }

    /// The token (DER) of the authority's DER `TimeStampResp`, once checked, and the
    /// certificates it carries.
    pub fn read_reply(&self, reply: &[u8]) -> Result<(Vec<u8>, Vec<Certificate>), RemoteTsaError> {
        let token = accepted_token(reply)?;
        let certificates =
            paraphe_pades::validation::check_outside_time_stamp(&token, &self.digest, &self.nonce)
                .map_err(RemoteTsaError::Token)?;
        Ok((token, certificates))
    }
}

/// The token of a granted `TimeStampResp`, DER; the authority's reason otherwise.
fn accepted_token(response: &[u8]) -> Result<Vec<u8>, RemoteTsaError> {
    let response = TimeStampResp::from_der(response).map_err(RemoteTsaError::NotAResponse)?;
    if !matches!(
        response.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        let reasons: Vec<String> = response
            .status
            .status_string
            .iter()
            .flatten()
            .map(|s| s.as_str().to_owned())
            .collect();
        return Err(RemoteTsaError::Refused {
            status: response.status.status,
            reasons: reasons.join("; "),
        });
    }
    let token = response.time_stamp_token.ok_or(RemoteTsaError::NoToken)?;
    token.to_der().map_err(RemoteTsaError::TokenEncoding)
}
