//! PAdES signatures: the incremental update that holds a signature (`pdf`) and the CMS
//! it carries (`cms`). Levels beyond B-B (time-stamps, DSS, archive time-stamps),
//! visible stamps and validation come next; see ARCHITECTURE.md.

pub mod cms;
pub mod levels;
pub mod oids;
mod partial;
pub mod pdf;
pub mod preview;
pub mod stamp;
mod syntax;
pub mod text_pdf;
pub mod validation;

pub use cms::TimeStamper;
pub use levels::{sign_at_level, PadesLevel};
pub use pdf::{add_validation_data, time_stamp_document, ValidationData};
pub use stamp::VisibleStamp;
pub use validation::{validate, SignatureReport, ValidationReport};
/// Ways into the readers that the fuzz targets (`fuzz/`) drive; not an API.
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

pub use pdf::{
    inspect, sign, sign_time_stamped, PdfError, PdfInfo, PreparedSignature, SignatureRequest,
    SigningIdentity, MAX_PDF_BYTES,
};

impl From<PdfError> for crate::graphql::error::ApiError {
    fn from(error: PdfError) -> Self {
        match error.code().parse::<paraphe_shared::ErrorCode>() {
            Ok(paraphe_shared::ErrorCode::Internal) | Err(_) => {
                crate::graphql::error::ApiError::internal(&error)
            }
            Ok(code) => crate::graphql::error::ApiError::new(code, error.to_string()),
        }
    }
}
