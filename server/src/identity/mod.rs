//! Identity verification (SPEC §3): before a certificate is issued in someone's name, they
//! declare who they are and show an identity document.
//!
//! - `verification.rs`: the life of a verification — start, images (from the desktop or a
//!   phone through a hand-off link), submit, automatic checks, the operator's decision,
//!   the holder's confirmation of the extracted data — and its event log.
//! - `checks.rs`: the automatic checks (MRZ by OCR, check digits, declared identity,
//!   expiry), a pure function of the images' text and the declaration.
//! - `mrz.rs`: the ICAO 9303 parser; `ocr.rs`: tesseract and its known misreadings.
//! - `provider.rs`: who decides after the checks — the operators' queue, or an external
//!   service (signed request out, HMAC-verified callback in).
//! - `graphql.rs`, `http.rs`: the API, the operators' image view, the provider's callback.
//!
//! Images are sealed under the key-encryption key, shown only to operators while the
//! verification waits for them, and deleted after `PARAPHE_IDENTITY_RETENTION_DAYS`.

pub mod checks;
pub mod emails;
pub mod graphql;
pub mod http;
pub mod mrz;
pub mod ocr;
pub mod pipeline;
pub mod provider;
pub mod verification;

/// Each image may weigh this much.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// A phone hand-off link lives this long.
pub const CAPTURE_LINK_MINUTES: i64 = 15;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("introuvable")]
    NotFound,
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    InvalidState(String),
    #[error("le fichier doit être une image JPEG ou PNG, ou un PDF")]
    FileInvalid,
    #[error("le fichier dépasse 10 Mo")]
    FileTooLarge,
    #[error("envoyez d'abord {0}")]
    ImagesMissing(&'static str),
    #[error("ce lien n'est pas valide")]
    LinkInvalid,
    #[error("ce lien a expiré : affichez un nouveau QR code sur votre ordinateur")]
    LinkExpired,
    #[error("ce lien a déjà servi : affichez un nouveau QR code sur votre ordinateur")]
    LinkUsed,
    #[error("réservé aux opérateurs de vérification")]
    Forbidden,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(crate::BoxError),
}

impl From<crate::keys::KeyError> for IdentityError {
    fn from(e: crate::keys::KeyError) -> Self {
        IdentityError::Internal(e.into())
    }
}

pub type Result<T, E = IdentityError> = std::result::Result<T, E>;

// Stored as text (`identity_card`, …): a value the enum does not know is a decoding error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum DocumentType {
    IdentityCard,
    Passport,
    ResidencePermit,
}

impl DocumentType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdentityCard => "identity_card",
            Self::Passport => "passport",
            Self::ResidencePermit => "residence_permit",
        }
    }

    /// A passport's MRZ is on its photo page; cards have a back.
    pub fn needs_back(self) -> bool {
        self != Self::Passport
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Waiting for the images.
    AwaitingDocuments,
    /// Submitted; the automatic checks are running.
    Checking,
    /// Waiting for an operator.
    InReview,
    Approved,
    Rejected,
    /// Approved, and the holder confirmed the extracted data.
    Confirmed,
    /// Approved, but the holder said the extracted data are not correct.
    Disputed,
}

impl VerificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingDocuments => "awaiting_documents",
            Self::Checking => "checking",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Confirmed => "confirmed",
            Self::Disputed => "disputed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ImageSide {
    Front,
    Back,
    Selfie,
}

impl ImageSide {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Front => "front",
            Self::Back => "back",
            Self::Selfie => "selfie",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "front" => Some(Self::Front),
            "back" => Some(Self::Back),
            "selfie" => Some(Self::Selfie),
            _ => None,
        }
    }
}

/// The media type of an uploaded image, judged from its first bytes (never its name).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\x00\x10JFIF"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\x00\x00"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b""), None);
    }
}
