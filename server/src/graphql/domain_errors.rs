//! Every domain error to its stable code (`extensions.code`) and message: the one place
//! where domains meet the API's vocabulary. Domains return their own errors and never
//! see `ApiError`; an internal cause goes to the log with its sources, never to clients.

use paraphe_shared::ErrorCode;

use super::error::ApiError;
use crate::accounts::AccountsError;
use crate::billing::BillingError;
use crate::cabinets::access::AccessError;
use crate::cabinets::invitations::InvitationError;
use crate::certificates::CertificateError;
use crate::collections::CollectionError;
use crate::contacts::csv_file::CsvError;
use crate::contacts::ContactError;
use crate::identity::IdentityError;
use crate::platform::PlatformError;

/// A cabinet the viewer does not belong to is `NOT_FOUND`, as if it did not exist.
impl From<AccessError> for ApiError {
    fn from(error: AccessError) -> Self {
        let code = match &error {
            AccessError::NotFound => ErrorCode::NotFound,
            AccessError::AccountantOnly | AccessError::DelegationRequired(_) => {
                ErrorCode::Forbidden
            }
            AccessError::NotOpen => ErrorCode::CabinetNotOpen,
            AccessError::Closed => ErrorCode::CabinetClosed,
            AccessError::Database(e) => return ApiError::internal(e),
        };
        ApiError::new(code, error.to_string())
    }
}

/// The signing engine's errors carry the stable code clients branch on (`PDF_INVALID`,
/// `STAMP_INVALID`, …); anything it calls internal stays internal.
/// The messages are French, as every message of the API; the engine's own are English.
impl From<paraphe_pades::PdfError> for ApiError {
    fn from(error: paraphe_pades::PdfError) -> Self {
        use paraphe_pades::PdfError as E;
        let code = match error.code().parse::<ErrorCode>() {
            Ok(ErrorCode::Internal) | Err(_) => return ApiError::internal(&error),
            Ok(code) => code,
        };
        let message = match &error {
            E::Invalid(detail) => format!("ce fichier n'est pas un PDF lisible : {detail}"),
            E::Encrypted => "ce PDF est protégé par un mot de passe ou chiffré".to_owned(),
            E::TooLarge => "ce PDF dépasse 10 Mo".to_owned(),
            E::SigningForbidden => {
                "ce PDF est certifié sans aucune modification permise : il ne peut pas être signé"
                    .to_owned()
            }
            E::TimeStamp(cause) => format!("l'horodatage est indisponible : {cause}"),
            E::BadStamp(detail) => format!("cachet visible impossible : {detail}"),
            E::SignatureTooLarge | E::Crypto(_) => return ApiError::internal(&error),
        };
        ApiError::new(code, message)
    }
}

impl From<AccountsError> for ApiError {
    fn from(error: AccountsError) -> Self {
        match error {
            AccountsError::InvalidCredentials => {
                ApiError::new(ErrorCode::InvalidCredentials, error.to_string())
            }
            AccountsError::TooManyAttempts => {
                ApiError::new(ErrorCode::RateLimited, error.to_string())
            }
            AccountsError::EmailTaken | AccountsError::Invalid(_) => {
                ApiError::validation(error.to_string())
            }
            AccountsError::LinkInvalid => ApiError::new(ErrorCode::LinkInvalid, error.to_string()),
            AccountsError::LinkExpired => ApiError::new(ErrorCode::LinkExpired, error.to_string()),
            AccountsError::LinkUsed => ApiError::new(ErrorCode::LinkUsed, error.to_string()),
            AccountsError::Database(e) => ApiError::internal(&e),
            AccountsError::Hashing(_) => ApiError::internal(&error),
        }
    }
}
impl From<BillingError> for ApiError {
    fn from(error: BillingError) -> Self {
        match error {
            BillingError::InsufficientCredit { .. } => {
                ApiError::new(ErrorCode::InsufficientCredit, error.to_string())
            }
            BillingError::NotPositive => ApiError::validation(error.to_string()),
            BillingError::Database(e) => ApiError::internal(&e),
            BillingError::Export(e) => ApiError::internal(&e),
        }
    }
}
impl From<CertificateError> for ApiError {
    fn from(error: CertificateError) -> Self {
        let error = match error {
            CertificateError::Billing(e) => return e.into(),
            CertificateError::Database(e) => return ApiError::internal(&e),
            CertificateError::Internal(e) => return ApiError::internal(&*e),
            other => other,
        };
        let code = match &error {
            CertificateError::NotFound => ErrorCode::NotFound,
            CertificateError::Validation(_) => ErrorCode::Validation,
            CertificateError::InvalidState(_) => ErrorCode::InvalidState,
            CertificateError::EnrolmentRequired => ErrorCode::EnrolmentRequired,
            CertificateError::Revoked => ErrorCode::CertificateRevoked,
            CertificateError::OtpNotSent => ErrorCode::OtpNotSent,
            CertificateError::OtpInvalid(_) => ErrorCode::OtpInvalid,
            CertificateError::OtpExpired => ErrorCode::OtpExpired,
            CertificateError::OtpLocked => ErrorCode::OtpLocked,
            CertificateError::TooManyCodes => ErrorCode::RateLimited,
            CertificateError::MayNotSpend => ErrorCode::Forbidden,
            CertificateError::CabinetNotOpen => ErrorCode::CabinetNotOpen,
            CertificateError::Billing(_)
            | CertificateError::Database(_)
            | CertificateError::Internal(_) => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}
impl From<IdentityError> for ApiError {
    fn from(error: IdentityError) -> Self {
        let code = match &error {
            IdentityError::Database(e) => return ApiError::internal(e),
            IdentityError::Internal(e) => return ApiError::internal(&**e),
            IdentityError::NotFound => ErrorCode::NotFound,
            IdentityError::Validation(_) => ErrorCode::Validation,
            IdentityError::InvalidState(_) => ErrorCode::InvalidState,
            IdentityError::FileInvalid => ErrorCode::IdentityFileInvalid,
            IdentityError::FileTooLarge => ErrorCode::IdentityFileTooLarge,
            IdentityError::ImagesMissing(_) => ErrorCode::IdentityImagesMissing,
            IdentityError::LinkInvalid => ErrorCode::LinkInvalid,
            IdentityError::LinkExpired => ErrorCode::LinkExpired,
            IdentityError::LinkUsed => ErrorCode::LinkUsed,
            IdentityError::Forbidden => ErrorCode::Forbidden,
        };
        ApiError::new(code, error.to_string())
    }
}
impl From<CollectionError> for ApiError {
    fn from(error: CollectionError) -> Self {
        let error = match error {
            CollectionError::Pdf(e) => return e.into(),
            CollectionError::Access(e) => return e.into(),
            CollectionError::Billing(e) => return e.into(),
            CollectionError::Certificate(e) => return e.into(),
            CollectionError::Database(e) => return ApiError::internal(&e),
            CollectionError::Internal(e) => return ApiError::internal(&*e),
            other => other,
        };
        let code = match &error {
            CollectionError::NotFound => ErrorCode::NotFound,
            CollectionError::InvalidState(_) => ErrorCode::InvalidState,
            CollectionError::Closed(_) | CollectionError::Purged => ErrorCode::CollectionClosed,
            CollectionError::LinkInvalid => ErrorCode::LinkInvalid,
            CollectionError::LinkExpired => ErrorCode::LinkExpired,
            CollectionError::Validation(_) => ErrorCode::Validation,
            CollectionError::CertificateRequired(_) | CollectionError::QualifiedForMembersOnly => {
                ErrorCode::CertificateRequired
            }
            CollectionError::NotAccepted => ErrorCode::DocumentsNotAccepted,
            CollectionError::OtpNotSent => ErrorCode::OtpNotSent,
            CollectionError::OtpInvalid(_) => ErrorCode::OtpInvalid,
            CollectionError::OtpExpired => ErrorCode::OtpExpired,
            CollectionError::OtpLocked => ErrorCode::OtpLocked,
            CollectionError::TooManyCodes => ErrorCode::RateLimited,
            CollectionError::Pdf(_)
            | CollectionError::Access(_)
            | CollectionError::Billing(_)
            | CollectionError::Certificate(_)
            | CollectionError::Database(_)
            | CollectionError::Internal(_) => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<PlatformError> for ApiError {
    fn from(error: PlatformError) -> Self {
        let code = match &error {
            PlatformError::NotAdmin => ErrorCode::Forbidden,
            PlatformError::NotFound => ErrorCode::NotFound,
            PlatformError::SirenTaken | PlatformError::Invalid(_) => ErrorCode::Validation,
            PlatformError::CollectionsRunning | PlatformError::AlreadyClosed => {
                ErrorCode::InvalidState
            }
            PlatformError::Database(e) => return ApiError::internal(e),
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<InvitationError> for ApiError {
    fn from(error: InvitationError) -> Self {
        let error = match error {
            InvitationError::Accounts(e) => return e.into(),
            InvitationError::Database(e) => return ApiError::internal(&e),
            other => other,
        };
        let code = match &error {
            InvitationError::AlreadyMember => ErrorCode::AlreadyMember,
            InvitationError::AlreadyInvited => ErrorCode::AlreadyInvited,
            InvitationError::TooManySends => ErrorCode::RateLimited,
            InvitationError::NotFound => ErrorCode::NotFound,
            InvitationError::LinkInvalid => ErrorCode::LinkInvalid,
            InvitationError::LinkExpired => ErrorCode::LinkExpired,
            InvitationError::LinkUsed => ErrorCode::LinkUsed,
            InvitationError::CabinetClosed => ErrorCode::CabinetClosed,
            InvitationError::OtherAccount { .. } => ErrorCode::InvitationForAnotherAccount,
            // The page offers to log in instead; a race with another sign-up lands here.
            InvitationError::AccountExists | InvitationError::Invalid(_) => ErrorCode::Validation,
            InvitationError::Accounts(_) | InvitationError::Database(_) => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}
impl From<ContactError> for ApiError {
    fn from(error: ContactError) -> Self {
        let error = match error {
            ContactError::Access(e) => return e.into(),
            ContactError::Database(e) => return ApiError::internal(&e),
            other => other,
        };
        let code = match &error {
            ContactError::NotFound => ErrorCode::NotFound,
            ContactError::Invalid(_) => ErrorCode::Validation,
            ContactError::EmailTaken(_) => ErrorCode::ContactExists,
            ContactError::Csv(CsvError::TooLarge | CsvError::TooManyLines) => {
                ErrorCode::CsvTooLarge
            }
            ContactError::Csv(
                CsvError::Empty
                | CsvError::NotText
                | CsvError::NoHeader
                | CsvError::Malformed { .. },
            ) => ErrorCode::CsvInvalid,
            ContactError::Access(_) | ContactError::Database(_) => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}
