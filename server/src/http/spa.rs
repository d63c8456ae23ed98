//! The web app's files, as Trunk leaves them in `dist/` (`scripts/lib.sh`, `build_web`):
//! the back office at the top (`dist/index.html`) and the public bundle — login, the
//! signer's page, the phone's capture page — under `dist/public/`, so that a phone opening
//! an invitation downloads only the small one.
//!
//! Files are served precompressed (`.br`, `.gz` written next to them at build time) and
//! cached by name: assets whose name carries Trunk's content hash never change, so they are
//! `immutable` for a year; HTML and anything else is revalidated at every load (`no-cache`),
//! so a new release is picked up at once.

use std::convert::Infallible;
use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower::util::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

/// Paths the public bundle answers; every other page is the back office's.
const PUBLIC_PAGES: [&str; 6] = [
    "/connexion",
    "/invitation/",
    "/mot-de-passe-oublie",
    "/mot-de-passe/",
    "/signer/",
    "/capture/",
];
/// Where the public bundle lives inside `dist/`, and the URL prefix of its assets.
pub const PUBLIC_DIR: &str = "public";

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

pub fn is_public_page(path: &str) -> bool {
    PUBLIC_PAGES.iter().any(|page| {
        if page.ends_with('/') {
            path.starts_with(page)
        } else {
            path == *page
        }
    })
}

/// Whether the file's name carries Trunk's content hash (`name-<hex>.css`,
/// `name-<hex>.js`, `name-<hex>_bg.wasm`): its content never changes under that name.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    if !matches!(extension, "js" | "wasm" | "css") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The service behind every path no API route took: a file of `dist/` when there is one,
/// else the `index.html` of the bundle that owns the page (its router shows the page, or
/// says it does not exist).
pub fn router(dist: &Path) -> Router {
    let back_office = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let public = ServeFile::new(dist.join(PUBLIC_DIR).join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let page = tower::service_fn(move |request: Request| {
        let bundle = if is_public_page(request.uri().path()) {
            public.clone()
        } else {
            back_office.clone()
        };
        async move {
            bundle
                .oneshot(request)
                .await
                .map_err(|never: Infallible| match never {})
        }
    });
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(page);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_policy))
}

async fn cache_policy(request: Request, next: Next) -> Response {
    let immutable = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(
            header::CACHE_CONTROL,
            if immutable { IMMUTABLE } else { REVALIDATE },
        );
        // The same URL answers brotli, gzip or plain bytes: a shared cache must keep them
        // apart (tower-http does not say so for precompressed files).
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed_asset("/paraphe-web-3f2a9c0d11b2e4f5_bg.wasm"));
        assert!(is_hashed_asset(
            "/public/paraphe-public-3f2a9c0d11b2e4f5.js"
        ));
        assert!(is_hashed_asset("/style-9a8b7c6d5e4f3a2b.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/style.css"));
        assert!(!is_hashed_asset("/paraphe-web-notahash.js"));
        assert!(!is_hashed_asset("/collections/3f2a9c0d-11b2-e4f5"));
    }

    #[test]
    fn the_public_bundle_owns_login_signer_and_capture() {
        assert!(is_public_page("/connexion"));
        assert!(is_public_page("/signer/abc"));
        assert!(is_public_page("/capture/abc"));
        assert!(is_public_page("/mot-de-passe-oublie"));
        assert!(is_public_page("/mot-de-passe/abc"));
        assert!(is_public_page("/invitation/abc"));
        assert!(!is_public_page("/"));
        assert!(!is_public_page("/connexions"));
        assert!(!is_public_page("/collections/1"));
    }
}
