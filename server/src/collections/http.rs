//! Document downloads: by the signer's link, or by a preparer's session.

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use paraphe_shared::{Delegation, ErrorCode};

use crate::app::AppState;
use crate::cabinets::access::Need;
use crate::graphql::error::ApiError;
use crate::http::{authenticate, edge_error, session_token};
use crate::ids::{CollectionId, DocumentId};

/// The resolution of the pages a signer reads (an A4 page: 1240 × 1754 pixels).
pub const SIGNER_PAGE_DPI: u32 = 150;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/signer/{token}/documents/{document_id}",
            get(signer_document),
        )
        .route(
            "/api/signer/{token}/documents/{document_id}/pages/{page}",
            get(signer_page),
        )
        .route(
            "/api/collections/{collection_id}/documents/{document_id}",
            get(preparer_document),
        )
        .route(
            "/api/collections/{collection_id}/documents/{document_id}/pages/{page}",
            get(page_preview),
        )
        .route(
            "/api/collections/{collection_id}/proof.zip",
            get(proof_file),
        )
}

fn pdf(filename: &str, content: Vec<u8>) -> Response {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{ascii}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        content,
    )
        .into_response()
}

pub(crate) fn error(error: ApiError) -> Response {
    let status = match error.code {
        ErrorCode::NotFound | ErrorCode::LinkInvalid => StatusCode::NOT_FOUND,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::CabinetNotOpen => StatusCode::FORBIDDEN,
        ErrorCode::CollectionClosed | ErrorCode::LinkExpired => StatusCode::GONE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    };
    edge_error(status, error.code, &error.message)
}

async fn signer_document(
    State(state): State<AppState>,
    Path((token, document_id)): Path<(String, DocumentId)>,
) -> Response {
    match super::signer::document(&state.db, &token, document_id).await {
        Ok(file) => pdf(&file.filename, file.content),
        Err(e) => error(e.into()),
    }
}

/// One of the collection's documents, for its preparer.
async fn stored_file(
    state: &AppState,
    collection_id: CollectionId,
    document_id: DocumentId,
) -> Result<super::StoredFile, super::CollectionError> {
    let mut conn = state.db.acquire().await?;
    super::stored_file(&mut conn, collection_id, document_id).await
}

/// The preparer's session, allowed to prepare in the collection's cabinet.
async fn preparer(
    state: &AppState,
    headers: &HeaderMap,
    collection_id: CollectionId,
) -> Result<crate::accounts::Viewer, Response> {
    let viewer = match authenticate(state, session_token(headers)).await {
        Ok(auth) => auth.0,
        Err(e) => return Err(error(ApiError::internal(&e))),
    };
    let Some(viewer) = viewer else {
        return Err(error(ApiError::unauthenticated()));
    };
    super::scoped(
        &state.db,
        viewer.user_id,
        collection_id,
        &[Need::Delegation(Delegation::Prepare)],
    )
    .await
    .map_err(|e| error(e.into()))?;
    Ok(viewer)
}

/// Whether a browser says the request comes from another site (`Sec-Fetch-Site`): a link on
/// a foreign page carries the session cookie on a top-level GET, and this GET writes to the
/// audit trail. A request without the header (a program, an old browser) is not judged.
fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| !matches!(site, "same-origin" | "none"))
}

/// The proof file (ZIP) of a collection, audited as a download.
async fn proof_file(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Path(collection_id): Path<CollectionId>,
) -> Response {
    if cross_site(&headers) {
        return edge_error(
            StatusCode::FORBIDDEN,
            ErrorCode::CsrfRejected,
            "téléchargement refusé : la demande vient d'un autre site",
        );
    }
    let viewer = match preparer(&state, &headers, collection_id).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let zip = match super::proof::build(
        &state.db,
        &state.pki,
        &super::proof::Sealer {
            name: state.config.platform_name.clone(),
            siren: state.config.platform_siren.clone(),
        },
        collection_id,
    )
    .await
    {
        Ok(zip) => zip,
        Err(e) => return error(e.into()),
    };
    let meta = crate::http::request_meta(&state, &headers, peer);
    if let Err(e) =
        super::proof::record_download(&state.db, collection_id, viewer.user_id, &meta).await
    {
        return error(e.into());
    }
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"preuve-{collection_id}.zip\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        zip,
    )
        .into_response()
}

/// A page as the signer reads it on a phone: a PNG at 150 dpi (no PDF viewer needed), the
/// phone's width at twice its pixels, so that the reader's zoom stays sharp.
async fn signer_page(
    State(state): State<AppState>,
    Path((token, document_id, page)): Path<(String, DocumentId, String)>,
) -> Response {
    let Some(page) = page
        .strip_suffix(".png")
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p >= 1)
    else {
        return error(ApiError::not_found());
    };
    let file = match super::signer::document(&state.db, &token, document_id).await {
        Ok(file) => file,
        Err(e) => return error(e.into()),
    };
    // A page the document does not have is not worth a renderer's run.
    if i64::from(page) > i64::from(file.pages) {
        return error(ApiError::not_found());
    }
    page_picture(&state, file.content, page, SIGNER_PAGE_DPI).await
}

/// Renders one page (PNG, or JPEG for a photograph); a page the document does not have is
/// `NOT_FOUND`.
async fn page_picture(state: &AppState, content: Vec<u8>, page: u32, dpi: u32) -> Response {
    let pdftoppm = state.config.pdftoppm.clone();
    match tokio::task::spawn_blocking(move || {
        crate::signing::preview::page_picture(&pdftoppm, &content, page, dpi)
    })
    .await
    {
        Ok(Ok(picture)) => (
            [
                (header::CONTENT_TYPE, picture.content_type),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            picture.bytes,
        )
            .into_response(),
        Ok(Err(detail)) => {
            tracing::warn!(%detail, page, "page rendering failed");
            error(ApiError::not_found())
        }
        Err(e) => error(ApiError::internal(&e)),
    }
}

/// A page of a document as a PNG at 72 dpi (a pixel per PDF point), where the preparer
/// places visible stamps.
async fn page_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((collection_id, document_id, page)): Path<(CollectionId, DocumentId, String)>,
) -> Response {
    if let Err(response) = preparer(&state, &headers, collection_id).await {
        return response;
    }
    let Some(page) = page
        .strip_suffix(".png")
        .and_then(|p| p.parse::<u32>().ok())
    else {
        return error(ApiError::not_found());
    };
    let file = match stored_file(&state, collection_id, document_id).await {
        Ok(file) => file,
        Err(e) => return error(e.into()),
    };
    if page < 1 || i64::from(page) > i64::from(file.pages) {
        return error(ApiError::not_found());
    }
    page_picture(&state, file.content, page, 72).await
}

async fn preparer_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((collection_id, document_id)): Path<(CollectionId, DocumentId)>,
) -> Response {
    if let Err(response) = preparer(&state, &headers, collection_id).await {
        return response;
    }
    match stored_file(&state, collection_id, document_id).await {
        Ok(file) => pdf(&file.filename, file.content),
        Err(e) => error(e.into()),
    }
}
