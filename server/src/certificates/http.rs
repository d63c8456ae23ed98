//! Downloads for the signed-in holder: their certificates (PEM) and their subscription
//! agreement (the text to sign, then the signed copy).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use der::EncodePem;
use uuid::Uuid;

use crate::accounts::Viewer;
use crate::app::AppState;
use crate::collections::http::error;
use crate::graphql::error::ApiError;
use crate::http::{authenticate, session_token};
use crate::ids::CertificateId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/certificates/{file}", get(certificate))
        .route("/api/enrolment/agreement.pdf", get(agreement))
}

async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Viewer, Response> {
    match authenticate(state, session_token(headers)).await {
        Ok(auth) => auth.0.ok_or_else(|| error(ApiError::unauthenticated())),
        Err(e) => Err(error(ApiError::internal(&e))),
    }
}

async fn certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let viewer = match viewer(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let Some(id) = file
        .strip_suffix(".pem")
        .and_then(|id| Uuid::parse_str(id).ok())
        .map(CertificateId::from_uuid)
    else {
        return error(ApiError::not_found());
    };
    let row = match super::owned(&state.db, viewer.user_id, id).await {
        Ok(row) => row,
        Err(e) => return error(e.into()),
    };
    let pem = match row.parsed().and_then(|c| {
        c.to_pem(der::pem::LineEnding::LF)
            .map_err(|e| super::CertificateError::Internal(e.into()))
    }) {
        Ok(pem) => pem,
        Err(e) => return error(e.into()),
    };
    (
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"certificat-{}.pem\"",
                    hex::encode_upper(&row.serial)
                ),
            ),
        ],
        pem,
    )
        .into_response()
}

async fn agreement(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let viewer = match viewer(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    match super::enrolment::agreement_pdf(&state.db, viewer.user_id).await {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"accord-de-souscription.pdf\"".to_owned(),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => error(e.into()),
    }
}
