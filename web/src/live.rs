//! The live channel: one `graphql-transport-ws` socket subscribed to every cabinet of the
//! person (its membership changes and its collections' progress); each event makes the app refetch what it shows. Reconnects with backoff.
//! Pages with a live view of their own (a verification, the operators' queue) open a
//! socket each through [`follow`].
//!
//! Why the protocol is written here rather than taken from a crate: `graphql-ws-client`
//! (the maintained Rust client, 0.12/0.13) runs in wasm only over `ws_stream_wasm` (which
//! brings `pharos` and `async_io_stream`): a second WebSocket stack beside gloo-net's, in a
//! bundle sized for phones; over gloo-net it needs a `Connection` of our own, about as long
//! as the code below. It would not spare the reconnection with backoff either (a client
//! whose socket closed is built again), and this channel reads no payload: it only needs
//! the ack, "an event came", `ping` and the close code 4401.

use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::session::Session;

const SUBSCRIPTION: &str =
    "subscription($c: UUID!) { cabinetEvents(cabinetId: $c) { cabinetId kind userId at } }";
/// Collection progress, for members who prepare (others get an error for this one, ignored).
const COLLECTIONS: &str =
    "subscription($c: UUID!) { collectionEvents(cabinetId: $c) { collectionId kind at } }";
const UNAUTHORIZED: u16 = 4401;

enum Ended {
    Unauthorized,
    Lost,
}

fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/graphql/ws", location.host().ok()?))
}

pub fn start(session: Session, on_unauthorized: impl Fn() + 'static) {
    spawn_local(async move {
        let mut backoff_ms = 500;
        loop {
            if let Ended::Unauthorized = run_once(session).await {
                session.live.set(false);
                on_unauthorized();
                return;
            }
            session.live.set(false);
            TimeoutFuture::new(backoff_ms).await;
            backoff_ms = (backoff_ms * 2).min(10_000);
        }
    });
}

async fn run_once(session: Session) -> Ended {
    let subscriptions: Vec<(String, &str, Value)> = session
        .memberships
        .get_untracked()
        .into_iter()
        .flat_map(|cabinet| {
            [("", SUBSCRIPTION), (":collections", COLLECTIONS)].map(|(suffix, query)| {
                (
                    format!("{}{suffix}", cabinet.cabinet_id),
                    query,
                    json!({ "c": cabinet.cabinet_id }),
                )
            })
        })
        .collect();
    let on_event = move || {
        spawn_local(async move {
            let _ = session.load().await;
        });
    };
    connect(
        &subscriptions,
        move || session.live.set(true),
        on_event,
        &std::sync::atomic::AtomicBool::new(false),
    )
    .await
}

/// One `graphql-transport-ws` connection: once acknowledged, subscribes each `(id, query,
/// variables)` and calls `on_ack`; then calls `on_event` for each event, until the socket
/// ends or `stopped` is set.
async fn connect(
    subscriptions: &[(String, &str, Value)],
    on_ack: impl Fn(),
    on_event: impl Fn(),
    stopped: &std::sync::atomic::AtomicBool,
) -> Ended {
    use std::sync::atomic::Ordering;
    let Some(url) = socket_url() else {
        return Ended::Lost;
    };
    let Ok(socket) = WebSocket::open_with_protocol(&url, "graphql-transport-ws") else {
        return Ended::Lost;
    };
    let (mut sink, mut stream) = socket.split();
    if sink
        .send(Message::Text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .is_err()
    {
        return Ended::Lost;
    }
    while let Some(message) = stream.next().await {
        if stopped.load(Ordering::Relaxed) {
            return Ended::Lost;
        }
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Bytes(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(WebSocketError::ConnectionClose(close)) if close.code == UNAUTHORIZED => {
                return Ended::Unauthorized
            }
            Err(_) => return Ended::Lost,
        };
        let Ok(message) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match message["type"].as_str() {
            Some("connection_ack") => {
                for (id, query, variables) in subscriptions {
                    let subscribe = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
                    if sink
                        .send(Message::Text(subscribe.to_string()))
                        .await
                        .is_err()
                    {
                        return Ended::Lost;
                    }
                }
                on_ack();
            }
            Some("next") => on_event(),
            Some("ping") => {
                let _ = sink
                    .send(Message::Text(json!({ "type": "pong" }).to_string()))
                    .await;
            }
            _ => {}
        }
    }
    Ended::Lost
}

/// Follows one subscription on a socket of its own (a page's live view: one identity
/// verification, the operators' queue) until the returned flag is set. Each event, and
/// each reconnection (events may have been missed), calls `on_event`.
pub fn follow(
    query: &'static str,
    variables: Value,
    on_event: impl Fn() + 'static,
) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    spawn_local(async move {
        let mut backoff_ms = 500;
        while !stopped.load(Ordering::Relaxed) {
            let subscription = [("1".to_owned(), query, variables.clone())];
            // A reconnection may have missed events: refresh once subscribed.
            if let Ended::Unauthorized =
                connect(&subscription, &on_event, &on_event, &stopped).await
            {
                return;
            }
            TimeoutFuture::new(backoff_ms).await;
            backoff_ms = (backoff_ms * 2).min(10_000);
        }
    });
    stop
}
