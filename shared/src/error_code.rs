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
