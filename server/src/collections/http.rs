//! Document downloads: by the signer's link, or by a preparer's session.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use paraphe_shared::{Delegation, ErrorCode};
use uuid::Uuid;

use crate::app::AppState;
use crate::cabinets::access::Need;
use crate::graphql::error::ApiError;
use crate::http::{authenticate, edge_error, session_token};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/signer/{token}/documents/{document_id}", get(signer_document))
        .route("/api/collections/{collection_id}/documents/{document_id}", get(preparer_document))
}

fn pdf(filename: &str, content: Vec<u8>) -> Response {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') { c } else { '_' }).collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{ascii}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        content,
    )
        .into_response()
}

fn error(error: ApiError) -> Response {
    let status = match error.code {
        ErrorCode::NotFound | ErrorCode::LinkInvalid => StatusCode::NOT_FOUND,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::CabinetNotOpen => StatusCode::FORBIDDEN,
        ErrorCode::CollectionClosed => StatusCode::GONE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    };
    edge_error(status, error.code, &error.message)
}

async fn signer_document(State(state): State<AppState>, Path((token, document_id)): Path<(String, Uuid)>) -> Response {
    match super::signer::document(&state.db, &token, document_id).await {
        Ok((filename, content)) => pdf(&filename, content),
        Err(e) => error(e.into()),
    }
}

async fn preparer_document(State(state): State<AppState>, headers: HeaderMap, Path((collection_id, document_id)): Path<(Uuid, Uuid)>) -> Response {
    let viewer = match authenticate(&state, session_token(&headers)).await {
        Ok(auth) => auth.0,
        Err(e) => return error(ApiError::internal(&e)),
    };
    let Some(viewer) = viewer else { return error(ApiError::unauthenticated()) };
    if let Err(e) = super::scoped(&state.db, viewer.user_id, collection_id, &[Need::Delegation(Delegation::Prepare)]).await {
        return error(e);
    }
    let row: Result<Option<(String, Option<Vec<u8>>)>, sqlx::Error> =
        sqlx::query_as("SELECT filename, content FROM collection_documents WHERE id = $1 AND collection_id = $2")
            .bind(document_id)
            .bind(collection_id)
            .fetch_optional(&state.db)
            .await;
    match row {
        Ok(Some((filename, Some(content)))) => pdf(&filename, content),
        Ok(Some((_, None))) => error(ApiError::new(ErrorCode::CollectionClosed, "documents supprimés un mois après la fin de la demande")),
        Ok(None) => error(ApiError::not_found()),
        Err(e) => error(ApiError::internal(&e)),
    }
}
