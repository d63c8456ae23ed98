//! Identity verification through the API: synthetic documents rendered in OCR-B and read
//! by the real tesseract, the phone hand-off link, the operator's decision, emails on a
//! real SMTP server, and every error code on the way.

use std::time::Duration;

use crate::common::identity_documents::{alice_back, card_mrz, front, passport_mrz, render};
use crate::common::{error_code_of, user, Client, SmtpSink, TestServer, PASSWORD};
use chrono::NaiveDate;
use paraphe_server::identity::checks::{self, Declared, ImageForOcr, Verdict};
use paraphe_server::identity::DocumentType;
use serde_json::{json, Value};
use sqlx::PgPool;

#[test]
fn tesseract_reads_the_mrz_of_rendered_cards_passports_and_pdfs() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let tools = (
        std::path::PathBuf::from("tesseract"),
        std::path::PathBuf::from("pdftoppm"),
    );
    let run = |declared: &Declared, images: Vec<(&str, Vec<u8>)>| {
        let images: Vec<ImageForOcr> = images
            .into_iter()
            .map(|(media_type, bytes)| ImageForOcr {
                media_type: media_type.into(),
                bytes,
            })
            .collect();
        checks::run(&tools.0, &tools.1, declared, &images, today)
    };
    let alice = Declared {
        document_type: DocumentType::IdentityCard,
        first_name: "Alice".into(),
        last_name: "Martin".into(),
        birth_date: NaiveDate::from_ymd_opt(1990, 5, 15).unwrap(),
    };
    let (report, verdict) = run(&alice, vec![("image/png", alice_back())]);
    assert_eq!(verdict, Verdict::Review { flagged: false }, "{report:?}");
    let mrz = report.mrz.unwrap();
    assert_eq!(
        (
            mrz.document_number.as_str(),
            mrz.surname.as_str(),
            mrz.given_names.as_str()
        ),
        ("X4RTBPFW4", "MARTIN", "ALICE")
    );

    // Apostrophes and hyphens, as printed in the MRZ, on a card sent as PDF.
    let dartagnan = Declared {
        document_type: DocumentType::IdentityCard,
        first_name: "Jean-Loïc".into(),
        last_name: "d'Artagnan".into(),
        birth_date: NaiveDate::from_ymd_opt(1990, 5, 15).unwrap(),
    };
    let pdf = render(
        "CARTE NATIONALE D'IDENTITE",
        &card_mrz("X4RTBPFW4", "900515", "310101", "DARTAGNAN<<JEAN<LOIC"),
        "pdf",
    );
    let (report, verdict) = run(&dartagnan, vec![("application/pdf", pdf)]);
    assert!(matches!(verdict, Verdict::Review { .. }), "{report:?}");
    assert_eq!(report.birth_date_matches, Some(true), "{report:?}");

    let jean = Declared {
        document_type: DocumentType::Passport,
        first_name: "Jean".into(),
        last_name: "Dupont".into(),
        birth_date: NaiveDate::from_ymd_opt(1985, 12, 31).unwrap(),
    };
    let passport = render(
        "PASSEPORT",
        &passport_mrz("18FV12345", "851231", "300630", "DUPONT<<JEAN"),
        "jpg",
    );
    let (report, verdict) = run(&jean, vec![("image/jpeg", passport)]);
    assert!(matches!(verdict, Verdict::Review { .. }), "{report:?}");
    assert_eq!(
        report.mrz.map(|m| m.document_number),
        Some("18FV12345".into())
    );

    // A photo without an MRZ goes to the operator, flagged.
    let (report, verdict) = run(&alice, vec![("image/jpeg", front())]);
    assert_eq!(verdict, Verdict::Review { flagged: true });
    assert!(report.mrz_error.is_some());
}

const VERIFICATION: &str = "id status flagged rejectionCode rejectionReason images extracted { surname givenNames documentNumber birthDate expiryDate } checks { mrzError lastName firstName birthDateMatches expired }";

async fn start(
    client: &mut Client,
    document_type: &str,
    first: &str,
    last: &str,
    birth: &str,
) -> String {
    let query = format!("mutation($i: StartIdentityVerificationInput!) {{ startIdentityVerification(input: $i) {{ {VERIFICATION} }} }}");
    let data = client.data(&query, json!({ "i": { "documentType": document_type, "firstName": first, "lastName": last, "birthDate": birth } })).await;
    assert_eq!(
        data["startIdentityVerification"]["status"],
        "AWAITING_DOCUMENTS"
    );
    data["startIdentityVerification"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn upload(client: &mut Client, id: &str, side: &str, bytes: Vec<u8>) -> Value {
    client
        .upload(
            "mutation($id: UUID!, $side: ImageSide!, $file: Upload!) { uploadIdentityImage(verificationId: $id, side: $side, file: $file) { id } }",
            json!({ "id": id, "side": side, "file": null }),
            "piece.jpg",
            bytes,
        )
        .await
}

async fn submit(client: &mut Client, id: &str) -> Value {
    client
        .gql(
            "mutation($id: UUID!) { submitIdentityVerification(verificationId: $id) { status } }",
            json!({ "id": id }),
        )
        .await
}

/// Polls until the automatic checks are done.
async fn checked(client: &mut Client, id: &str) -> Value {
    let query =
        format!("query($id: UUID!) {{ identityVerification(id: $id) {{ {VERIFICATION} }} }}");
    for _ in 0..150 {
        let data = client.data(&query, json!({ "id": id })).await;
        let verification = data["identityVerification"].clone();
        if verification["status"] != "CHECKING" {
            return verification;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the automatic checks never finished");
}

async fn operator(server: &TestServer, email: &str) -> Client {
    let id = user(&server.db, email, "Olga", "Operatrice").await;
    sqlx::query("UPDATE users SET is_operator = true WHERE id = $1")
        .bind(id)
        .execute(&server.db)
        .await
        .unwrap();
    server.login(email, PASSWORD).await
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_card_sent_from_the_desktop_is_checked_approved_by_an_operator_and_confirmed(db: PgPool) {
    let smtp = SmtpSink::start();
    let server = TestServer::start_with_smtp(db.clone(), &smtp).await;
    user(&db, "alice@example.fr", "Alice", "Martin").await;
    let mut alice = server.login("alice@example.fr", PASSWORD).await;
    let id = start(&mut alice, "IDENTITY_CARD", "Alice", "Martin", "1990-05-15").await;

    assert_eq!(
        error_code_of(&submit(&mut alice, &id).await),
        "IDENTITY_IMAGES_MISSING"
    );
    assert!(upload(&mut alice, &id, "FRONT", front())
        .await
        .get("errors")
        .is_none());
    assert_eq!(
        error_code_of(&submit(&mut alice, &id).await),
        "IDENTITY_IMAGES_MISSING",
        "a card needs its back"
    );
    let back = alice_back();
    assert!(upload(&mut alice, &id, "BACK", back.clone())
        .await
        .get("errors")
        .is_none());

    // Stored sealed: the image's bytes are nowhere in clear.
    let sealed: Vec<(Vec<u8>,)> =
        sqlx::query_as("SELECT sealed FROM identity_images WHERE verification_id = $1::uuid")
            .bind(&id)
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(sealed.len(), 2);
    assert!(sealed
        .iter()
        .all(|(s,)| !s.windows(16).any(|w| w == &back[100..116])));

    assert_eq!(
        submit(&mut alice, &id).await["data"]["submitIdentityVerification"]["status"],
        "CHECKING"
    );
    let verification = checked(&mut alice, &id).await;
    assert_eq!(verification["status"], "IN_REVIEW", "{verification}");
    assert_eq!(verification["flagged"], false, "{verification}");
    assert_eq!(verification["extracted"]["documentNumber"], "X4RTBPFW4");
    assert_eq!(verification["extracted"]["birthDate"], "1990-05-15");
    assert_eq!(verification["checks"]["lastName"], "EXACT");

    // Only operators see the queue and the images.
    assert_eq!(
        alice
            .error_code("{ verificationQueue { id } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    let image_url = server.url(&format!("/api/identity/{id}/images/back"));
    let as_alice = reqwest::Client::new()
        .get(&image_url)
        .header("cookie", alice.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(as_alice.status(), 403);
    let mut olga = operator(&server, "olga@paraphe.fr").await;
    let queue = olga
        .data("{ verificationQueue { id flagged } }", json!({}))
        .await;
    assert_eq!(queue["verificationQueue"][0]["id"], id.as_str());
    let viewed = reqwest::Client::new()
        .get(&image_url)
        .header("cookie", olga.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(viewed.status(), 200);
    assert_eq!(viewed.headers()["content-type"], "image/png");
    assert_eq!(viewed.bytes().await.unwrap().to_vec(), back);
    let (views,): (i64,) = sqlx::query_as("SELECT count(*) FROM identity_events WHERE verification_id = $1::uuid AND kind = 'image_viewed'").bind(&id).fetch_one(&db).await.unwrap();
    assert_eq!(views, 1, "every view is logged");

    let approve = "mutation($id: UUID!) { approveIdentityVerification(id: $id) { status } }";
    assert_eq!(
        olga.data(approve, json!({ "id": id })).await["approveIdentityVerification"]["status"],
        "APPROVED"
    );
    assert_eq!(
        olga.error_code(approve, json!({ "id": id })).await,
        "INVALID_STATE"
    );
    smtp.wait_for("alice@example.fr", "Votre identité a été vérifiée")
        .await;
    let after = reqwest::Client::new()
        .get(&image_url)
        .header("cookie", olga.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 404, "images are shown only while in review");

    let confirm = "mutation($id: UUID!, $c: Boolean!) { confirmIdentityData(id: $id, correct: $c) { status } }";
    assert_eq!(
        olga.error_code(confirm, json!({ "id": id, "c": true }))
            .await,
        "NOT_FOUND",
        "only the holder confirms"
    );
    assert_eq!(
        alice.data(confirm, json!({ "id": id, "c": true })).await["confirmIdentityData"]["status"],
        "CONFIRMED"
    );
    assert_eq!(
        alice
            .error_code(confirm, json!({ "id": id, "c": true }))
            .await,
        "INVALID_STATE"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_phone_hand_off_link_is_single_use_and_short_lived(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    user(&db, "alice@example.fr", "Alice", "Martin").await;
    let mut alice = server.login("alice@example.fr", PASSWORD).await;
    let id = start(&mut alice, "IDENTITY_CARD", "Alice", "Martin", "1990-05-15").await;
    let link = alice.data("mutation($id: UUID!) { createCaptureLink(verificationId: $id) { url qrSvg expiresAt } }", json!({ "id": id })).await["createCaptureLink"].clone();
    assert!(link["qrSvg"].as_str().unwrap().contains("<svg"));
    let url = link["url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap().to_owned();

    // The phone has no session: the link is its credential.
    let mut phone = server.client();
    let open =
        "mutation($t: String!) { openCapture(token: $t) { firstName documentType needsBack } }";
    let session = phone.data(open, json!({ "t": token })).await["openCapture"].clone();
    assert_eq!(
        session,
        json!({ "firstName": "Alice", "documentType": "IDENTITY_CARD", "needsBack": true })
    );
    assert_eq!(
        phone.error_code(open, json!({ "t": "forged-token" })).await,
        "LINK_INVALID"
    );

    let capture = "mutation($t: String!, $side: ImageSide!, $file: Upload!) { captureIdentityImage(token: $t, side: $side, file: $file) }";
    for (side, bytes) in [
        ("FRONT", front()),
        ("BACK", alice_back()),
        ("SELFIE", front()),
    ] {
        let response = phone
            .upload(
                capture,
                json!({ "t": token, "side": side, "file": null }),
                "photo.jpg",
                bytes,
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
    }
    let finish = "mutation($t: String!) { finishCapture(token: $t) }";
    assert_eq!(
        phone.data(finish, json!({ "t": token })).await["finishCapture"],
        true
    );
    assert_eq!(
        phone.error_code(finish, json!({ "t": token })).await,
        "LINK_USED"
    );
    assert_eq!(
        phone.error_code(open, json!({ "t": token })).await,
        "LINK_USED"
    );
    let verification = checked(&mut alice, &id).await;
    assert_eq!(verification["status"], "IN_REVIEW");
    assert_eq!(verification["images"], json!(["BACK", "FRONT", "SELFIE"]));
    let (phone_connected,): (i64,) = sqlx::query_as("SELECT count(*) FROM identity_events WHERE verification_id = $1::uuid AND kind = 'phone_connected'").bind(&id).fetch_one(&db).await.unwrap();
    assert_eq!(phone_connected, 1);

    // A link older than 15 minutes is dead.
    let mut bob_client = {
        user(&db, "bob@example.fr", "Bob", "Durand").await;
        server.login("bob@example.fr", PASSWORD).await
    };
    let bob = start(&mut bob_client, "PASSPORT", "Bob", "Durand", "1980-01-01").await;
    let link = bob_client
        .data(
            "mutation($id: UUID!) { createCaptureLink(verificationId: $id) { url } }",
            json!({ "id": bob }),
        )
        .await["createCaptureLink"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    sqlx::query("UPDATE capture_links SET expires_at = now() - interval '1 second' WHERE verification_id = $1::uuid").bind(&bob).execute(&db).await.unwrap();
    assert_eq!(
        phone
            .error_code(open, json!({ "t": link.rsplit('/').next().unwrap() }))
            .await,
        "LINK_EXPIRED"
    );
    // Nobody else makes links for Alice's verification.
    assert_eq!(
        bob_client
            .error_code(
                "mutation($id: UUID!) { createCaptureLink(verificationId: $id) { url } }",
                json!({ "id": id })
            )
            .await,
        "NOT_FOUND"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn another_identity_or_an_expired_document_is_rejected_at_once(db: PgPool) {
    let smtp = SmtpSink::start();
    let server = TestServer::start_with_smtp(db.clone(), &smtp).await;
    user(&db, "alice@example.fr", "Alice", "Martin").await;
    let mut alice = server.login("alice@example.fr", PASSWORD).await;

    // Declared born a day later than the card says.
    let id = start(&mut alice, "IDENTITY_CARD", "Alice", "Martin", "1990-05-16").await;
    upload(&mut alice, &id, "FRONT", front()).await;
    upload(&mut alice, &id, "BACK", alice_back()).await;
    submit(&mut alice, &id).await;
    let verification = checked(&mut alice, &id).await;
    assert_eq!(verification["status"], "REJECTED", "{verification}");
    assert_eq!(verification["rejectionCode"], "IDENTITY_MISMATCH");
    assert_eq!(verification["checks"]["birthDateMatches"], false);
    smtp.wait_for("alice@example.fr", "n'a pas abouti").await;

    // A new attempt with an expired card.
    let id = start(&mut alice, "IDENTITY_CARD", "Alice", "Martin", "1990-05-15").await;
    upload(&mut alice, &id, "FRONT", front()).await;
    upload(
        &mut alice,
        &id,
        "BACK",
        render(
            "REPUBLIQUE FRANCAISE",
            &card_mrz("X4RTBPFW4", "900515", "210101", "MARTIN<<ALICE"),
            "png",
        ),
    )
    .await;
    submit(&mut alice, &id).await;
    let verification = checked(&mut alice, &id).await;
    assert_eq!(
        verification["rejectionCode"], "DOCUMENT_EXPIRED",
        "{verification}"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn unreadable_documents_reach_the_operator_flagged_and_bad_files_are_refused(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    user(&db, "alice@example.fr", "Alice", "Martin").await;
    let mut alice = server.login("alice@example.fr", PASSWORD).await;
    let id = start(&mut alice, "PASSPORT", "Alice", "Martin", "1990-05-15").await;

    assert_eq!(
        error_code_of(
            &upload(
                &mut alice,
                &id,
                "FRONT",
                b"GIF89a not an image we take".to_vec()
            )
            .await
        ),
        "IDENTITY_FILE_INVALID"
    );
    let mut huge = b"\xFF\xD8\xFF\xE0".to_vec();
    huge.resize(10 * 1024 * 1024 + 1, 0);
    assert_eq!(
        error_code_of(&upload(&mut alice, &id, "FRONT", huge).await),
        "IDENTITY_FILE_TOO_LARGE"
    );
    let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM identity_images")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored");

    // A photo without a readable MRZ: a passport needs no back.
    upload(&mut alice, &id, "FRONT", front()).await;
    submit(&mut alice, &id).await;
    let verification = checked(&mut alice, &id).await;
    assert_eq!(verification["status"], "IN_REVIEW");
    assert_eq!(verification["flagged"], true);
    assert!(verification["checks"]["mrzError"].is_string());

    assert_eq!(
        alice.error_code("mutation($i: StartIdentityVerificationInput!) { startIdentityVerification(input: $i) { id } }", json!({ "i": { "documentType": "PASSPORT", "firstName": "Alice", "lastName": "Martin", "birthDate": "1990-05-15" } })).await,
        "INVALID_STATE",
        "one verification at a time"
    );

    let mut olga = operator(&server, "olga@paraphe.fr").await;
    let reject = "mutation($id: UUID!, $r: String!) { rejectIdentityVerification(id: $id, reason: $r) { status rejectionCode rejectionReason } }";
    assert_eq!(
        olga.error_code(reject, json!({ "id": id, "r": "  " }))
            .await,
        "VALIDATION"
    );
    let rejected = olga
        .data(reject, json!({ "id": id, "r": "photo floue" }))
        .await["rejectIdentityVerification"]
        .clone();
    assert_eq!(
        rejected,
        json!({ "status": "REJECTED", "rejectionCode": "OPERATOR_REJECTED", "rejectionReason": "photo floue" })
    );

    // Images are deleted after the retention period; the log stays.
    sqlx::query("UPDATE identity_verifications SET decided_at = now() - interval '31 days' WHERE id = $1::uuid").bind(&id).execute(&db).await.unwrap();
    assert_eq!(
        paraphe_server::identity::verification::purge_images(&db, 30)
            .await
            .unwrap(),
        1
    );
    let (left,): (i64,) = sqlx::query_as("SELECT count(*) FROM identity_images")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    let (logged,): (i64,) = sqlx::query_as("SELECT count(*) FROM identity_events WHERE verification_id = $1::uuid AND kind = 'images_purged'").bind(&id).fetch_one(&db).await.unwrap();
    assert_eq!(logged, 1);
}

type Received = std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, Vec<u8>)>>>;

/// A stand-in verification service: records each request (signature header, body) and
/// fails the first one, as real services sometimes do.
async fn verification_service() -> (String, Received) {
    use axum::{
        body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Json, Router,
    };
    let received: Received = Default::default();
    async fn receive(
        State(received): State<Received>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, Json<Value>) {
        let mut received = received.lock().unwrap();
        received.push((
            headers
                .get("x-paraphe-signature")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body.to_vec(),
        ));
        if received.len() == 1 {
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})))
        } else {
            (StatusCode::ACCEPTED, Json(json!({ "reference": "ext-42" })))
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/verifications", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/verifications", post(receive))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

const SECRET: &str = "a shared secret of some length";

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_external_provider_gets_signed_requests_and_only_its_signed_callback_decides(
    db: PgPool,
) {
    let (url, received) = verification_service().await;
    let with_provider = move |config: &mut paraphe_server::config::Config| {
        config.identity_provider_url = Some(url);
        config.identity_webhook_secret = SECRET.into();
    };
    let mut config = paraphe_server::config::Config::for_tests(String::new());
    with_provider.clone()(&mut config);
    let server = TestServer::start_with(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        with_provider,
    )
    .await;
    user(&db, "alice@example.fr", "Alice", "Martin").await;
    let mut alice = server.login("alice@example.fr", PASSWORD).await;
    let id = start(&mut alice, "IDENTITY_CARD", "Alice", "Martin", "1990-05-15").await;
    upload(&mut alice, &id, "FRONT", front()).await;
    upload(&mut alice, &id, "BACK", alice_back()).await;
    submit(&mut alice, &id).await;
    assert_eq!(checked(&mut alice, &id).await["status"], "IN_REVIEW");

    // The first request failed; the periodic job sends it again.
    for _ in 0..50 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (requested,): (bool,) = sqlx::query_as(
        "SELECT provider_requested_at IS NOT NULL FROM identity_verifications WHERE id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(!requested, "a failed request is not recorded as sent");
    assert_eq!(received.lock().unwrap().len(), 1);
    paraphe_server::identity::pipeline::run_jobs(
        &db,
        &paraphe_server::events::EventBus::in_process(),
        &config,
    )
    .await
    .unwrap();
    assert_eq!(received.lock().unwrap().len(), 2);
    let (request_signature, body) = received.lock().unwrap().last().cloned().unwrap();
    assert!(
        paraphe_server::identity::provider::verify(SECRET, &body, request_signature.as_deref()),
        "requests are signed"
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["verificationId"], id.as_str());
    assert_eq!(body["declared"]["lastName"], "Martin");
    assert_eq!(body["images"].as_array().unwrap().len(), 2);
    assert!(body["callbackUrl"]
        .as_str()
        .unwrap()
        .ends_with("/api/identity/provider/callback"));
    let (reference,): (Option<String>,) =
        sqlx::query_as("SELECT provider_reference FROM identity_verifications WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(reference.as_deref(), Some("ext-42"));

    // Only a callback signed with the shared secret decides.
    let callback = |decision: &str, secret: Option<&str>| {
        let body = serde_json::to_vec(
            &json!({ "verificationId": id, "decision": decision, "reason": "document illisible" }),
        )
        .unwrap();
        let mut request = reqwest::Client::new()
            .post(server.url("/api/identity/provider/callback"))
            .header("content-type", "application/json");
        if let Some(secret) = secret {
            request = request.header(
                "x-paraphe-signature",
                paraphe_server::identity::provider::signature(secret, &body),
            );
        }
        request.body(body).send()
    };
    assert_eq!(callback("approved", None).await.unwrap().status(), 403);
    // A callback signed with the secret, but ten minutes ago: a replay.
    let body =
        serde_json::to_vec(&json!({ "verificationId": id, "decision": "approved" })).unwrap();
    let stale = paraphe_server::identity::provider::signature_at(
        SECRET,
        chrono::Utc::now().timestamp() - 600,
        &body,
    );
    let replayed = reqwest::Client::new()
        .post(server.url("/api/identity/provider/callback"))
        .header("content-type", "application/json")
        .header("x-paraphe-signature", stale)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 403);
    assert_eq!(
        callback("approved", Some("another secret entirely"))
            .await
            .unwrap()
            .status(),
        403
    );
    let verification = alice
        .data(
            "query($id: UUID!) { identityVerification(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        verification["identityVerification"]["status"], "IN_REVIEW",
        "unsigned callbacks change nothing"
    );
    let approved = callback("approved", Some(SECRET)).await.unwrap();
    assert_eq!(approved.status(), 200);
    assert_eq!(
        approved.json::<Value>().await.unwrap()["status"],
        "approved"
    );
    assert_eq!(
        callback("approved", Some(SECRET)).await.unwrap().status(),
        200,
        "a retried callback is harmless"
    );
    assert_eq!(
        callback("rejected", Some(SECRET)).await.unwrap().status(),
        409,
        "a decision stands"
    );
    let unknown = callback("maybe", Some(SECRET))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"], "VALIDATION",
        "a decision is approved or rejected"
    );
    let (decided_by, by): (Option<uuid::Uuid>, Value) = sqlx::query_as(
        "SELECT v.decided_by, e.detail FROM identity_verifications v JOIN identity_events e ON e.verification_id = v.id AND e.kind = 'approved' WHERE v.id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((decided_by, by["by"].clone()), (None, json!("provider")));
}
