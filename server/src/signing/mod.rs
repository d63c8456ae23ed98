//! The signing engine is the `paraphe-pades` crate (PAdES B-B…B-LTA, CMS, validation, the
//! key trait); this module re-exports it for the server's domains and adds what belongs to
//! the server: page previews drawn by poppler in a sandboxed process (`preview.rs`). The
//! PKI lends the engine its trust services (`impl TrustServices for Pki`), and the API
//! layer maps `PdfError` to stable codes (`graphql/error.rs`).

pub mod preview;

pub use paraphe_pades::{
    add_validation_data, cms, fuzzing, inspect, levels, oids, pdf, sign, sign_at_level,
    sign_time_stamped, stamp, text_pdf, time_stamp_document, validate, validation, PadesLevel,
    PdfError, PdfInfo, PreparedSignature, SignatureReport, SignatureRequest, SigningIdentity,
    TimeStamper, ValidationData, ValidationReport, VisibleStamp, MAX_PDF_BYTES,
};
