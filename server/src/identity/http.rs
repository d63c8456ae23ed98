//! The operators' view of identity images (streamed decrypted, never cached, each view
//! recorded in the verification's log) and the external provider's callback.

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::ImageSide;
use crate::app::AppState;
use crate::collections::http::error;
use crate::graphql::error::ApiError;
use crate::http::{authenticate, session_token};
use crate::ids::VerificationId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/identity/{verification_id}/images/{side}", get(image))
        .route(
            "/api/identity/provider/callback",
            axum::routing::post(provider_callback),
        )
}

async fn image(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Path((verification_id, side)): Path<(VerificationId, String)>,
) -> Response {
    let viewer = match authenticate(&state, session_token(&headers)).await {
        Ok(auth) => auth.0,
        Err(e) => return error(ApiError::internal(&e)),
    };
    let Some(viewer) = viewer else {
        return error(ApiError::unauthenticated());
    };
    let Some(side) = ImageSide::parse(&side) else {
        return error(ApiError::not_found());
    };
    let meta = crate::http::request_meta(&state, &headers, peer);
    match super::verification::image_for_operator(
        &state.db,
        &state.config.key_encryption_key,
        viewer.user_id,
        verification_id,
        side,
        &meta,
    )
    .await
    {
        Ok((media_type, bytes)) => (
            [
                (header::CONTENT_TYPE, media_type),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error(e.into()),
    }
}

/// The external service's decision: signed with the shared secret, or refused untouched.
async fn provider_callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let signature = headers
        .get(super::provider::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    if state.config.identity_provider_url.is_none()
        || !super::provider::verify(
            state.config.identity_webhook_secret.expose(),
            &body,
            signature,
        )
    {
        return error(ApiError::new(
            paraphe_shared::ErrorCode::Forbidden,
            "signature invalide",
        ));
    }
    let callback: super::provider::Callback = match serde_json::from_slice(&body) {
        Ok(callback) => callback,
        Err(e) => return error(ApiError::validation(format!("corps illisible : {e}"))),
    };
    let meta = crate::http::request_meta(&state, &headers, peer);
    match super::provider::decide(&state.db, &state.bus, &state.config, callback, &meta).await {
        Ok(row) => {
            state.notifier.wake();
            axum::Json(
                serde_json::json!({ "verificationId": row.id, "status": row.status.as_str() }),
            )
            .into_response()
        }
        Err(e) => error(e.into()),
    }
}
