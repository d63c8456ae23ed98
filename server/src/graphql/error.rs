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

impl From<paraphe_shared::ValidationError> for ApiError {
    fn from(error: paraphe_shared::ValidationError) -> Self {
        ApiError::validation(error.to_string())
    }
}

use async_graphql::ErrorExtensions as _;
