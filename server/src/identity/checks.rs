//! The automatic checks of an identity document: read its MRZ, verify every check digit,
//! compare it with the declared identity, refuse an expired document.
//!
//! `assess` is pure (text in, verdict out); `run` feeds it with tesseract's reading of the
//! images. The verdict never approves by itself: a clear failure (another person, an
//! expired document) rejects at once so the holder can retry, anything else goes to an
//! operator, flagged when the machine could not be sure.

use std::path::Path;

use chrono::NaiveDate;

use super::mrz::{Mrz, MrzError, MrzFormat};
use super::ocr::{self, NameAgreement};
use super::DocumentType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub document_type: DocumentType,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// Why no MRZ could be read, when none could.
    pub mrz_error: Option<String>,
    pub mrz: Option<Mrz>,
    pub document_kind_matches: Option<bool>,
    pub last_name: Option<NameAgreement>,
    pub first_name: Option<NameAgreement>,
    pub birth_date_matches: Option<bool>,
    pub expired: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Clearly not acceptable: rejected without waiting for an operator.
    Reject { code: &'static str, reason: String },
    /// For an operator; `flagged` when they should look twice.
    Review { flagged: bool },
}

pub fn assess(declared: &Declared, texts: &[String], today: NaiveDate) -> (CheckReport, Verdict) {
    let mut report = CheckReport {
        mrz_error: None,
        mrz: None,
        document_kind_matches: None,
        last_name: None,
        first_name: None,
        birth_date_matches: None,
        expired: None,
    };
    let mut first_error = None;
    let mrz = texts
        .iter()
        .find_map(|text| match ocr::mrz_from_ocr(text, today) {
            Ok(mrz) => Some(mrz),
            Err(error) => {
                // A document with check-digit faults says more than one where nothing was found.
                if first_error.is_none() || first_error == Some(MrzError::NotFound) {
                    first_error = Some(error);
                }
                None
            }
        });
    let Some(mrz) = mrz else {
        report.mrz_error = Some(first_error.unwrap_or(MrzError::NotFound).to_string());
        return (report, Verdict::Review { flagged: true });
    };
    let kind_matches = match declared.document_type {
        DocumentType::Passport => {
            mrz.format == MrzFormat::Td3 && mrz.document_code.starts_with('P')
        }
        DocumentType::IdentityCard | DocumentType::ResidencePermit => mrz.format == MrzFormat::Td1,
    };
    let last_name = ocr::names_agree(&declared.last_name, &mrz.surname, mrz.names_truncated);
    let first_name = ocr::names_agree(&declared.first_name, &mrz.given_names, mrz.names_truncated);
    let birth_date_matches = mrz.birth_date == declared.birth_date;
    let expired = mrz.expiry_date < today;
    report.document_kind_matches = Some(kind_matches);
    report.last_name = Some(last_name);
    report.first_name = Some(first_name);
    report.birth_date_matches = Some(birth_date_matches);
    report.expired = Some(expired);
    report.mrz = Some(mrz);

    let verdict = if expired {
        Verdict::Reject {
            code: "DOCUMENT_EXPIRED",
            reason: "la pièce d'identité est expirée".into(),
        }
    } else if !birth_date_matches
        || last_name == NameAgreement::Different
        || first_name == NameAgreement::Different
    {
        Verdict::Reject {
            code: "IDENTITY_MISMATCH",
            reason: "le nom, le prénom ou la date de naissance ne correspondent pas à la pièce d'identité".into(),
        }
    } else {
        let doubtful = !kind_matches
            || last_name == NameAgreement::Likely
            || first_name == NameAgreement::Likely;
        Verdict::Review { flagged: doubtful }
    };
    (report, verdict)
}

/// An image ready for OCR: PNG or JPEG bytes (a PDF's first page is rendered first).
pub struct ImageForOcr {
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// Reads every image (the back first: cards carry their MRZ there) and assesses.
pub fn run(
    tesseract: &Path,
    pdftoppm: &Path,
    declared: &Declared,
    images: &[ImageForOcr],
    today: NaiveDate,
) -> (CheckReport, Verdict) {
    let mut texts = Vec::new();
    let mut tool_error = None;
    for image in images {
        let readable = if image.media_type == "application/pdf" {
            ocr::pdf_first_page(pdftoppm, &image.bytes)
        } else {
            Ok(image.bytes.clone())
        };
        match readable.and_then(|bytes| ocr::read_text(tesseract, &bytes)) {
            Ok(text) => texts.push(text),
            Err(error) => {
                tracing::warn!(%error, "identity image could not be read");
                tool_error = Some(error.to_string());
            }
        }
    }
    let (mut report, verdict) = assess(declared, &texts, today);
    if report.mrz.is_none() {
        if let Some(error) = tool_error {
            report.mrz_error = Some(error);
        }
    }
    (report, verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "IDFRAX4RTBPFW46<<<<<<<<<<<<<<<\n9005156F3101012FRA<<<<<<<<<<<0\nDARTAGNAN<<JEAN<LOIC<<<<<<<<<<";

    fn declared() -> Declared {
        Declared {
            document_type: DocumentType::IdentityCard,
            first_name: "Jean-Loïc".into(),
            last_name: "d'Artagnan".into(),
            birth_date: NaiveDate::from_ymd_opt(1990, 5, 15).unwrap(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_matching_valid_card_goes_to_review_unflagged() {
        let (report, verdict) = assess(&declared(), &["".into(), CARD.into()], today());
        assert_eq!(verdict, Verdict::Review { flagged: false });
        assert_eq!(report.birth_date_matches, Some(true));
        assert_eq!(report.expired, Some(false));
    }

    #[test]
    fn another_birth_date_or_name_is_rejected_at_once() {
        let mut other = declared();
        other.birth_date = NaiveDate::from_ymd_opt(1990, 5, 16).unwrap();
        assert!(matches!(
            assess(&other, &[CARD.into()], today()).1,
            Verdict::Reject {
                code: "IDENTITY_MISMATCH",
                ..
            }
        ));
        let mut other = declared();
        other.last_name = "Dupont".into();
        assert!(matches!(
            assess(&other, &[CARD.into()], today()).1,
            Verdict::Reject {
                code: "IDENTITY_MISMATCH",
                ..
            }
        ));
    }

    #[test]
    fn an_expired_document_is_rejected() {
        let later = NaiveDate::from_ymd_opt(2031, 1, 2).unwrap();
        assert!(matches!(
            assess(&declared(), &[CARD.into()], later).1,
            Verdict::Reject {
                code: "DOCUMENT_EXPIRED",
                ..
            }
        ));
    }

    #[test]
    fn an_unreadable_mrz_goes_to_the_operator_flagged() {
        let (report, verdict) = assess(&declared(), &["a blurry photo".into()], today());
        assert_eq!(verdict, Verdict::Review { flagged: true });
        assert!(report.mrz_error.is_some());
        let broken = CARD.replace("9005156", "9005158");
        let (report, verdict) = assess(&declared(), &[broken], today());
        assert_eq!(verdict, Verdict::Review { flagged: true });
        assert!(report.mrz_error.unwrap().contains("BirthDate"));
    }

    #[test]
    fn a_card_declared_as_passport_is_flagged() {
        let mut other = declared();
        other.document_type = DocumentType::Passport;
        assert_eq!(
            assess(&other, &[CARD.into()], today()).1,
            Verdict::Review { flagged: true }
        );
    }
}
