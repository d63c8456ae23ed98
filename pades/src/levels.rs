//! PAdES baseline levels on top of the signing engine and a PKI's trust services:
//! B-B (signature), B-T (+ signature time-stamp), B-LT (+ `/DSS` with certificates and
//! OCSP responses in a later revision), B-LTA (+ a document time-stamp over it all).

use std::str::FromStr;

use x509_cert::Certificate;

use crate::cms::TimeStamper;
use crate::pdf::{self, PdfError, SignatureRequest, SigningIdentity, ValidationData};

/// What the levels beyond B-B need from a PKI: time-stamps, the time-stamping unit's own
/// chain, and revocation data (OCSP responses, CRLs) for chains, to embed in the `/DSS`.
#[async_trait::async_trait]
pub trait TrustServices: TimeStamper {
    /// The time-stamping unit's certificate first, then its issuers.
    fn tsa_chain(&self) -> Vec<Certificate>;
    /// Certificates and fresh revocation data for every certificate of `chains`.
    async fn validation_data(
        &self,
        chains: &[&[Certificate]],
    ) -> Result<ValidationData, Box<dyn std::error::Error + Send + Sync>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadesLevel {
    BB,
    BT,
    BLT,
    BLTA,
}

impl PadesLevel {
    pub const ALL: [PadesLevel; 4] = [
        PadesLevel::BB,
        PadesLevel::BT,
        PadesLevel::BLT,
        PadesLevel::BLTA,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PadesLevel::BB => "b-b",
            PadesLevel::BT => "b-t",
            PadesLevel::BLT => "b-lt",
            PadesLevel::BLTA => "b-lta",
        }
    }
}

impl FromStr for PadesLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PadesLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown PAdES level {s:?} (b-b, b-t, b-lt or b-lta)"))
    }
}

/// Signs `pdf` at `level` with `key` and `chain` (signer first), time-stamps and validation
/// data from `pki`.
pub async fn sign_at_level(
    pdf: &[u8],
    request: &SignatureRequest,
    key: &dyn crate::key::RawSigner,
    chain: &[Certificate],
    level: PadesLevel,
    pki: &dyn TrustServices,
) -> Result<Vec<u8>, PdfError> {
    let identity = SigningIdentity { key, chain };
    let signed = match level {
        PadesLevel::BB => pdf::sign(pdf, request, &identity)?,
        _ => pdf::sign_time_stamped(pdf, request, &identity, pki).await?,
    };
    if matches!(level, PadesLevel::BB | PadesLevel::BT) {
        return Ok(signed);
    }
    let tsa_chain = pki.tsa_chain();
    let data = pki
        .validation_data(&[chain, &tsa_chain])
        .await
        .map_err(|e| PdfError::Crypto(e.to_string()))?;
    let with_dss = pdf::add_validation_data(&signed, &data)?;
    if level == PadesLevel::BLT {
        return Ok(with_dss);
    }
    pdf::time_stamp_document(&with_dss, pki).await
}
