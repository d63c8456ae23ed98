//! An outside RFC 3161 time-stamping authority (`PARAPHE_TSA_URL`): signature and document
//! time-stamps come from it instead of the instance's own unit, e.g. from a qualified
//! trust service provider. Each token is checked before it goes into a signature: over the
//! digest asked for, with the nonce sent, signed by the certificate it carries. Whether
//! that authority is trusted is the validators' call (`PARAPHE_TSA_CA_FILE` adds its roots
//! to the instance's own validation).

use std::sync::RwLock;
use std::time::Duration;

use cmpv2::status::PkiStatus;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use rand::RngCore;
use spki::AlgorithmIdentifier;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

const TIMEOUT: Duration = Duration::from_secs(15);

pub struct RemoteTsa {
    url: String,
    client: reqwest::Client,
    /// Roots that certify the authority, from `PARAPHE_TSA_CA_FILE`.
    anchors: Vec<Certificate>,
    /// The authority's certificates as its latest token carried them, for the validation
    /// data of B-LT signatures.
    certificates: RwLock<Vec<Certificate>>,
}

impl RemoteTsa {
    pub fn new(url: &str, anchors: Vec<Certificate>) -> Result<Self, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "PARAPHE_TSA_URL must be an http:// or https:// address, not {url:?}"
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(RemoteTsa {
            url: url.to_owned(),
            client,
            anchors,
            certificates: RwLock::new(Vec::new()),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    pub fn certificates(&self) -> Vec<Certificate> {
        self.certificates
            .read()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// A token over `digest` (SHA-256), DER.
    pub async fn stamp(&self, digest: &[u8]) -> Result<Vec<u8>, String> {
        let encoding = |e: der::Error| format!("encoding the time-stamp request: {e}");
        let mut nonce = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        nonce[0] = (nonce[0] & 0x7f) | 0x01;
        let nonce = Int::new(&nonce).map_err(encoding)?;
        let request = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifier {
                    oid: const_oid::db::rfc5912::ID_SHA_256,
                    parameters: None,
                },
                hashed_message: OctetString::new(digest).map_err(encoding)?,
            },
            req_policy: None,
            nonce: Some(nonce.clone()),
            cert_req: true,
            extensions: None,
        };
        let response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .body(request.to_der().map_err(encoding)?)
            .send()
            .await
            .map_err(|e| format!("{}: {e}", self.url))?;
        if !response.status().is_success() {
            return Err(format!("{} answered HTTP {}", self.url, response.status()));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("{}: {e}", self.url))?;
        let token = accepted_token(&body)?;
        let certificates =
            crate::signing::validation::check_outside_time_stamp(&token, digest, &nonce)?;
        if let Ok(mut known) = self.certificates.write() {
            *known = certificates;
        }
        Ok(token)
    }
}

/// The token of a granted `TimeStampResp`, DER; the authority's reason otherwise.
fn accepted_token(response: &[u8]) -> Result<Vec<u8>, String> {
    let response =
        TimeStampResp::from_der(response).map_err(|e| format!("not an RFC 3161 response: {e}"))?;
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
        return Err(format!(
            "the time-stamping authority refused ({:?}): {}",
            response.status.status,
            reasons.join("; ")
        ));
    }
    let token = response
        .time_stamp_token
        .ok_or("a granted response without a token")?;
    token.to_der().map_err(|e| e.to_string())
}
