//! The PKI's public endpoints, for relying parties and outside tools:
//! `POST /pki/ocsp` and `GET /pki/ocsp/{base64 request}` (RFC 6960 Appendix A),
//! `GET /pki/{ca}.crl` (RFC 5280), `POST /pki/tsa` (RFC 3161), `GET /pki/{ca}.crt`.
//!
//! Anyone may call them, so each answer that costs a private-key signature (OCSP, time
//! stamps) is paid for out of a per-client budget (`429` with `Retry-After` beyond it) and
//! signed on the blocking pool, at most [`SIGNING_AT_ONCE`] at a time: a flood from one
//! address neither starves the async threads that serve everybody else nor queues without
//! end.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use der::Encode;

use super::{ocsp, Ca, Pki};

/// Requests are small; anything bigger is not OCSP or a time-stamp request.
const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// Signed answers one address gets per second, sustained; a validator checking a
/// document asks a handful at once, hence the burst.
const SIGNED_PER_SECOND: u32 = 20;
const SIGNED_BURST: u32 = 60;
/// Signatures made at the same time for outside callers: about one per core.
pub const SIGNING_AT_ONCE: usize = 2;
/// How long a request waits for a signing slot before being told to come back.
const SIGNING_QUEUE_WAIT: Duration = Duration::from_secs(5);
/// Addresses remembered before the idle ones are forgotten.
const REMEMBERED_CLIENTS: usize = 10_000;

type ClientBudgets = governor::DefaultKeyedRateLimiter<IpAddr>;

struct PkiEdge {
    pki: Arc<Pki>,
    trust_proxy: bool,
    budgets: ClientBudgets,
    signing: tokio::sync::Semaphore,
}

impl PkiEdge {
    /// The `429` to send when the client has spent its budget, `None` to go on.
    fn spend(&self, headers: &HeaderMap, peer: SocketAddr) -> Option<Response> {
        let client = crate::client_address::client_ip(self.trust_proxy, headers, peer);
        if self.budgets.len() > REMEMBERED_CLIENTS {
            self.budgets.retain_recent();
        }
        self.budgets.check_key(&client).err().map(|not_until| {
            use governor::clock::Clock as _;
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, seconds.max(1).to_string())],
                "too many requests from this address, retry later",
            )
                .into_response()
        })
    }

    /// Runs `sign` on the blocking pool once a signing slot is free; `None` when none
    /// frees up in time (or the signing panicked): the caller answers "try later".
    async fn sign_off_thread<T: Send + 'static>(
        &self,
        sign: impl FnOnce(&Pki) -> T + Send + 'static,
    ) -> Option<T> {
        let _slot = tokio::time::timeout(SIGNING_QUEUE_WAIT, self.signing.acquire())
            .await
            .ok()?
            .ok()?;
        let pki = self.pki.clone();
        tokio::task::spawn_blocking(move || sign(&pki)).await.ok()
    }
}

/// Generic over the outer router's state: these routes carry their own. `trust_proxy`
/// as in the configuration: whose address a request is counted against.
pub fn routes<S: Clone + Send + Sync + 'static>(pki: Arc<Pki>, trust_proxy: bool) -> Router<S> {
    let quota =
        governor::Quota::per_second(NonZeroU32::new(SIGNED_PER_SECOND).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(SIGNED_BURST).unwrap_or(NonZeroU32::MIN));
    let edge = PkiEdge {
        pki,
        trust_proxy,
        budgets: governor::RateLimiter::keyed(quota),
        signing: tokio::sync::Semaphore::new(SIGNING_AT_ONCE),
    };
    Router::new()
        .route("/pki/ocsp", post(ocsp_post))
        .route("/pki/ocsp/{*request}", get(ocsp_get))
        .route("/pki/tsa", post(tsa_post))
        .route("/pki/{file}", get(published))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(Arc::new(edge))
}

fn der(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(expected))
        })
}

async fn ocsp_post(
    State(edge): State<Arc<PkiEdge>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !content_type_is(&headers, "application/ocsp-request") {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/ocsp-request",
        )
            .into_response();
    }
    answer_ocsp(&edge, &headers, peer, &body).await
}

async fn ocsp_get(
    State(edge): State<Arc<PkiEdge>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(encoded): Path<String>,
) -> Response {
    // The path is the base64 of the DER request, URL-encoded; axum has percent-decoded it.
    let encoded = encoded.trim_matches('/');
    let request = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(encoded))
        .unwrap_or_default();
    answer_ocsp(&edge, &headers, peer, &request).await
}

async fn answer_ocsp(
    edge: &PkiEdge,
    headers: &HeaderMap,
    peer: SocketAddr,
    request: &[u8],
) -> Response {
    if let Some(too_many) = edge.spend(headers, peer) {
        return too_many;
    }
    let (query, states) = match edge.pki.ocsp_lookup(request).await {
        Ok(found) => found,
        Err(error_response) => return der("application/ocsp-response", error_response),
    };
    let answer = edge
        .sign_off_thread(move |pki| pki.ocsp_answer(&query, &states))
        .await;
    der(
        "application/ocsp-response",
        answer.unwrap_or_else(ocsp::try_later),
    )
}

async fn tsa_post(
    State(edge): State<Arc<PkiEdge>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !content_type_is(&headers, "application/timestamp-query") {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/timestamp-query",
        )
            .into_response();
    }
    if let Some(too_many) = edge.spend(&headers, peer) {
        return too_many;
    }
    match edge.sign_off_thread(move |pki| pki.time_stamp(&body)).await {
        Some(reply) => der("application/timestamp-reply", reply),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "the time-stamping unit is busy, retry",
        )
            .into_response(),
    }
}

/// `{ca}.crl` (a fresh CRL) or `{ca}.crt` (the CA's certificate), `tsa.crt` too.
async fn published(State(edge): State<Arc<PkiEdge>>, Path(file): Path<String>) -> Response {
    let pki = &edge.pki;
    let not_found = || (StatusCode::NOT_FOUND, "no such file").into_response();
    let Some((name, extension)) = file.rsplit_once('.') else {
        return not_found();
    };
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
