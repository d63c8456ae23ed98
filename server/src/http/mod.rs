//! The HTTP edge: routes, and the protections async-graphql leaves to us (CSRF, body
//! size, WebSocket origin and authentication).

mod graphql_http;
mod health;
pub mod spa;
mod ws;

use std::net::SocketAddr;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use paraphe_shared::ErrorCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::accounts::sessions;
use crate::app::AppState;
use crate::graphql::context::{Authentication, RequestMeta};

/// Largest request body: one 10 MB document plus multipart overhead.
pub const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;
/// Largest single uploaded file the edge lets through. The product's limit (10 MB per PDF)
/// is checked by the domain, so that a PDF slightly over it gets `PDF_TOO_LARGE`; only a
/// body beyond what any accepted request needs is cut here with `PAYLOAD_TOO_LARGE`.
pub const MAX_FILE_BYTES: usize = MAX_BODY_BYTES;

pub fn routes(state: AppState) -> Router {
    let spa = spa::router(&state.config.dist_dir);
    Router::new()
        .route(
            "/graphql",
            get(graphql_http::graphiql).post(graphql_http::graphql_post),
        )
        .route("/graphql/ws", get(ws::graphql_ws))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(crate::pki::http::routes(
            state.pki.clone(),
            state.config.trust_proxy,
        ))
        .merge(crate::collections::http::routes())
        .merge(crate::contacts::http::routes())
        .merge(crate::identity::http::routes())
        .merge(crate::certificates::http::routes())
        .merge(crate::accounts::oidc::http::routes())
        .fallback_service(spa)
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// A request whose handler panicked gets a 500 with the usual error shape (and an incident
/// id in the log), instead of a dropped connection; the server and other requests go on.
fn panicked(detail: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = detail
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| detail.downcast_ref::<&str>().copied())
        .unwrap_or("?");
    let incident = uuid::Uuid::new_v4();
    tracing::error!(%incident, detail, "a request panicked");
    edge_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        &format!("erreur interne (incident {incident})"),
    )
}

/// A GraphQL-shaped error body for failures before GraphQL runs.
pub fn edge_error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub fn request_meta(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> RequestMeta {
    RequestMeta {
        ip: Some(
            crate::client_address::client_ip(state.config.trust_proxy, headers, peer).to_string(),
        ),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|ua| ua.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
    }
}

pub async fn authenticate(
    state: &AppState,
    session_token: Option<&str>,
) -> Result<Authentication, sqlx::Error> {
    match session_token {
        Some(token) => Ok(Authentication(sessions::lookup(&state.db, token).await?)),
        None => Ok(Authentication(None)),
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(sessions::token_from_cookie_header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_answers_500_with_a_code_and_no_detail() {
        let response = panicked(Box::new(String::from("secret detail")));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            body.contains("\"INTERNAL\"") && !body.contains("secret"),
            "{body}"
        );
    }
}
