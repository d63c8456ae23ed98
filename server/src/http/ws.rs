//! GraphQL subscriptions over WebSocket (`graphql-transport-ws`).
//!
//! We read the `connection_init` message ourselves before async-graphql sees the
//! connection: to authenticate it (session cookie of the upgrade request, or a `token`
//! in the init payload) and close with 4401 when that fails, and to close with 4408 when
//! no init arrives in time. async-graphql then runs the protocol with the viewer's data.

use std::net::SocketAddr;

use async_graphql::http::{WebSocketProtocols, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Data;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{stream, SinkExt, StreamExt};
use paraphe_shared::ErrorCode;

use super::{authenticate, edge_error, request_meta, session_token};
use crate::app::AppState;
use crate::request_meta::RequestMeta;

pub const CLOSE_UNAUTHORIZED: u16 = 4401;
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;
/// Largest message a client may send: a GraphQL document is at most 32 KB
/// (`graphql::guard`); the HTTP edge's 12 MB is for uploads, which never come this way.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// How often an idle socket checks that its session still lives (a logout elsewhere, an
/// expiry): each message the client sends is checked as well.
const SESSION_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

pub async fn graphql_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return edge_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::Validation,
            "sous-protocole WebSocket attendu : graphql-transport-ws",
        );
    };
    // A browser always sends Origin; a foreign page must not ride on the user's cookie.
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| state.config.origin_allowed(origin, host));
        if !allowed {
            return edge_error(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "origine non autorisée",
            );
        }
    }
    let cookie_token = session_token(&headers).map(str::to_owned);
    let meta = request_meta(&state, &headers, peer);
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, state, protocol, cookie_token, meta))
        .into_response()
}

async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: WebSocketProtocols,
    cookie_token: Option<String>,
    meta: RequestMeta,
) {
    let (mut sink, mut incoming) = socket.split();

    let first =
        match tokio::time::timeout(state.config.ws_init_timeout, next_data(&mut incoming)).await {
            Ok(Some(first)) => first,
            Ok(None) => return,
            Err(_) => {
                let _ = sink
                    .send(close(
                        CLOSE_INIT_TIMEOUT,
                        "Connection initialisation timeout",
                    ))
                    .await;
                return;
            }
        };
    let init: serde_json::Value = serde_json::from_slice(&first).unwrap_or_default();
    if init.get("type").and_then(|t| t.as_str()) != Some("connection_init") {
        let _ = sink.send(close(CLOSE_UNAUTHORIZED, "Unauthorized")).await;
        return;
    }
    let payload_token = init
        .pointer("/payload/token")
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    let token = payload_token.or(cookie_token);
    let auth = match authenticate(&state, token.as_deref()).await {
        Ok(auth) if auth.0.is_some() => auth,
        Ok(_) => {
            let _ = sink.send(close(CLOSE_UNAUTHORIZED, "Unauthorized")).await;
            return;
        }
        Err(error) => {
            tracing::error!(%error, "session lookup failed on a WebSocket");
            let _ = sink.send(close(1011, "Internal error")).await;
            return;
        }
    };

    let mut data = Data::default();
    data.insert(auth);
    data.insert(meta);
    // The rights of the socket are its session's: a message that arrives once the session
    // is gone (logged out, expired) ends the socket instead of being answered.
    let session_lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rest = {
        let (state, token, lost) = (state.clone(), token.clone(), session_lost.clone());
        incoming
            .filter_map(|message| async move {
                match message {
                    Ok(Message::Text(text)) => Some(text.as_str().as_bytes().to_vec()),
                    Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                    _ => None,
                }
            })
            .take_while(move |_| {
                let (state, token, lost) = (state.clone(), token.clone(), lost.clone());
                async move {
                    let alive = session_alive(&state, token.as_deref()).await;
                    lost.store(!alive, std::sync::atomic::Ordering::Relaxed);
                    alive
                }
            })
    };
    let input = stream::once(async move { first }).chain(rest);
    let outgoing = async_graphql::http::WebSocket::new(state.schema.clone(), input, protocol)
        .on_connection_init(move |_| async move { Ok(data) })
        .map(|message| match message {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => close(code, &reason),
        });
    futures_util::pin_mut!(outgoing);
    let mut check = tokio::time::interval(SESSION_CHECK_EVERY);
    check.tick().await;
    loop {
        tokio::select! {
            message = outgoing.next() => match message {
                Some(message) => {
                    if sink.send(message).await.is_err() {
                        return;
                    }
                }
                None => break,
            },
            _ = check.tick() => {
                if !session_alive(&state, token.as_deref()).await {
                    session_lost.store(true, std::sync::atomic::Ordering::Relaxed);
                    break;
                }
            }
        }
    }
    if session_lost.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = sink.send(close(CLOSE_UNAUTHORIZED, "Unauthorized")).await;
    }
}

/// Whether the socket's session still opens: a database failure keeps it open (the next
/// check decides), a session gone closes it.
async fn session_alive(state: &AppState, token: Option<&str>) -> bool {
    match authenticate(state, token).await {
        Ok(auth) => auth.0.is_some(),
        Err(error) => {
            tracing::warn!(%error, "session check failed on a WebSocket");
            true
        }
    }
}

/// The next text or binary frame; `None` when the client is gone.
async fn next_data(incoming: &mut futures_util::stream::SplitStream<WebSocket>) -> Option<Vec<u8>> {
    while let Some(message) = incoming.next().await {
        match message {
            Ok(Message::Text(text)) => return Some(text.as_str().as_bytes().to_vec()),
            Ok(Message::Binary(bytes)) => return Some(bytes.to_vec()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
    None
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}
