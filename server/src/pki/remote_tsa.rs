//! An outside RFC 3161 time-stamping authority (`PARAPHE_TSA_URL`): signature and document
//! time-stamps come from it instead of the instance's own unit, e.g. from a qualified
//! trust service provider. This is the HTTP half; the request and the checks of the reply
//! (over the digest asked for, with the nonce sent, signed by the certificate it carries)
//! are `paraphe_pki::remote`'s. Whether that authority is trusted is the validators' call
//! (`PARAPHE_TSA_CA_FILE` adds its roots to the instance's own validation).

use std::sync::RwLock;
use std::time::Duration;

use paraphe_pki::remote::{Query, RemoteTimeStamper};
use x509_cert::Certificate;

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
        let query = Query::sha256(digest).map_err(|e| e.to_string())?;
        let response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .body(query.der.clone())
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
        let (token, certificates) = query.read_reply(&body).map_err(|e| e.to_string())?;
        if let Ok(mut known) = self.certificates.write() {
            *known = certificates;
        }
        Ok(token)
    }
}

#[async_trait::async_trait]
impl crate::signing::cms::TimeStamper for RemoteTsa {
    async fn stamp(&self, sha256_digest: &[u8]) -> Result<Vec<u8>, String> {
        RemoteTsa::stamp(self, sha256_digest).await
    }
}

impl RemoteTimeStamper for RemoteTsa {
    fn anchors(&self) -> &[Certificate] {
        RemoteTsa::anchors(self)
    }

    fn certificates(&self) -> Vec<Certificate> {
        RemoteTsa::certificates(self)
    }
}
