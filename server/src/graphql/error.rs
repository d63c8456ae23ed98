//! The one place where errors become GraphQL errors with a stable `extensions.code`.
//!
//! Domain modules keep their own `thiserror` enums and convert into [`ApiError`];
//! resolvers return `ApiResult`. `ApiError` deliberately has no `Display`, so the blanket
//! `impl From<T: Display> for async_graphql::Error` cannot turn it into a code-less error.

use paraphe_shared::ErrorCode;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "connexion requise")
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "vous n'avez pas les droits pour cette action",
        )
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "introuvable")
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }

    /// Logs the cause and its sources with an id and answers only that id: internals
    /// never leak.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        let incident = uuid::Uuid::new_v4();
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(inner) = source {
            chain.push_str(": ");
            chain.push_str(&inner.to_string());
            source = inner.source();
        }
        tracing::error!(%incident, error = %chain, "internal error");
        Self::new(
            ErrorCode::Internal,
            format!("erreur interne (incident {incident})"),
        )
    }

    pub fn into_graphql(self) -> async_graphql::Error {
        let code = self.code.as_str();
        async_graphql::Error::new(self.message).extend_with(|_, ext| ext.set("code", code))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        error.into_graphql()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::internal(&error)
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
            E::Invalid(_) => "ce fichier n'est pas un PDF lisible".to_owned(),
            E::Encrypted => "ce PDF est protégé par un mot de passe ou chiffré".to_owned(),
            E::TooLarge => "ce PDF dépasse 10 Mo".to_owned(),
            E::SigningForbidden => {
                "ce PDF est certifié sans aucune modification permise : il ne peut pas être signé"
                    .to_owned()
            }
            E::TimeStamp(_) => {
                "l'horodatage est indisponible : réessayez dans un instant".to_owned()
            }
            E::BadStamp(detail) => format!("cachet visible impossible : {detail}"),
            E::SignatureTooLarge | E::Crypto(_) => return ApiError::internal(&error),
        };
        ApiError::new(code, message)
    }
}

impl From<paraphe_shared::ValidationError> for ApiError {
    fn from(error: paraphe_shared::ValidationError) -> Self {
        ApiError::validation(error.to_string())
    }
}

use async_graphql::ErrorExtensions as _;
