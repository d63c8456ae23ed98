//! Why a single sign-on (OpenID Connect) login did not go through: the stable code the
//! server puts in the login page's address (`/connexion?sso=STATE_EXPIRED`) and the app
//! says in words.
//!
//! Apart from [`crate::ErrorCode`] because these never travel in a GraphQL error: the
//! provider sends the browser back to the server, which can only answer with a redirect.
//! Like error codes, a code never changes meaning once released.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SsoFailure {
    /// Single sign-on is not configured on this instance.
    NotConfigured,
    /// The provider could not be reached (discovery or its keys).
    Unavailable,
    /// The person declined at the provider (`access_denied`).
    Denied,
    /// The provider answered another error.
    ProviderError,
    /// The answer names no login this server started (or carries no state or code).
    StateUnknown,
    /// The login was started more than ten minutes ago.
    StateExpired,
    /// The answer was already used once (a replay, or the back button).
    StateUsed,
    /// The login was started in another browser.
    BrowserMismatch,
    /// The provider refused to exchange the code for tokens.
    TokenExchangeFailed,
    /// The ID token is malformed or its signature does not verify with the provider's keys.
    TokenInvalid,
    /// The ID token was issued by another issuer.
    IssuerMismatch,
    /// The ID token was issued for another client.
    AudienceMismatch,
    /// The ID token has expired (or is not valid yet), beyond the clock skew allowed.
    TokenExpired,
    /// The ID token answers another login (nonce).
    NonceMismatch,
    /// The provider gave no email address.
    EmailMissing,
    /// The provider has not verified that the email belongs to the person: no account is
    /// opened, linked or made with it.
    EmailNotVerified,
    /// Something failed on our side; details are in the server log only.
    Internal,
}

impl SsoFailure {
    pub const ALL: &'static [SsoFailure] = &[
        SsoFailure::NotConfigured,
        SsoFailure::Unavailable,
        SsoFailure::Denied,
        SsoFailure::ProviderError,
        SsoFailure::StateUnknown,
        SsoFailure::StateExpired,
        SsoFailure::StateUsed,
        SsoFailure::BrowserMismatch,
        SsoFailure::TokenExchangeFailed,
        SsoFailure::TokenInvalid,
        SsoFailure::IssuerMismatch,
        SsoFailure::AudienceMismatch,
        SsoFailure::TokenExpired,
        SsoFailure::NonceMismatch,
        SsoFailure::EmailMissing,
        SsoFailure::EmailNotVerified,
        SsoFailure::Internal,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            SsoFailure::NotConfigured => "NOT_CONFIGURED",
            SsoFailure::Unavailable => "UNAVAILABLE",
            SsoFailure::Denied => "DENIED",
            SsoFailure::ProviderError => "PROVIDER_ERROR",
            SsoFailure::StateUnknown => "STATE_UNKNOWN",
            SsoFailure::StateExpired => "STATE_EXPIRED",
            SsoFailure::StateUsed => "STATE_USED",
            SsoFailure::BrowserMismatch => "BROWSER_MISMATCH",
            SsoFailure::TokenExchangeFailed => "TOKEN_EXCHANGE_FAILED",
            SsoFailure::TokenInvalid => "TOKEN_INVALID",
            SsoFailure::IssuerMismatch => "ISSUER_MISMATCH",
            SsoFailure::AudienceMismatch => "AUDIENCE_MISMATCH",
            SsoFailure::TokenExpired => "TOKEN_EXPIRED",
            SsoFailure::NonceMismatch => "NONCE_MISMATCH",
            SsoFailure::EmailMissing => "EMAIL_MISSING",
            SsoFailure::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            SsoFailure::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for SsoFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown single sign-on failure {0:?}")]
pub struct UnknownSsoFailure(pub String);

impl FromStr for SsoFailure {
    type Err = UnknownSsoFailure;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SsoFailure::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownSsoFailure(s.to_owned()))
    }
}

/// Whether `path` may follow a login: a path of this site only (`/…`), never another
/// origin (`//host`, `https://…`, a backslash some browsers read as a slash) nor control
/// characters. The server checks `return_to` with it, the login page its `suite`.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.len() <= 2048
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_round_trips_through_its_string() {
        for code in SsoFailure::ALL {
            assert_eq!(code.as_str().parse::<SsoFailure>().unwrap(), *code);
        }
        assert!("NOPE".parse::<SsoFailure>().is_err());
    }

    #[test]
    fn only_paths_of_this_site_follow_a_login() {
        assert!(is_local_path("/invitation/abc"));
        assert!(is_local_path("/collections/42?onglet=2"));
        assert!(is_local_path("/"));
        for outside in [
            "",
            "invitation",
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/a\nb",
            "javascript:alert(1)",
        ] {
            assert!(!is_local_path(outside), "{outside:?}");
        }
    }
}
