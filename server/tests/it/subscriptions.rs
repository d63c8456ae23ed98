//! Live updates over `graphql-transport-ws`, against the in-process bus and real Redis.

use std::time::Duration;

use crate::common::{firm, Firm, TestServer, PASSWORD};
use futures_util::{SinkExt, StreamExt};
use paraphe_server::events::EventBus;
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(
    server: &TestServer,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{}/graphql/ws", server.addr)
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    if let Some(cookie) = cookie {
        headers.insert("cookie", cookie.parse().unwrap());
    }
    if let Some(origin) = origin {
        headers.insert("origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("no message in time")
            .unwrap()
            .unwrap();
        match message {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => continue,
        }
    }
}

async fn close_code(socket: &mut Socket) -> u16 {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("no close in time");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

async fn subscribe_to_cabinet(server: &TestServer, cookie: &str, firm: &Firm) -> Socket {
    let mut socket = connect(server, Some(cookie), None).await.unwrap();
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($c: UUID!) { cabinetEvents(cabinetId: $c) { kind userId } }",
        "variables": { "c": firm.cabinet } } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    // Give the server a moment to register the subscription on the bus.
    tokio::time::sleep(Duration::from_millis(300)).await;
    socket
}

const SET: &str = "mutation($c: UUID!, $u: UUID!, $d: [Delegation!]!) { setDelegations(cabinetId: $c, userId: $u, delegations: $d) { role } }";

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_collaborator_sees_a_delegation_granted_live(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    let mut socket =
        subscribe_to_cabinet(&server, collaborator.cookie.as_deref().unwrap(), &a).await;
    accountant
        .data(
            SET,
            json!({ "c": a.cabinet, "u": a.collaborator, "d": ["PREPARE"] }),
        )
        .await;
    let event = next_json(&mut socket).await;
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(
        event["payload"]["data"]["cabinetEvents"],
        json!({ "kind": "MEMBERSHIP_CHANGED", "userId": a.collaborator })
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_removed_member_loses_an_open_subscription(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let mut accountant = server.login(&a.accountant_email, PASSWORD).await;
    let collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    let mut socket =
        subscribe_to_cabinet(&server, collaborator.cookie.as_deref().unwrap(), &a).await;
    accountant
        .data(
            "mutation($c: UUID!, $u: UUID!) { removeMember(cabinetId: $c, userId: $u) }",
            json!({ "c": a.cabinet, "u": a.collaborator }),
        )
        .await;
    let event = next_json(&mut socket).await;
    assert_eq!(
        event["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{event}"
    );
    assert_eq!(next_json(&mut socket).await["type"], "complete");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_connection_without_a_session_is_closed_4401(db: PgPool) {
    let server = TestServer::start(db).await;
    let mut socket = connect(&server, None, None).await.unwrap();
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(close_code(&mut socket).await, 4401);
    let mut forged = connect(&server, Some("paraphe_session=forged"), None)
        .await
        .unwrap();
    forged
        .send(Message::text(
            json!({ "type": "connection_init", "payload": { "token": "forged" } }).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(close_code(&mut forged).await, 4401);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_connection_that_never_initialises_is_closed_4408(db: PgPool) {
    let server = TestServer::start_with(db, EventBus::in_process(), |c| {
        c.ws_init_timeout = Duration::from_millis(300)
    })
    .await;
    let mut socket = connect(&server, None, None).await.unwrap();
    assert_eq!(close_code(&mut socket).await, 4408);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_foreign_origin_cannot_open_a_socket(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let accountant = server.login(&a.accountant_email, PASSWORD).await;
    let refused = connect(
        &server,
        accountant.cookie.as_deref(),
        Some("https://evil.example"),
    )
    .await;
    assert!(refused.is_err(), "the upgrade must be refused");
    let same_origin = format!("http://{}", server.addr);
    assert!(
        connect(&server, accountant.cookie.as_deref(), Some(&same_origin))
            .await
            .is_ok()
    );
}

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn with_redis_an_event_crosses_replicas(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let replica_one = TestServer::start_with(
        db.clone(),
        EventBus::redis(&redis_url()).await.expect("Redis must run"),
        |_| {},
    )
    .await;
    let replica_two =
        TestServer::start_with(db, EventBus::redis(&redis_url()).await.unwrap(), |_| {}).await;
    let mut accountant = replica_one.login(&a.accountant_email, PASSWORD).await;
    let collaborator = replica_two.login(&a.collaborator_email, PASSWORD).await;
    let mut socket =
        subscribe_to_cabinet(&replica_two, collaborator.cookie.as_deref().unwrap(), &a).await;
    accountant
        .data(
            SET,
            json!({ "c": a.cabinet, "u": a.collaborator, "d": ["SIGN"] }),
        )
        .await;
    let event = next_json(&mut socket).await;
    assert_eq!(
        event["payload"]["data"]["cabinetEvents"]["kind"], "MEMBERSHIP_CHANGED",
        "{event}"
    );
}

#[tokio::test]
async fn the_redis_bus_delivers_each_event_once_to_every_replica() {
    let one = EventBus::redis(&redis_url()).await.expect("Redis must run");
    let two = EventBus::redis(&redis_url()).await.unwrap();
    let (mut on_one, mut on_two) = (one.subscribe(), two.subscribe());
    let event = paraphe_server::events::DomainEvent::cabinet(
        paraphe_server::ids::CabinetId::new_v4(),
        paraphe_server::events::CabinetEventKind::TermsAccepted,
        None,
    );
    one.publish(event.clone()).await;
    for receiver in [&mut on_one, &mut on_two] {
        loop {
            let got = tokio::time::timeout(Duration::from_secs(5), receiver.recv())
                .await
                .unwrap()
                .unwrap();
            // Other tests share the channel: skip their events.
            if got == event {
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok(extra) = on_one.try_recv() {
        assert_ne!(extra, event, "delivered twice");
    }
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_preparer_follows_a_collection_live(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "live", true).await;
    paraphe_server::billing::credit(
        &db,
        paraphe_server::ids::CabinetId::from_uuid(firm.cabinet),
        100,
        "test",
        None,
    )
    .await
    .unwrap();
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let mut socket = connect(&server, preparer.cookie.as_deref(), None)
        .await
        .unwrap();
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($c: UUID!) { collectionEvents(cabinetId: $c) { kind collectionId signerId } }",
        "variables": { "c": firm.cabinet } } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let created = preparer
        .data(
            "mutation($c: UUID!) { createCollection(cabinetId: $c, title: \"Bilan\") { id } }",
            json!({ "c": firm.cabinet }),
        )
        .await;
    let id = created["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pdf = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf"),
    )
    .unwrap();
    preparer.upload("mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }", json!({ "id": id, "file": null }), "bilan.pdf", pdf).await;
    preparer
        .data(
            "mutation($id: UUID!) { addSigner(collectionId: $id, signer: { firstName: \"Paul\", lastName: \"Roy\", email: \"paul@client.fr\", mobile: \"+33612121212\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    preparer
        .data(
            "mutation($id: UUID!) { launchCollection(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    let (body,): (String,) =
        sqlx::query_as("SELECT body FROM outbox WHERE recipient = 'paul@client.fr'")
            .fetch_one(&db)
            .await
            .unwrap();
    let start = body.find("/signer/").unwrap() + "/signer/".len();
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    server
        .client()
        .data(
            "query($t: String!) { signingSession(token: $t) { title } }",
            json!({ "t": token }),
        )
        .await;

    let mut kinds = Vec::new();
    for _ in 0..4 {
        let event = next_json(&mut socket).await;
        assert_eq!(
            event["payload"]["data"]["collectionEvents"]["collectionId"],
            id.as_str(),
            "{event}"
        );
        kinds.push(
            event["payload"]["data"]["collectionEvents"]["kind"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(kinds, ["CREATED", "LAUNCHED", "INVITED", "OPENED"]);
}

/// An open socket used to keep its rights after logout (it still answered `me`); now the
/// next message after the session is gone closes it with 4401.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_socket_loses_its_rights_with_its_session(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let mut collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    let cookie = collaborator.cookie.clone().unwrap();
    let mut socket = subscribe_to_cabinet(&server, &cookie, &a).await;
    let me = |id: &str| {
        json!({ "id": id, "type": "subscribe", "payload": { "query": "{ me { user { email } } }" } }).to_string()
    };
    socket.send(Message::text(me("2"))).await.unwrap();
    let answer = next_json(&mut socket).await;
    assert_eq!(
        answer["payload"]["data"]["me"]["user"]["email"],
        a.collaborator_email.as_str(),
        "{answer}"
    );

    collaborator.data("mutation { logout }", json!({})).await;
    socket.send(Message::text(me("3"))).await.unwrap();
    assert_eq!(close_code(&mut socket).await, 4401);
}

/// A WebSocket message is a GraphQL document, 32 KB at most: 64 MiB used to be read.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_oversized_socket_message_is_refused(db: PgPool) {
    let a = firm(&db, "a", true).await;
    let server = TestServer::start(db).await;
    let collaborator = server.login(&a.collaborator_email, PASSWORD).await;
    let mut socket =
        subscribe_to_cabinet(&server, collaborator.cookie.as_deref().unwrap(), &a).await;
    let huge = json!({ "id": "9", "type": "subscribe", "payload": { "query": format!("{{ me {{ user {{ email }} }} }} #{}", "x".repeat(200_000)) } });
    let _ = socket.send(Message::text(huge.to_string())).await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(Message::Text(text))) => {
                    assert!(!text.as_str().contains("\"9\""), "answered: {text}")
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("the socket must end");
    assert!(matches!(ended, None | Some(1009)), "{ended:?}");
}

/// An operator follows a verification; withdrawn from the role, he hears nothing more of it
/// (the holder goes on uploading).
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_operator_who_loses_the_role_stops_hearing_a_verification(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    crate::common::user(&db, "alice@example.fr", "Alice", "Martin").await;
    let operator_id = crate::common::user(&db, "olga@paraphe.fr", "Olga", "Operatrice").await;
    sqlx::query("UPDATE users SET is_operator = true WHERE id = $1")
        .bind(operator_id)
        .execute(&db)
        .await
        .unwrap();
    let mut alice = server.login("alice@example.fr", PASSWORD).await;
    let operator = server.login("olga@paraphe.fr", PASSWORD).await;
    let started = alice
        .data(
            "mutation($i: StartIdentityVerificationInput!) { startIdentityVerification(input: $i) { id } }",
            json!({ "i": { "documentType": "IDENTITY_CARD", "firstName": "Alice", "lastName": "Martin", "birthDate": "1990-05-15" } }),
        )
        .await;
    let id = started["startIdentityVerification"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let upload = |side: &'static str| json!({ "id": id, "side": side, "file": null });
    const UPLOAD: &str = "mutation($id: UUID!, $side: ImageSide!, $file: Upload!) { uploadIdentityImage(verificationId: $id, side: $side, file: $file) { id } }";

    let mut socket = connect(&server, operator.cookie.as_deref(), None)
        .await
        .unwrap();
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($v: UUID!) { identityVerificationEvents(verificationId: $v) { kind } }",
        "variables": { "v": id } } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    alice
        .upload(
            UPLOAD,
            upload("FRONT"),
            "recto.jpg",
            crate::common::identity_documents::front(),
        )
        .await;
    assert_eq!(
        next_json(&mut socket).await["payload"]["data"]["identityVerificationEvents"]["kind"],
        "IMAGE_RECEIVED"
    );

    sqlx::query("UPDATE users SET is_operator = false WHERE id = $1")
        .bind(operator_id)
        .execute(&db)
        .await
        .unwrap();
    alice
        .upload(
            UPLOAD,
            upload("BACK"),
            "verso.jpg",
            crate::common::identity_documents::alice_back(),
        )
        .await;
    assert_eq!(
        next_json(&mut socket).await["type"],
        "complete",
        "no event for a former operator"
    );
}
