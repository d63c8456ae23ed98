//! PAdES signatures of PDF documents, and their validation.
//!
//! A signature is added by *incremental update*: the original bytes stay byte for byte,
//! and a new revision appends the signature field, its widget, the updated AcroForm and a
//! cross-reference section of the kind the file already uses. Large documents are not
//! loaded whole: the lazy reader ([`pdf`], on top of `lopdf`) reads the trailer, the
//! catalogue, the page tree down to the page that carries the widget, and nothing else.
//!
//! | Level | What is added | Entry point |
//! |-------|---------------|-------------|
//! | B-B   | a CAdES detached signature (signing-certificate-v2, no signing-time) | [`sign`] |
//! | B-T   | + a signature time-stamp (RFC 3161) | [`sign_time_stamped`] |
//! | B-LT  | + a `/DSS` with the certificates and OCSP responses/CRLs | [`add_validation_data`] |
//! | B-LTA | + a document time-stamp over it all | [`time_stamp_document`] |
//!
//! [`sign_at_level`] chains them, given a [`TrustServices`] (time-stamps and revocation
//! data). Keys stay wherever they are kept: the engine signs through [`RawSigner`]
//! ([`SoftwareKey`] holds one in memory). [`validate`] checks every signature of any PDF:
//! integrity of its byte range, the CMS signature, the chain to the trust anchors given,
//! time-stamps, which revision it covers and what changed after it.
//!
//! Algorithms: SHA-256 and RSA PKCS#1 v1.5, what most validators expect; anything else is
//! reported by the validator as a problem, never as valid. Every parser is bounded (nesting
//! depth, decoded stream size, input size) so that hostile files are refused, not obeyed.
//!
//! ```
//! use paraphe_pades::testing::ThrowawayCa;
//! use paraphe_pades::{sign, text_pdf, validate, SignatureRequest, SigningIdentity};
//! // A root and a signer in memory; a deployment brings its own keys and chains.
//! let ca = ThrowawayCa::new("Example Root CA")?;
//! let (key, chain) = ca.signer("Claire MARTIN")?; // the signer's certificate, then the root
//! let pdf = text_pdf::render("Lettre de mission", &["Bon pour accord.".to_owned()])?;
//! let request = SignatureRequest {
//!     signer_name: "Claire MARTIN".into(),
//!     reason: Some("Lu et approuvé".into()),
//!     location: None,
//!     time: chrono::Utc::now(),
//!     stamp: None, // invisible
//! };
//! let signed = sign(&pdf, &request, &SigningIdentity { key: &key, chain: &chain })?;
//! let report = validate(&signed, std::slice::from_ref(ca.root()))?;
//! assert!(report.all_valid());
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
//!
//! `cargo run -p paraphe-pades --example sign -- in.pdf out.pdf` signs a file with a
//! throw-away certificate authority and prints the validation report.

pub mod cms;
pub mod key;
pub mod levels;
pub mod oids;
mod partial;
pub mod pdf;
pub mod stamp;
mod syntax;
pub mod testing;
pub mod text_pdf;
pub mod validation;

pub use cms::TimeStamper;
pub use key::{KeyFailure, RawSigner, SoftwareKey};
pub use levels::{sign_at_level, PadesLevel, TrustServices};
pub use pdf::{
    add_validation_data, inspect, sign, sign_time_stamped, time_stamp_document, PdfError, PdfInfo,
    PreparedSignature, SignatureRequest, SigningIdentity, ValidationData, MAX_PDF_BYTES,
};
pub use stamp::VisibleStamp;
pub use validation::{validate, SignatureReport, ValidationReport};

/// Ways into the readers that fuzz targets drive; not an API.
#[doc(hidden)]
pub mod fuzzing {
    /// The lazy reader behind signing: whatever the bytes, an answer and no panic.
    pub fn lazy_read(pdf: &[u8], page: u32) -> bool {
        super::partial::load(pdf, page).is_some()
    }

    /// The CMS checks the validator runs on a signature's `/Contents`.
    pub fn check_cms(der: &[u8]) -> bool {
        super::validation::check_cms(der, None, &[], &[]).is_ok()
    }
}
