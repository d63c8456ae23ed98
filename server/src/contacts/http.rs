//! The contacts' CSV export, a download for a member's session: `GET
//! /api/cabinets/{id}/contacts.csv` (a link in the app, which a GraphQL answer cannot be).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use paraphe_shared::Delegation;

use crate::app::AppState;
use crate::cabinets::access::{self, Need};
use crate::collections::http::error;
use crate::graphql::error::ApiError;
use crate::http::{authenticate, session_token};
use crate::ids::CabinetId;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/cabinets/{cabinet_id}/contacts.csv", get(export))
}

/// Every contact of the cabinet, for whoever may manage them (`prepare`), as a CSV file
/// Excel in French opens as is (`csv_file::write`).
async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(cabinet_id): Path<CabinetId>,
) -> Response {
    let viewer = match authenticate(&state, session_token(&headers)).await {
        Ok(auth) => auth.0,
        Err(e) => return error(ApiError::internal(&e)),
    };
    let Some(viewer) = viewer else {
        return error(ApiError::unauthenticated());
    };
    let scope = match access::check(
        &state.db,
        viewer.user_id,
        cabinet_id,
        &[Need::Delegation(Delegation::Prepare), Need::Open],
    )
    .await
    {
        Ok(scope) => scope,
        Err(e) => return error(e.into()),
    };
    let contacts = match super::all(&state.db, &scope).await {
        Ok(contacts) => contacts,
        Err(e) => return error(e.into()),
    };
    let day = chrono::Utc::now().format("%Y-%m-%d");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"contacts-{day}.csv\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        super::csv_file::write(&contacts),
    )
        .into_response()
}
