use std::fmt;
use std::str::FromStr;

/// The stable codes carried in `extensions.code` of every GraphQL error.
///
/// Clients branch on these, so a code never changes meaning once released:
/// add new variants, never rename old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// No valid session or API key.
    Unauthenticated,
    /// Wrong email or password.
    InvalidCredentials,
    /// Authenticated, but not allowed to do this.
    Forbidden,
    /// The object does not exist, or belongs to a cabinet the caller cannot see.
    NotFound,
    /// An input failed validation; the message says which.
    Validation,
    /// The cabinet's accountant has not accepted the current terms yet.
    CabinetNotOpen,
    /// A state-changing request without the anti-CSRF guarantees.
    CsrfRejected,
    /// The request body is larger than allowed.
    PayloadTooLarge,
    /// Too many attempts; try again later.
    RateLimited,
    /// The query is too deep or too complex.
    QueryTooComplex,
    /// The file is not a readable PDF (or its structure is broken).
    PdfInvalid,
    /// The PDF is encrypted or password-protected.
    PdfEncrypted,
    /// The PDF is larger than 10 MB.
    PdfTooLarge,
    /// The PDF's certification forbids any change, signatures included.
    PdfSigningForbidden,
    /// The time-stamping authority did not answer.
    TimestampUnavailable,
    /// The visible stamp's page or rectangle is unusable.
    StampInvalid,
    /// Level 2 or 3 needs a signer who holds a certificate of that level.
    CertificateRequired,
    /// The cabinet's prepaid credit does not cover the operation; nothing was done.
    InsufficientCredit,
    /// The object's current state does not allow this (e.g. editing a launched collection).
    InvalidState,
    /// The collection is completed, refused, expired or cancelled: its links are dead.
    CollectionClosed,
    /// An invitation or download link that does not exist (forged, mistyped).
    LinkInvalid,
    /// The signer must first state they read and accept the documents.
    DocumentsNotAccepted,
    /// No live code: ask for one first.
    OtpNotSent,
    /// Wrong code; the message says how many tries are left.
    OtpInvalid,
    /// The code is older than its validity (30 minutes for signing).
    OtpExpired,
    /// Too many wrong codes: this code is dead, ask for a new one.
    OtpLocked,
    /// An identity document image is not a JPEG, PNG or PDF (judged from its bytes).
    IdentityFileInvalid,
    /// An identity document image is larger than 10 MB.
    IdentityFileTooLarge,
    /// The verification cannot be submitted before the images it needs are sent.
    IdentityImagesMissing,
    /// A link past its own validity: a signer's invitation or download link, or the
    /// phone capture hand-off.
    LinkExpired,
    /// A single-use link (phone capture hand-off) was already used.
    LinkUsed,
    /// The user must finish enrolment (identity, agreement, certificate) before signing.
    EnrolmentRequired,
    /// The certificate is revoked: it signs nothing more.
    CertificateRevoked,
    /// The cabinet was closed by the platform: nobody acts for it any more.
    CabinetClosed,
    /// The person invited already belongs to the cabinet.
    AlreadyMember,
    /// An invitation is already waiting for this email in this cabinet: resend or withdraw it.
    AlreadyInvited,
    /// The invitation is for another email than the logged-in account's.
    InvitationForAnotherAccount,
    /// Another contact of the cabinet has this email.
    ContactExists,
    /// The file cannot be read as contacts in CSV (empty, not text, no header row naming
    /// the columns); the message says which.
    CsvInvalid,
    /// The CSV file is larger than 5 MB or has more than 10 000 lines.
    CsvTooLarge,
    /// Something failed on our side; details are in the server log only.
    Internal,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Validation,
        ErrorCode::CabinetNotOpen,
        ErrorCode::CsrfRejected,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::QueryTooComplex,
        ErrorCode::PdfInvalid,
        ErrorCode::PdfEncrypted,
        ErrorCode::PdfTooLarge,
        ErrorCode::PdfSigningForbidden,
        ErrorCode::TimestampUnavailable,
        ErrorCode::StampInvalid,
        ErrorCode::CertificateRequired,
        ErrorCode::InsufficientCredit,
        ErrorCode::InvalidState,
        ErrorCode::CollectionClosed,
        ErrorCode::LinkInvalid,
        ErrorCode::DocumentsNotAccepted,
        ErrorCode::OtpNotSent,
        ErrorCode::OtpInvalid,
        ErrorCode::OtpExpired,
        ErrorCode::OtpLocked,
        ErrorCode::IdentityFileInvalid,
        ErrorCode::IdentityFileTooLarge,
        ErrorCode::IdentityImagesMissing,
        ErrorCode::LinkExpired,
        ErrorCode::LinkUsed,
        ErrorCode::EnrolmentRequired,
        ErrorCode::CertificateRevoked,
        ErrorCode::CabinetClosed,
        ErrorCode::AlreadyMember,
        ErrorCode::AlreadyInvited,
        ErrorCode::InvitationForAnotherAccount,
        ErrorCode::ContactExists,
        ErrorCode::CsvInvalid,
        ErrorCode::CsvTooLarge,
        ErrorCode::Internal,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::InvalidCredentials => "INVALID_CREDENTIALS",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Validation => "VALIDATION",
            ErrorCode::CabinetNotOpen => "CABINET_NOT_OPEN",
            ErrorCode::CsrfRejected => "CSRF_REJECTED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::PdfInvalid => "PDF_INVALID",
            ErrorCode::PdfEncrypted => "PDF_ENCRYPTED",
            ErrorCode::PdfTooLarge => "PDF_TOO_LARGE",
            ErrorCode::PdfSigningForbidden => "PDF_SIGNING_FORBIDDEN",
            ErrorCode::TimestampUnavailable => "TIMESTAMP_UNAVAILABLE",
            ErrorCode::StampInvalid => "STAMP_INVALID",
            ErrorCode::CertificateRequired => "CERTIFICATE_REQUIRED",
            ErrorCode::InsufficientCredit => "INSUFFICIENT_CREDIT",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::CollectionClosed => "COLLECTION_CLOSED",
            ErrorCode::LinkInvalid => "LINK_INVALID",
            ErrorCode::DocumentsNotAccepted => "DOCUMENTS_NOT_ACCEPTED",
            ErrorCode::OtpNotSent => "OTP_NOT_SENT",
            ErrorCode::OtpInvalid => "OTP_INVALID",
            ErrorCode::OtpExpired => "OTP_EXPIRED",
            ErrorCode::OtpLocked => "OTP_LOCKED",
            ErrorCode::IdentityFileInvalid => "IDENTITY_FILE_INVALID",
            ErrorCode::IdentityFileTooLarge => "IDENTITY_FILE_TOO_LARGE",
            ErrorCode::IdentityImagesMissing => "IDENTITY_IMAGES_MISSING",
            ErrorCode::LinkExpired => "LINK_EXPIRED",
            ErrorCode::LinkUsed => "LINK_USED",
            ErrorCode::EnrolmentRequired => "ENROLMENT_REQUIRED",
            ErrorCode::CertificateRevoked => "CERTIFICATE_REVOKED",
            ErrorCode::CabinetClosed => "CABINET_CLOSED",
            ErrorCode::AlreadyMember => "ALREADY_MEMBER",
            ErrorCode::AlreadyInvited => "ALREADY_INVITED",
            ErrorCode::InvitationForAnotherAccount => "INVITATION_FOR_ANOTHER_ACCOUNT",
            ErrorCode::ContactExists => "CONTACT_EXISTS",
            ErrorCode::CsvInvalid => "CSV_INVALID",
            ErrorCode::CsvTooLarge => "CSV_TOO_LARGE",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_string() {
        for code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>().unwrap(), *code);
        }
    }
}
