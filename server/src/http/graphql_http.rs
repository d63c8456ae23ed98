use std::net::SocketAddr;

use async_graphql::http::{GraphiQLSource, MultipartOptions};
use async_graphql::ParseRequestError;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use futures_util::TryStreamExt;
use paraphe_shared::ErrorCode;
use tokio_util::compat::TokioAsyncReadCompatExt;

use super::{
    authenticate, edge_error, request_meta, session_token, MAX_BODY_BYTES, MAX_FILE_BYTES,
};
use crate::app::AppState;

/// Header a multipart (upload) request must carry: browsers cannot add custom headers to
/// a cross-site form post without a CORS preflight, which we never grant.
pub const CSRF_HEADER: &str = "x-paraphe-csrf";

/// GraphiQL, where the configuration asks for it (development); `NOT_FOUND` otherwise.
pub async fn graphiql(State(state): State<AppState>) -> Response {
    if !state.config.graphiql {
        return edge_error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "GraphiQL n'est pas servi par cette instance",
        );
    }
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish(),
    )
    .into_response()
}

/// Only JSON, or multipart with the anti-CSRF header: a `text/plain` or form post, which
/// a hostile page can send with the user's cookie, never reaches GraphQL.
fn body_accepted(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => true,
        "multipart/form-data" => headers.get(CSRF_HEADER).is_some_and(|v| !v.is_empty()),
        _ => false,
    }
}

pub async fn graphql_post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    if !body_accepted(&headers) {
        return edge_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::CsrfRejected,
            "requête refusée : envoyez du JSON (application/json), ou du multipart avec l'en-tête x-paraphe-csrf",
        );
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return too_large();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Counted while streaming as well: a chunked body has no Content-Length to trust.
    let limited = Body::new(http_body_util::Limited::new(
        request.into_body(),
        MAX_BODY_BYTES,
    ));
    let reader = tokio_util::io::StreamReader::new(
        limited.into_data_stream().map_err(std::io::Error::other),
    )
    .compat();
    let options = MultipartOptions::default()
        .max_file_size(MAX_FILE_BYTES)
        .max_num_files(20);
    let parsed = async_graphql::http::receive_body(content_type, reader, options).await;
    let gql_request = match parsed {
        Ok(gql_request) => gql_request,
        Err(ParseRequestError::PayloadTooLarge) => return too_large(),
        Err(ParseRequestError::Io(error)) if error.to_string().contains("length limit") => {
            return too_large()
        }
        Err(ParseRequestError::UnsupportedBatch) => {
            return edge_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::Validation,
                "les requêtes groupées (batch) ne sont pas acceptées",
            )
        }
        Err(error) => {
            let message = format!("requête GraphQL illisible : {error}");
            return edge_error(StatusCode::BAD_REQUEST, ErrorCode::Validation, &message);
        }
    };
    let auth = match authenticate(&state, session_token(&headers)).await {
        Ok(auth) => auth,
        Err(error) => {
            tracing::error!(%error, "session lookup failed");
            return edge_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal,
                "service momentanément indisponible",
            );
        }
    };
    let meta = request_meta(&state, &headers, peer);
    let response = state
        .schema
        .execute(gql_request.data(auth).data(meta))
        .await;
    async_graphql_axum::GraphQLResponse::from(response).into_response()
}

fn too_large() -> Response {
    edge_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        "requête trop volumineuse (10 Mo au plus par fichier)",
    )
}
