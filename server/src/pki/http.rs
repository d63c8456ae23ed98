//! The PKI's public endpoints, for relying parties and outside tools:
//! `POST /pki/ocsp` and `GET /pki/ocsp/{base64 request}` (RFC 6960 Appendix A),
//! `GET /pki/{ca}.crl` (RFC 5280), `POST /pki/tsa` (RFC 3161), `GET /pki/{ca}.crt`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use der::Encode;

use super::{Ca, Pki};

/// Requests are small; anything bigger is not OCSP or a time-stamp request.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// Generic over the outer router's state: these routes carry their own.
pub fn routes<S: Clone + Send + Sync + 'static>(pki: Arc<Pki>) -> Router<S> {
    Router::new()
        .route("/pki/ocsp", post(ocsp_post))
        .route("/pki/ocsp/{*request}", get(ocsp_get))
        .route("/pki/tsa", post(tsa_post))
        .route("/pki/{file}", get(published))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(pki)
}

fn der(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case(expected)))
}

async fn ocsp_post(State(pki): State<Arc<Pki>>, headers: HeaderMap, body: Bytes) -> Response {
    if !content_type_is(&headers, "application/ocsp-request") {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/ocsp-request").into_response();
    }
    der("application/ocsp-response", pki.ocsp(&body).await)
}

async fn ocsp_get(State(pki): State<Arc<Pki>>, Path(encoded): Path<String>) -> Response {
    // The path is the base64 of the DER request, URL-encoded; axum has percent-decoded it.
    let encoded = encoded.trim_matches('/');
    let request = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(encoded))
        .unwrap_or_default();
    der("application/ocsp-response", pki.ocsp(&request).await)
}

async fn tsa_post(State(pki): State<Arc<Pki>>, headers: HeaderMap, body: Bytes) -> Response {
    if !content_type_is(&headers, "application/timestamp-query") {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/timestamp-query").into_response();
    }
    der("application/timestamp-reply", pki.time_stamp(&body))
}

/// `{ca}.crl` (a fresh CRL) or `{ca}.crt` (the CA's certificate), `tsa.crt` too.
async fn published(State(pki): State<Arc<Pki>>, Path(file): Path<String>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such file").into_response();
    let Some((name, extension)) = file.rsplit_once('.') else { return not_found() };
    match extension {
        "crl" => match name.parse::<Ca>() {
            Ok(ca) => match pki.crl(ca).await {
                Ok(crl) => der("application/pkix-crl", crl),
                Err(error) => {
                    tracing::error!(%error, "CRL generation failed");
                    (StatusCode::SERVICE_UNAVAILABLE, "CRL unavailable, retry").into_response()
                }
            },
            Err(_) => not_found(),
        },
        "crt" => {
            let certificate = match name {
                "tsa" => &pki.hierarchy.tsa.certificate,
                other => match other.parse::<Ca>() {
                    Ok(ca) => &pki.hierarchy.authority(ca).certificate,
                    Err(_) => return not_found(),
                },
            };
            match certificate.to_der() {
                Ok(bytes) => der("application/pkix-cert", bytes),
                Err(_) => not_found(),
            }
        }
        _ => not_found(),
    }
}
