//! `GET /auth/oidc/login` and `GET /auth/oidc/callback`: the browser's two stops on its
//! way through the provider. Both end in a redirect: to the provider, to the page the
//! login was for, or to the login page with a stable code (`/connexion?sso=STATE_EXPIRED`,
//! `paraphe_shared::SsoFailure`) that the app says in words. API layer: the one place
//! where [`SsoError`]s meet those codes.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use paraphe_shared::SsoFailure;

use super::{SsoError, CALLBACK_PATH, LOGIN_MINUTES, LOGIN_PATH};
use crate::accounts::sessions;
use crate::app::AppState;

/// Ties a pending login to the browser that started it (login CSRF: an attacker's answer
/// opened in a victim's browser is refused). Sent only to `/auth/oidc`; `SameSite=Lax`
/// still sends it on the provider's top-level redirect back.
const BROWSER_COOKIE: &str = "paraphe_sso";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(LOGIN_PATH, get(login))
        .route(CALLBACK_PATH, get(callback))
}

/// The first value of each parameter we read; the rest of the query is ignored, and a
/// malformed one reads as absent (then `STATE_UNKNOWN`) rather than a bare 400.
fn param(raw: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
}

fn browser_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == BROWSER_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let return_to = param(query.as_deref(), "return_to");
    match state
        .sso
        .begin(&state.db, return_to.as_deref(), browser_cookie(&headers))
        .await
    {
        Ok(begun) => {
            let secure = if state.config.secure_cookies() {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{BROWSER_COOKIE}={}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                begun.browser,
                LOGIN_MINUTES * 60
            );
            (
                AppendHeaders([(header::SET_COOKIE, cookie)]),
                Redirect::to(&begun.authorization_url),
            )
                .into_response()
        }
        Err(error) => failed(&error, return_to.as_deref()),
    }
}

async fn callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.as_deref();
    let provider_error = param(query, "error");
    let Some(login_state) = param(query, "state") else {
        let error = match provider_error {
            Some(error) => SsoError::Provider {
                error,
                description: param(query, "error_description"),
            },
            None => SsoError::StateUnknown,
        };
        return failed(&error, None);
    };
    // The login is taken first, whatever the answer: its state is spent either way.
    let login = match state
        .sso
        .take(&state.db, &login_state, browser_cookie(&headers))
        .await
    {
        Ok(login) => login,
        Err(error) => {
            let return_to = state.sso.return_to_of(&state.db, &login_state).await;
            return failed(&error, return_to.as_deref());
        }
    };
    let return_to = login.return_to.as_deref();
    if let Some(error) = provider_error {
        let error = SsoError::Provider {
            error,
            description: param(query, "error_description"),
        };
        return failed(&error, return_to);
    }
    // RFC 9207: a provider that names itself must be ours (mix-up attacks).
    if let (Some(iss), Some(configured)) = (param(query, "iss"), &state.config.oidc) {
        if iss != configured.issuer {
            return failed(&SsoError::IssuerMismatch(iss), return_to);
        }
    }
    let Some(code) = param(query, "code") else {
        let error = SsoError::Provider {
            error: "no code".into(),
            description: None,
        };
        return failed(&error, return_to);
    };
    let meta = crate::http::request_meta(&state, &headers, peer);
    match state
        .sso
        .finish(&state.db, &login, &code, state.config.session_hours, &meta)
        .await
    {
        Ok(signed_in) => {
            tracing::info!(user = %signed_in.user_id, account = ?signed_in.account, "single sign-on login");
            let cookie = sessions::set_cookie(
                &signed_in.session_token,
                state.config.session_hours,
                state.config.secure_cookies(),
            );
            (
                AppendHeaders([(header::SET_COOKIE, cookie)]),
                Redirect::to(return_to.unwrap_or("/")),
            )
                .into_response()
        }
        Err(error) => failed(&error, return_to),
    }
}

/// The stable code of each failure.
pub fn failure(error: &SsoError) -> SsoFailure {
    match error {
        SsoError::NotConfigured => SsoFailure::NotConfigured,
        SsoError::Unavailable(_) => SsoFailure::Unavailable,
        SsoError::Provider { error, .. } if error == "access_denied" => SsoFailure::Denied,
        SsoError::Provider { .. } | SsoError::UserInfo(_) => SsoFailure::ProviderError,
        SsoError::StateUnknown => SsoFailure::StateUnknown,
        SsoError::StateExpired => SsoFailure::StateExpired,
        SsoError::StateUsed => SsoFailure::StateUsed,
        SsoError::BrowserMismatch => SsoFailure::BrowserMismatch,
        SsoError::TokenExchange(_) => SsoFailure::TokenExchangeFailed,
        SsoError::TokenInvalid(_) => SsoFailure::TokenInvalid,
        SsoError::IssuerMismatch(_) => SsoFailure::IssuerMismatch,
        SsoError::AudienceMismatch(_) => SsoFailure::AudienceMismatch,
        SsoError::TokenExpired(_) => SsoFailure::TokenExpired,
        SsoError::NonceMismatch(_) => SsoFailure::NonceMismatch,
        SsoError::EmailMissing => SsoFailure::EmailMissing,
        SsoError::EmailNotVerified => SsoFailure::EmailNotVerified,
        SsoError::Database(_) => SsoFailure::Internal,
    }
}

/// Back to the login page with the failure's code (and the page the login was for, so
/// that trying again leads there); the cause goes to the log with its sources.
fn failed(error: &SsoError, return_to: Option<&str>) -> Response {
    let code = failure(error);
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    match code {
        SsoFailure::Internal => {
            let incident = uuid::Uuid::new_v4();
            tracing::error!(%incident, error = %error, ?causes, "single sign-on failed");
        }
        // What a person does (declining, a stale tab) is not a warning.
        SsoFailure::Denied | SsoFailure::StateExpired | SsoFailure::StateUsed => {
            tracing::info!(code = code.as_str(), error = %error, "single sign-on did not complete");
        }
        _ => {
            tracing::warn!(code = code.as_str(), error = %error, ?causes, "single sign-on refused")
        }
    }
    let mut location = format!("/connexion?sso={}", code.as_str());
    if let Some(path) = return_to.filter(|path| paraphe_shared::sso::is_local_path(path)) {
        location.push_str("&suite=");
        location.extend(url::form_urlencoded::byte_serialize(path.as_bytes()));
    }
    Redirect::to(&location).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_provider_says_cannot_forge_a_log_line() {
        let error = SsoError::Provider {
            error: "access_denied\n2026-12-01 INFO admin logged in".into(),
            description: Some("no\r\nthanks".into()),
        };
        let logged = error.to_string();
        assert!(!logged.contains('\n') && !logged.contains('\r'), "{logged}");
        assert!(logged.contains("access_denied"));
    }

    #[test]
    fn parameters_are_read_once_and_decoded() {
        let raw = Some("code=a%2Bb&state=s1&state=s2&error=");
        assert_eq!(param(raw, "code").as_deref(), Some("a+b"));
        assert_eq!(param(raw, "state").as_deref(), Some("s1"));
        assert_eq!(param(raw, "error"), None, "empty reads as absent");
        assert_eq!(param(None, "code"), None);
    }

    #[test]
    fn the_browser_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "paraphe_session=x; paraphe_sso=abc".parse().unwrap(),
        );
        assert_eq!(browser_cookie(&headers), Some("abc"));
    }

    #[test]
    fn a_failure_goes_back_to_the_login_page_with_its_code_and_page() {
        let response = failed(&SsoError::StateExpired, Some("/invitation/t0k"));
        assert_eq!(
            response.headers()[header::LOCATION],
            "/connexion?sso=STATE_EXPIRED&suite=%2Finvitation%2Ft0k"
        );
        let response = failed(&SsoError::StateUnknown, Some("https://evil.example/"));
        assert_eq!(
            response.headers()[header::LOCATION],
            "/connexion?sso=STATE_UNKNOWN"
        );
    }
}
