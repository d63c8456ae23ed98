//! Collections end to end through the GraphQL API, with a real SMTP server receiving the
//! emails, SMS codes read from the outbox, and signed PDFs checked by pyHanko.

use std::path::Path;

use crate::common::*;
use paraphe_server::ids::CabinetId;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

const CREATE: &str = "mutation($c: UUID!, $t: String!, $m: SigningMode!) { createCollection(cabinetId: $c, title: $t, message: \"Merci de signer\", mode: $m) { id status } }";
const ADD_DOCUMENT: &str = "mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id pages filename originalSha256 } }";
const ADD_SIGNER: &str = "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id position status level } }";
const LAUNCH: &str =
    "mutation($id: UUID!) { launchCollection(id: $id) { id status expiresAt launchedAt } }";
const SESSION: &str = "query($t: String!) { signingSession(token: $t) { title cabinetName signerName signerStatus status accepted pagesToSign documents { id url pages } } }";
const ACCEPT: &str = "mutation($t: String!) { acceptDocuments(token: $t) { accepted } }";
const REQUEST_CODE: &str =
    "mutation($t: String!) { requestSigningCode(token: $t) { expiresAt mobileHint } }";
const SIGN: &str =
    "mutation($t: String!, $c: String!) { sign(token: $t, code: $c) { signerStatus status } }";
const REFUSE: &str =
    "mutation($t: String!, $r: String) { refuse(token: $t, reason: $r) { signerStatus status } }";
const COLLECTION: &str = "query($id: UUID!) { collection(id: $id) { status expiresAt auditTrailIntact costCents signers { email status } auditTrail { kind actor } documents { id currentSha256 } } }";

async fn credit(db: &PgPool, cabinet: Uuid, cents: i64) {
    paraphe_server::billing::credit(db, CabinetId::from_uuid(cabinet), cents, "test", None)
        .await
        .unwrap();
}

fn person(first: &str, last: &str, email: &str, mobile: &str) -> Value {
    json!({ "firstName": first, "lastName": last, "email": email, "mobile": mobile })
}

/// A draft collection with the sample PDF and the given signers; returns its id.
async fn draft(preparer: &mut Client, cabinet: Uuid, mode: &str, signers: &[Value]) -> String {
    let data = preparer
        .data(
            CREATE,
            json!({ "c": cabinet, "t": "Liasse fiscale 2026", "m": mode }),
        )
        .await;
    let id = data["createCollection"]["id"].as_str().unwrap().to_owned();
    let uploaded = preparer
        .upload(
            ADD_DOCUMENT,
            json!({ "id": id, "file": null }),
            "liasse.pdf",
            sample_pdf(),
        )
        .await;
    assert!(uploaded.get("errors").is_none(), "{uploaded}");
    for signer in signers {
        preparer
            .data(ADD_SIGNER, json!({ "id": id, "s": signer }))
            .await;
    }
    id
}

/// Opens, accepts, asks for a code and signs.
async fn sign_through(server: &TestServer, token: &str, mobile: &str) -> Value {
    let mut signer = server.client();
    signer.data(SESSION, json!({ "t": token })).await;
    signer.data(ACCEPT, json!({ "t": token })).await;
    signer.data(REQUEST_CODE, json!({ "t": token })).await;
    let code = sms_code(&server.db, mobile).await;
    signer.data(SIGN, json!({ "t": token, "c": code })).await["sign"].clone()
}

async fn download(server: &TestServer, url: &str) -> reqwest::Response {
    reqwest::get(server.url(url)).await.unwrap()
}

fn pyhanko(server: &TestServer, pdf: &[u8], tag: &str) -> Vec<Value> {
    let dir =
        std::env::temp_dir().join(format!("paraphe-collections-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = dir.join("root.pem");
    std::fs::write(&root, server.pki.hierarchy.roots_pem().unwrap()).unwrap();
    let file = dir.join("signed.pdf");
    std::fs::write(&file, pdf).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/pyhanko_validate.py");
    let output = std::process::Command::new(python())
        .arg(script)
        .arg(&root)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pyHanko failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn two_outside_signers_in_sequence_sign_and_everybody_gets_the_signed_pdf(db: PgPool) {
    let smtp = SmtpSink::start();
    let server = TestServer::start_with_smtp(db.clone(), &smtp).await;
    let firm = firm(&db, "seq", true).await;
    credit(&db, firm.cabinet, 1000).await;
    let mut preparer = server.login(&firm.collaborator_email, PASSWORD).await;
    // The accountant gives the collaborator the `prepare` delegation.
    let mut accountant = server.login(&firm.accountant_email, PASSWORD).await;
    accountant
        .data("mutation($c: UUID!, $u: UUID!) { setDelegations(cabinetId: $c, userId: $u, delegations: [PREPARE]) { userId } }", json!({ "c": firm.cabinet, "u": firm.collaborator }))
        .await;

    let alice = person("Alice", "Martin", "alice@client.fr", "+33612345678");
    let bruno = person("Bruno", "D'Arcy-Lefèvre", "bruno@client.fr", "+33698765432");
    let id = draft(&mut preparer, firm.cabinet, "SEQUENTIAL", &[alice, bruno]).await;
    let launched = preparer.data(LAUNCH, json!({ "id": id })).await;
    assert_eq!(launched["launchCollection"]["status"], "ACTIVE");

    // Only the first signer is invited; the sender name is the cabinet's.
    let invitation = smtp
        .wait_for("alice@client.fr", "vous invite à signer")
        .await;
    assert!(invitation.from.contains("Cabinet seq"), "{invitation:?}");
    let alice_token = invitation.signer_token();
    let session = server
        .client()
        .data(SESSION, json!({ "t": alice_token }))
        .await;
    assert_eq!(session["signingSession"]["pagesToSign"], 1);
    assert_eq!(session["signingSession"]["signerName"], "Alice MARTIN");
    let unsigned = download(
        &server,
        session["signingSession"]["documents"][0]["url"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(unsigned.status(), 200);
    assert_eq!(unsigned.bytes().await.unwrap().to_vec(), sample_pdf());
    // The pages as pictures, to read on any phone.
    let document_url = session["signingSession"]["documents"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = download(&server, &format!("{document_url}/pages/1.png")).await;
    assert_eq!(page.status(), 200);
    assert!(page.bytes().await.unwrap().starts_with(b"\x89PNG"));
    assert_eq!(
        download(&server, &format!("{document_url}/pages/2.png"))
            .await
            .status(),
        404
    );
    assert_eq!(
        download(
            &server,
            "/api/signer/forged/documents/00000000-0000-0000-0000-000000000000/pages/1.png"
        )
        .await
        .status(),
        404
    );
    assert!(
        smtp.messages().iter().all(|m| m.to != "bruno@client.fr"),
        "bruno invited too early"
    );

    // A wrong code first: counted, nothing signed.
    let mut alice_client = server.client();
    alice_client.data(ACCEPT, json!({ "t": alice_token })).await;
    let sent = alice_client
        .data(REQUEST_CODE, json!({ "t": alice_token }))
        .await;
    assert_eq!(sent["requestSigningCode"]["mobileHint"], "+336•••••78");
    let code = sms_code(&db, "+33612345678").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        alice_client
            .error_code(SIGN, json!({ "t": alice_token, "c": wrong }))
            .await,
        "OTP_INVALID"
    );
    let signed = alice_client
        .data(SIGN, json!({ "t": alice_token, "c": code }))
        .await;
    assert_eq!(signed["sign"]["signerStatus"], "SIGNED");
    assert_eq!(signed["sign"]["status"], "ACTIVE");

    // Signing invited the second signer, who signs and completes the collection.
    let bruno_token = smtp
        .wait_for("bruno@client.fr", "vous invite à signer")
        .await
        .signer_token();
    let done = sign_through(&server, &bruno_token, "+33698765432").await;
    assert_eq!(done["status"], "COMPLETED");

    // The invitation links the signers hold keep working as long as the documents are
    // kept (until the purge, a month after completion), not only until the collection's
    // signing deadline.
    let (shortest_days,): (f64,) = sqlx::query_as(
        "SELECT EXTRACT(EPOCH FROM min(expires_at) - now())::float8 / 86400 FROM signer_links",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(shortest_days > 29.9, "{shortest_days}");
    server
        .client()
        .data(SESSION, json!({ "t": alice_token }))
        .await;

    // Everybody gets a secure link to the signed PDF: signers and the preparer.
    let completion = smtp.wait_for("alice@client.fr", "Documents signés").await;
    smtp.wait_for("bruno@client.fr", "Documents signés").await;
    smtp.wait_for(&firm.collaborator_email, "Documents signés")
        .await;
    let session = server
        .client()
        .data(SESSION, json!({ "t": completion.signer_token() }))
        .await;
    let signed_pdf = download(
        &server,
        session["signingSession"]["documents"][0]["url"]
            .as_str()
            .unwrap(),
    )
    .await
    .bytes()
    .await
    .unwrap()
    .to_vec();
    assert!(
        signed_pdf.starts_with(&sample_pdf()),
        "earlier revisions must stay byte-identical"
    );

    // One valid, trusted, time-stamped signature per signer, for an outside validator.
    let report = pyhanko(&server, &signed_pdf, "seq");
    assert_eq!(report.len(), 2, "{report:?}");
    for signature in &report {
        assert_eq!(signature["bottom_line"], true, "{signature}");
        assert_eq!(signature["timestamp"], "trusted", "{signature}");
    }
    let ours = paraphe_server::signing::validate(
        &signed_pdf,
        std::slice::from_ref(&server.pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert!(ours.all_valid(), "{ours:?}");
    let names: Vec<_> = ours
        .signatures
        .iter()
        .map(|s| s.signer.clone().unwrap_or_default())
        .collect();
    assert!(
        names[0].contains("Alice MARTIN") && names[1].contains("Bruno"),
        "{names:?}"
    );
    // The names were typed by the preparer: one-time certificates, from the one-time CA under
    // its own policy, which a relying party and our report tell from a verified LCP.
    let mut ours = ours;
    server.pki.check_revocation(&mut ours).await.unwrap();
    for signature in &ours.signatures {
        assert_eq!(
            signature.certificate_policies,
            ["1.3.6.1.4.1.99999.1.4"],
            "{signature:?}"
        );
        assert!(
            signature
                .certificate_kind
                .as_deref()
                .unwrap_or_default()
                .contains("usage unique"),
            "{signature:?}"
        );
        let issuer = signature
            .signer_certificate
            .as_ref()
            .unwrap()
            .tbs_certificate
            .issuer
            .to_string();
        assert!(issuer.contains("One-Time Signer CA"), "{issuer}");
        assert_eq!(
            signature.revoked,
            Some(false),
            "known to the registry: {signature:?}"
        );
    }

    // Billed: 2 signatures at 0,25 €; the trail is complete and intact.
    let balance = preparer
        .data(
            "query($c: UUID!) { credit(cabinetId: $c) { balanceCents availableCents } }",
            json!({ "c": firm.cabinet }),
        )
        .await;
    assert_eq!(balance["credit"]["balanceCents"], 950);
    let collection = preparer.data(COLLECTION, json!({ "id": id })).await["collection"].clone();
    assert_eq!(collection["status"], "COMPLETED");
    assert_eq!(collection["auditTrailIntact"], true);
    let kinds: Vec<&str> = collection["auditTrail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for expected in [
        "created",
        "launched",
        "invited",
        "opened",
        "documents_accepted",
        "code_sent",
        "code_failed",
        "signed",
        "completed",
    ] {
        assert!(kinds.contains(&expected), "no {expected} in {kinds:?}");
    }

    // The preparer downloads from the app too.
    let document_id = collection["documents"][0]["id"].as_str().unwrap();
    let response = preparer
        .http
        .get(server.url(&format!("/api/collections/{id}/documents/{document_id}")))
        .header("cookie", preparer.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.bytes().await.unwrap().to_vec(), signed_pdf);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_refusal_ends_the_collection_for_everybody(db: PgPool) {
    let smtp = SmtpSink::start();
    let server = TestServer::start_with_smtp(db.clone(), &smtp).await;
    let firm = firm(&db, "ref", true).await;
    credit(&db, firm.cabinet, 1000).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "PARALLEL",
        &[
            person("Chloé", "Petit", "chloe@client.fr", "+33611111111"),
            person("Denis", "Roux", "denis@client.fr", "+33622222222"),
        ],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    // Parallel: both invited at launch.
    let chloe = smtp
        .wait_for("chloe@client.fr", "vous invite")
        .await
        .signer_token();
    let denis = smtp
        .wait_for("denis@client.fr", "vous invite")
        .await
        .signer_token();

    let refused = server
        .client()
        .data(REFUSE, json!({ "t": chloe, "r": "Le montant est faux" }))
        .await;
    assert_eq!(refused["refuse"]["status"], "REFUSED");
    let mail = smtp
        .wait_for(&firm.accountant_email, "Signature refusée")
        .await;
    assert!(mail.body.contains("Le montant est faux"), "{mail:?}");
    smtp.wait_for("denis@client.fr", "close").await;

    // The other signer's link is dead, documents included.
    let mut other = server.client();
    assert_eq!(
        other.error_code(SESSION, json!({ "t": denis })).await,
        "COLLECTION_CLOSED"
    );
    assert_eq!(
        other.error_code(ACCEPT, json!({ "t": denis })).await,
        "COLLECTION_CLOSED"
    );
    let document: (Uuid,) = sqlx::query_as("SELECT id FROM collection_documents LIMIT 1")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(
        download(
            &server,
            &format!("/api/signer/{denis}/documents/{}", document.0)
        )
        .await
        .status(),
        410
    );
    // Nothing was debited.
    let balance = preparer
        .data(
            "query($c: UUID!) { credit(cabinetId: $c) { balanceCents } }",
            json!({ "c": firm.cabinet }),
        )
        .await;
    assert_eq!(balance["credit"]["balanceCents"], 1000);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn parallel_signers_signing_at_once_both_keep_their_signature(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "par", true).await;
    credit(&db, firm.cabinet, 1000).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "PARALLEL",
        &[
            person("Emma", "Blanc", "emma@client.fr", "+33633333333"),
            person("Farid", "Noir", "farid@client.fr", "+33644444444"),
        ],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    // One key made ahead of time: one signer gets it, the other a key made on the spot.
    let kek = paraphe_server::config::Config::for_tests(String::new()).key_encryption_key;
    paraphe_server::keys::pool::refill(&db, &kek, 1, 1)
        .await
        .unwrap();
    let tokens = invitation_tokens(&db).await;
    let mut clients = Vec::new();
    for (token, mobile) in &tokens {
        let mut client = server.client();
        client.data(ACCEPT, json!({ "t": token })).await;
        client.data(REQUEST_CODE, json!({ "t": token })).await;
        clients.push((client, token.clone(), sms_code(&db, mobile).await));
    }
    let results = futures_util::future::join_all(
        clients
            .iter_mut()
            .map(|(client, token, code)| client.gql(SIGN, json!({ "t": token, "c": code }))),
    )
    .await;
    for result in &results {
        assert!(result.get("errors").is_none(), "{result}");
    }
    let (pdf,): (Vec<u8>,) = sqlx::query_as("SELECT content FROM collection_documents")
        .fetch_one(&db)
        .await
        .unwrap();
    let report = paraphe_server::signing::validate(
        &pdf,
        std::slice::from_ref(&server.pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert_eq!(report.signatures.len(), 2);
    assert!(report.all_valid(), "{report:?}");
    assert_eq!(
        paraphe_server::keys::pool::size(&db).await.unwrap(),
        0,
        "the pooled key was used once"
    );
    let collection = preparer.data(COLLECTION, json!({ "id": id })).await;
    assert_eq!(collection["collection"]["status"], "COMPLETED");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_signature_the_credit_no_longer_covers_is_refused_and_nothing_is_signed(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "dry", true).await;
    credit(&db, firm.cabinet, 40).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        &[person("Gaël", "Morin", "gael@client.fr", "+33655555555")],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    // Spent elsewhere after the launch (a seal, say): 0,40 € - 0,30 € leaves 0,10 €.
    sqlx::query("INSERT INTO credit_ledger (cabinet_id, amount_cents, kind, note) VALUES ($1, -30, 'seal', 'cachet')")
        .bind(firm.cabinet)
        .execute(&db)
        .await
        .unwrap();
    let (token, mobile) = invitation_tokens(&db).await.remove(0);
    let mut signer = server.client();
    signer.data(ACCEPT, json!({ "t": token })).await;
    signer.data(REQUEST_CODE, json!({ "t": token })).await;
    let code = sms_code(&db, &mobile).await;
    let refused = signer.gql(SIGN, json!({ "t": token, "c": code })).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INSUFFICIENT_CREDIT",
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("0,10 €"),
        "{refused}"
    );

    // All or nothing: not signed, not debited, the document as uploaded; the code still
    // signs once the cabinet is credited.
    let collection = preparer.data(COLLECTION, json!({ "id": id })).await["collection"].clone();
    assert_eq!(collection["signers"][0]["status"], "INVITED");
    let balance = preparer
        .data(
            "query($c: UUID!) { credit(cabinetId: $c) { balanceCents } }",
            json!({ "c": firm.cabinet }),
        )
        .await;
    assert_eq!(balance["credit"]["balanceCents"], 10);
    credit(&db, firm.cabinet, 100).await;
    let signed = signer.data(SIGN, json!({ "t": token, "c": code })).await;
    assert_eq!(signed["sign"]["status"], "COMPLETED");

    // The running balance is the ledger's sum, and the database refuses an overdraft.
    let (balance, sum): (i64, i64) = sqlx::query_as(
        "SELECT credit_balance_cents, (SELECT SUM(amount_cents)::bigint FROM credit_ledger WHERE cabinet_id = $1) FROM cabinets WHERE id = $1",
    )
    .bind(firm.cabinet)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((balance, sum), (85, 85));
    let overdraft = sqlx::query(
        "INSERT INTO credit_ledger (cabinet_id, amount_cents, kind) VALUES ($1, -86, 'seal')",
    )
    .bind(firm.cabinet)
    .execute(&db)
    .await;
    assert!(
        overdraft.is_err(),
        "a ledger row may not take the balance below zero"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_slow_outside_time_stamping_authority_does_not_hold_the_other_signers(db: PgPool) {
    use paraphe_server::pki::{remote_tsa::RemoteTsa, CaHierarchy, Pki, Registry};
    use std::sync::{Arc, Mutex};
    // The outside authority: another instance's unit, which holds the first request it
    // gets until the test lets it go.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let outside_url = format!("http://{}", listener.local_addr().unwrap());
    let outside = {
        let url = outside_url.clone();
        tokio::task::spawn_blocking(move || CaHierarchy::generate(&url))
            .await
            .unwrap()
            .unwrap()
    };
    let outside_root = outside.root.certificate.clone();
    let registry = Registry::in_memory_for(&outside);
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let gate = Arc::new(Mutex::new(Some(released)));
    let arrived = Arc::new(tokio::sync::Notify::new());
    let (gate_in, arrived_in) = (gate.clone(), arrived.clone());
    let authority =
        paraphe_server::pki::http::routes::<()>(Arc::new(Pki::new(outside, registry)), false)
            .layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    let held = gate_in.lock().unwrap().take();
                    let arrived = arrived_in.clone();
                    async move {
                        if let Some(released) = held {
                            arrived.notify_one();
                            let _ = released.await;
                        }
                        next.run(request).await
                    }
                },
            ));
    tokio::spawn(async move {
        axum::serve(
            listener,
            authority.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let tsa = RemoteTsa::new(
        &format!("{outside_url}/pki/tsa"),
        vec![outside_root.clone()],
    )
    .unwrap();
    let server = TestServer::start_with_remote_tsa(db.clone(), tsa).await;

    let firm = firm(&db, "tsa", true).await;
    credit(&db, firm.cabinet, 1000).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "PARALLEL",
        &[
            person("Hugo", "Lambert", "hugo@client.fr", "+33666666661"),
            person("Inès", "Moreau", "ines@client.fr", "+33666666662"),
        ],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    let links = invitation_tokens(&db).await;
    let mut codes = Vec::new();
    for (token, mobile) in &links {
        let mut signer = server.client();
        signer.data(ACCEPT, json!({ "t": token })).await;
        signer.data(REQUEST_CODE, json!({ "t": token })).await;
        codes.push(sms_code(&db, mobile).await);
    }

    // Hugo signs; his time-stamp is held by the authority.
    let (hugo_token, hugo_code) = (links[0].0.clone(), codes[0].clone());
    let mut hugo = server.client();
    let hugo_signs = tokio::spawn(async move {
        hugo.data(SIGN, json!({ "t": hugo_token, "c": hugo_code }))
            .await
    });
    arrived.notified().await;
    // Meanwhile Inès signs from start to end: nothing waits on Hugo's time-stamp.
    let ines = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        server
            .client()
            .data(SIGN, json!({ "t": links[1].0, "c": codes[1] })),
    )
    .await
    .expect("Inès waited for Hugo's time-stamp");
    assert_eq!(ines["sign"]["signerStatus"], "SIGNED");
    // Hugo's signature was made on the revision before Inès's: it is made again on hers.
    release.send(()).unwrap();
    let hugo = hugo_signs.await.unwrap();
    assert_eq!(hugo["sign"]["status"], "COMPLETED");

    let (pdf,): (Vec<u8>,) = sqlx::query_as("SELECT content FROM collection_documents")
        .fetch_one(&db)
        .await
        .unwrap();
    let report = paraphe_server::signing::validate(
        &pdf,
        &[server.pki.hierarchy.root.certificate.clone(), outside_root],
    )
    .unwrap();
    assert_eq!(report.signatures.len(), 2, "{report:?}");
    assert!(report.all_valid(), "{report:?}");
    let balance = preparer
        .data(
            "query($c: UUID!) { credit(cabinetId: $c) { balanceCents } }",
            json!({ "c": firm.cabinet }),
        )
        .await;
    assert_eq!(
        balance["credit"]["balanceCents"], 950,
        "two signatures debited, once each"
    );
}

/// Tokens can only be read from the emails: here from the dispatcher's outbox files.
async fn invitation_tokens(db: &PgPool) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT o.body, s.mobile FROM outbox o JOIN signers s ON s.email = o.recipient WHERE o.channel = 'email' AND o.subject LIKE '%vous invite%' ORDER BY o.id",
    )
    .fetch_all(db)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(body, mobile)| {
            (
                Mail {
                    body,
                    ..Default::default()
                }
                .signer_token(),
                mobile,
            )
        })
        .collect()
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn bad_uploads_are_refused_with_their_code_and_nothing_is_stored(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "up", true).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let data = preparer
        .data(
            CREATE,
            json!({ "c": firm.cabinet, "t": "Statuts", "m": "SEQUENTIAL" }),
        )
        .await;
    let id = data["createCollection"]["id"].as_str().unwrap().to_owned();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let encrypted = std::fs::read(corpus.join("refuse/libreoffice-writer-password.pdf")).unwrap();
    let mut oversized = sample_pdf();
    oversized.resize(10 * 1024 * 1024 + 10, b' ');
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "image.pdf",
            b"\x89PNG\r\n\x1a\n not a pdf".to_vec(),
            "PDF_INVALID",
        ),
        (
            "broken.pdf",
            b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << /Root 9 0 R >>\n%%EOF".to_vec(),
            "PDF_INVALID",
        ),
        ("secret.pdf", encrypted, "PDF_ENCRYPTED"),
        ("huge.pdf", oversized, "PDF_TOO_LARGE"),
        // 200 KB that used to overflow the parser's stack and take the server down.
        (
            "deep.pdf",
            crate::common::hostile_pdf::deeply_nested(100_000),
            "PDF_INVALID",
        ),
        // 64 KB whose page sits in a stream that decodes to 64 MB.
        (
            "bomb.pdf",
            crate::common::hostile_pdf::page_in_object_stream(64 << 20),
            "PDF_INVALID",
        ),
    ];
    for (name, content, code) in cases {
        let response = preparer
            .upload(
                ADD_DOCUMENT,
                json!({ "id": id, "file": null }),
                name,
                content,
            )
            .await;
        assert_eq!(error_code_of(&response), code, "{name}: {response}");
    }
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM collection_documents")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 0);
    // The server is still up, and the same shapes at a harmless size are accepted.
    for (name, content) in [
        ("shallow.pdf", crate::common::hostile_pdf::deeply_nested(20)),
        (
            "packed.pdf",
            crate::common::hostile_pdf::page_in_object_stream(1024),
        ),
    ] {
        let response = preparer
            .upload(
                ADD_DOCUMENT,
                json!({ "id": id, "file": null }),
                name,
                content,
            )
            .await;
        assert_eq!(
            response["data"]["addDocument"]["pages"], 1,
            "{name}: {response}"
        );
    }
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn launch_checks_credit_levels_and_content_before_sending_anything(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "lau", true).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let signer = person("Gaëlle", "Morel", "gaelle@client.fr", "+33655555555");

    // Nothing to sign, nobody to sign: validation errors.
    let empty = preparer
        .data(
            CREATE,
            json!({ "c": firm.cabinet, "t": "Vide", "m": "SEQUENTIAL" }),
        )
        .await;
    assert_eq!(
        preparer
            .error_code(LAUNCH, json!({ "id": empty["createCollection"]["id"] }))
            .await,
        "VALIDATION"
    );

    // Level 3 needs a qualified certificate the signer does not hold (level 2 signers
    // without one create theirs from the invitation: certificates.rs).
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        std::slice::from_ref(&signer),
    )
    .await;
    let mut qualified = person("Hélène", "Garnier", "helene@client.fr", "+33666666666");
    qualified["level"] = json!(3);
    assert_eq!(
        preparer
            .error_code(ADD_SIGNER, json!({ "id": id, "s": qualified }))
            .await,
        "CERTIFICATE_REQUIRED"
    );
    // A bad mobile or email is a validation error; a stamp off the page is refused.
    let bad_mobile = person("Ivan", "Petit", "ivan@client.fr", "06 12");
    assert_eq!(
        preparer
            .error_code(ADD_SIGNER, json!({ "id": id, "s": bad_mobile }))
            .await,
        "VALIDATION"
    );
    let mut stamped = person("Jules", "Faure", "jules@client.fr", "+33677777777");
    stamped["stamp"] = json!({ "page": 9, "x": 50, "y": 50, "width": 180, "height": 60 });
    preparer
        .data(ADD_SIGNER, json!({ "id": id, "s": stamped }))
        .await;
    assert_eq!(
        preparer.error_code(LAUNCH, json!({ "id": id })).await,
        "STAMP_INVALID"
    );
    let jules: (Uuid,) = sqlx::query_as("SELECT id FROM signers WHERE email = 'jules@client.fr'")
        .fetch_one(&db)
        .await
        .unwrap();
    preparer
        .data(
            "mutation($id: UUID!, $s: UUID!) { removeSigner(collectionId: $id, signerId: $s) }",
            json!({ "id": id, "s": jules.0 }),
        )
        .await;

    // No credit: refused before anything is sent.
    assert_eq!(
        preparer.error_code(LAUNCH, json!({ "id": id })).await,
        "INSUFFICIENT_CREDIT"
    );
    let (emails,): (i64,) = sqlx::query_as("SELECT count(*) FROM outbox")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(emails, 0);
    // Credit for one signature, already owed to another running collection: still refused.
    credit(&db, firm.cabinet, 25).await;
    let other = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        &[person("Karim", "Blanc", "karim@client.fr", "+33688888888")],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": other })).await;
    assert_eq!(
        preparer.error_code(LAUNCH, json!({ "id": id })).await,
        "INSUFFICIENT_CREDIT"
    );
    credit(&db, firm.cabinet, 25).await;
    let launched = preparer.data(LAUNCH, json!({ "id": id })).await;
    assert_eq!(launched["launchCollection"]["status"], "ACTIVE");

    // Expiry is 15 days after launch.
    let (days,): (f64,) = sqlx::query_as("SELECT EXTRACT(EPOCH FROM expires_at - launched_at)::float8 / 86400 FROM collections WHERE id = $1::uuid").bind(&id).fetch_one(&db).await.unwrap();
    assert!((days - 15.0).abs() < 0.001, "{days}");
    // A launched collection no longer changes.
    assert_eq!(
        preparer
            .error_code(ADD_SIGNER, json!({ "id": id, "s": signer }))
            .await,
        "INVALID_STATE"
    );
    assert_eq!(
        preparer.error_code(LAUNCH, json!({ "id": id })).await,
        "INVALID_STATE"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_signing_code_rules_hold(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "otp", true).await;
    credit(&db, firm.cabinet, 1000).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let mobile = "+33699999999";
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        &[person("Léa", "Roy", "lea@client.fr", mobile)],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    let token = invitation_tokens(&db).await.remove(0).0;
    let mut signer = server.client();

    assert_eq!(
        signer
            .error_code(SESSION, json!({ "t": "forged-token" }))
            .await,
        "LINK_INVALID"
    );
    assert_eq!(
        signer.error_code(REQUEST_CODE, json!({ "t": token })).await,
        "DOCUMENTS_NOT_ACCEPTED"
    );
    signer.data(ACCEPT, json!({ "t": token })).await;
    assert_eq!(
        signer
            .error_code(SIGN, json!({ "t": token, "c": "123456" }))
            .await,
        "OTP_NOT_SENT"
    );

    // Five wrong codes kill the code, even the right one afterwards.
    signer.data(REQUEST_CODE, json!({ "t": token })).await;
    let code = sms_code(&db, mobile).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let response = signer.gql(SIGN, json!({ "t": token, "c": wrong })).await;
        assert_eq!(error_code_of(&response), "OTP_INVALID");
        assert!(
            response["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("il reste {left} essai")),
            "{response}"
        );
    }
    assert_eq!(
        signer
            .error_code(SIGN, json!({ "t": token, "c": wrong }))
            .await,
        "OTP_LOCKED"
    );
    assert_eq!(
        signer
            .error_code(SIGN, json!({ "t": token, "c": code }))
            .await,
        "OTP_NOT_SENT"
    );

    // An expired code is refused.
    signer.data(REQUEST_CODE, json!({ "t": token })).await;
    let code = sms_code(&db, mobile).await;
    sqlx::query(
        "UPDATE signing_codes SET expires_at = now() - interval '1 second' WHERE closed_at IS NULL",
    )
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(
        signer
            .error_code(SIGN, json!({ "t": token, "c": code }))
            .await,
        "OTP_EXPIRED"
    );

    // Three codes per 15 minutes.
    signer.data(REQUEST_CODE, json!({ "t": token })).await;
    assert_eq!(
        signer.error_code(REQUEST_CODE, json!({ "t": token })).await,
        "RATE_LIMITED"
    );

    // The latest code still signs; the key is gone afterwards.
    let code = sms_code(&db, mobile).await;
    signer.data(SIGN, json!({ "t": token, "c": code })).await;
    let (key,): (Option<Vec<u8>>,) = sqlx::query_as("SELECT key_sealed FROM signers")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(
        key.is_none(),
        "the signer's key must be erased once it signed"
    );
    assert_eq!(
        signer
            .error_code(SIGN, json!({ "t": token, "c": code }))
            .await,
        "COLLECTION_CLOSED"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn expiry_reminders_and_purge_run_as_jobs(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "job", true).await;
    credit(&db, firm.cabinet, 1000).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        &[person("Marc", "Vidal", "marc@client.fr", "+33610101010")],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    let jobs = paraphe_server::collections::jobs::Jobs {
        db: db.clone(),
        bus: paraphe_server::events::EventBus::in_process(),
        notifier: Default::default(),
        public_url: "http://localhost:8080".into(),
        kek: paraphe_server::config::Config::for_tests(String::new()).key_encryption_key,
        remind_every_days: 3,
    };

    // A manual reminder resends the invitation and moves the expiry to 15 days from now.
    sqlx::query("UPDATE collections SET expires_at = now() + interval '1 day'")
        .execute(&db)
        .await
        .unwrap();
    preparer
        .data(
            "mutation($id: UUID!) { remindCollection(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    let (days,): (f64,) = sqlx::query_as(
        "SELECT EXTRACT(EPOCH FROM expires_at - now())::float8 / 86400 FROM collections",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!((days - 15.0).abs() < 0.01, "{days}");
    let (invitations,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM outbox WHERE recipient = 'marc@client.fr'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(invitations, 2);
    let tokens = invitation_tokens(&db).await;
    // The reminder re-sent the link Marc already holds (one live credential, not one more
    // per reminder), and that link's own expiry followed the collection's.
    assert_eq!(tokens[0].0, tokens[1].0);
    let (links, link_days): (i64, f64) = sqlx::query_as(
        "SELECT count(*), EXTRACT(EPOCH FROM max(expires_at) - now())::float8 / 86400 FROM signer_links",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(links, 1);
    assert!((link_days - 15.0).abs() < 0.01, "{link_days}");
    server
        .client()
        .data(SESSION, json!({ "t": tokens[0].0 }))
        .await;

    // A link past its own expiry is refused as such, even while the collection runs.
    sqlx::query("UPDATE signer_links SET expires_at = now() - interval '1 minute'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        server
            .client()
            .error_code(SESSION, json!({ "t": tokens[0].0 }))
            .await,
        "LINK_EXPIRED"
    );

    // Three days without news: an automatic reminder, which does not move the expiry
    // (or automatic reminders would keep a collection alive for ever).
    sqlx::query("UPDATE collections SET last_reminded_at = now() - interval '4 days', expires_at = now() + interval '2 days'").execute(&db).await.unwrap();
    assert_eq!(jobs.run_once().await.unwrap().reminded, 1);
    let (days,): (f64,) = sqlx::query_as(
        "SELECT EXTRACT(EPOCH FROM expires_at - now())::float8 / 86400 FROM collections",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!((days - 2.0).abs() < 0.01, "{days}");
    let (invitations,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM outbox WHERE recipient = 'marc@client.fr'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(invitations, 3);
    // The old link had expired: the reminder carries a new one, valid as long as the
    // collection.
    let tokens = invitation_tokens(&db).await;
    assert_ne!(tokens[2].0, tokens[0].0);
    server
        .client()
        .data(SESSION, json!({ "t": tokens[2].0 }))
        .await;
    let (live,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM signer_links l JOIN collections c ON true WHERE l.expires_at = c.expires_at")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(live, 1);

    // Past its expiry: expired, the signer's link is dead, the preparer is told.
    sqlx::query("UPDATE collections SET expires_at = now() - interval '1 minute'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(jobs.run_once().await.unwrap().expired, 1);
    assert_eq!(
        server
            .client()
            .error_code(SESSION, json!({ "t": tokens[2].0 }))
            .await,
        "COLLECTION_CLOSED"
    );
    let (told,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM outbox WHERE recipient = $1 AND subject LIKE '%expirée%'",
    )
    .bind(&firm.accountant_email)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(told, 1);

    // One month after the end, documents are purged; the audit trail stays intact.
    sqlx::query("UPDATE collections SET ended_at = now() - interval '31 days'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(jobs.run_once().await.unwrap().purged, 1);
    let (content,): (Option<Vec<u8>>,) = sqlx::query_as("SELECT content FROM collection_documents")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(content.is_none());
    // The preparer's download and page preview say the documents are gone, not "not found".
    let document = sqlx::query_scalar!("SELECT id FROM collection_documents")
        .fetch_one(&db)
        .await
        .unwrap();
    for path in [
        format!("/api/collections/{id}/documents/{document}"),
        format!("/api/collections/{id}/documents/{document}/pages/1.png"),
    ] {
        let response = preparer
            .http
            .get(server.url(&path))
            .header("cookie", preparer.cookie.clone().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 410, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code_of(&body), "COLLECTION_CLOSED", "{path}");
    }
    let collection = preparer.data(COLLECTION, json!({ "id": id })).await["collection"].clone();
    assert_eq!(collection["status"], "EXPIRED");
    assert_eq!(collection["auditTrailIntact"], true);
    let kinds: Vec<&str> = collection["auditTrail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.ends_with(&["expired", "purged"]), "{kinds:?}");
    assert_eq!(jobs.run_once().await.unwrap(), Default::default());

    // Links a month past their expiry are deleted; younger ones still say "expired".
    sqlx::query!("UPDATE signer_links SET expires_at = now() - interval '31 days' WHERE token_hash = (SELECT token_hash FROM signer_links ORDER BY token_hash LIMIT 1)")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(jobs.run_once().await.unwrap(), Default::default());
    let (links,): (i64,) = sqlx::query_as("SELECT count(*) FROM signer_links")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(links, 1);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_audit_trail_is_append_only_and_tampering_shows(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "aud", true).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        &[person("Nina", "Simon", "nina@client.fr", "+33620202020")],
    )
    .await;
    let update = sqlx::query("UPDATE audit_events SET ip = '10.0.0.1'")
        .execute(&db)
        .await;
    assert!(update.is_err(), "audit entries must not be editable");
    assert!(sqlx::query("DELETE FROM audit_events")
        .execute(&db)
        .await
        .is_err());
    assert!(
        sqlx::query("DELETE FROM credit_ledger")
            .execute(&db)
            .await
            .is_ok(),
        "an empty delete touches no row"
    );

    // Someone with the database owner's rights gets around the trigger: the chain shows it.
    sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET actor = 'system' WHERE seq = 1")
        .execute(&db)
        .await
        .unwrap();
    let collection = preparer.data(COLLECTION, json!({ "id": id })).await;
    assert_eq!(collection["collection"]["auditTrailIntact"], false);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn collections_stay_inside_their_cabinet(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let ours = firm(&db, "own", true).await;
    let theirs = firm(&db, "oth", true).await;
    let mut preparer = server.login(&ours.accountant_email, PASSWORD).await;
    let id = draft(
        &mut preparer,
        ours.cabinet,
        "SEQUENTIAL",
        &[person("Olga", "Bern", "olga@client.fr", "+33630303030")],
    )
    .await;

    let mut stranger = server.login(&theirs.accountant_email, PASSWORD).await;
    assert_eq!(
        stranger.error_code(COLLECTION, json!({ "id": id })).await,
        "NOT_FOUND"
    );
    assert_eq!(
        stranger.error_code(LAUNCH, json!({ "id": id })).await,
        "NOT_FOUND"
    );
    assert_eq!(
        stranger
            .error_code(
                ADD_SIGNER,
                json!({ "id": id, "s": person("X", "Y", "x@y.fr", "+33640404040") })
            )
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        stranger
            .error_code(
                "query($c: UUID!) { collections(cabinetId: $c) { edges { node { id } } } }",
                json!({ "c": ours.cabinet })
            )
            .await,
        "NOT_FOUND"
    );
    let response = stranger
        .upload(
            ADD_DOCUMENT,
            json!({ "id": id, "file": null }),
            "x.pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(error_code_of(&response), "NOT_FOUND");
    let document: (Uuid,) = sqlx::query_as("SELECT id FROM collection_documents")
        .fetch_one(&db)
        .await
        .unwrap();
    let download = stranger
        .http
        .get(server.url(&format!("/api/collections/{id}/documents/{}", document.0)))
        .header("cookie", stranger.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 404);

    // A collaborator without the `prepare` delegation sees nothing either.
    let mut collaborator = server.login(&ours.collaborator_email, PASSWORD).await;
    assert_eq!(
        collaborator
            .error_code(COLLECTION, json!({ "id": id }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        collaborator
            .error_code(
                CREATE,
                json!({ "c": ours.cabinet, "t": "x", "m": "PARALLEL" })
            )
            .await,
        "FORBIDDEN"
    );
    // Crediting is for platform administrators.
    assert_eq!(
        preparer
            .error_code(
                "mutation($c: UUID!) { creditCabinet(cabinetId: $c, amountCents: 1000) }",
                json!({ "c": ours.cabinet })
            )
            .await,
        "FORBIDDEN"
    );
    sqlx::query("UPDATE users SET is_platform_admin = true WHERE id = $1")
        .bind(theirs.accountant)
        .execute(&db)
        .await
        .unwrap();
    let balance = stranger.data("mutation($c: UUID!) { creditCabinet(cabinetId: $c, amountCents: 1000, note: \"achat\") }", json!({ "c": ours.cabinet })).await;
    assert_eq!(balance["creditCabinet"], 1000);
}

/// A stand-in SMS provider: an HTTP endpoint that records what it receives and fails the
/// first request, as real gateways sometimes do.
async fn sms_gateway() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, Value)>>>,
) {
    use axum::{extract::State, http::HeaderMap, http::StatusCode, routing::post, Json, Router};
    type Seen = std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, Value)>>>;
    let seen: Seen = Default::default();
    async fn receive(
        State(seen): State<Seen>,
        headers: HeaderMap,
        Json(body): Json<Value>,
    ) -> StatusCode {
        let mut seen = seen.lock().unwrap();
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        seen.push((auth, body));
        if seen.len() == 1 {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/sms", post(receive))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn codes_go_through_the_http_sms_gateway_and_failures_are_retried(db: PgPool) {
    let (gateway, seen) = sms_gateway().await;
    let server = TestServer::start_with(
        db.clone(),
        paraphe_server::events::EventBus::in_process(),
        move |config| {
            config.sms_gateway_url = Some(gateway);
            config.sms_gateway_token = "secret-token".into();
        },
    )
    .await;
    let firm = firm(&db, "sms", true).await;
    credit(&db, firm.cabinet, 100).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let mobile = "+33650505050";
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        &[person("Zoé", "Lambert", "zoe@client.fr", mobile)],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    let token = invitation_tokens(&db).await.remove(0).0;
    let mut signer = server.client();
    signer.data(ACCEPT, json!({ "t": token })).await;
    signer.data(REQUEST_CODE, json!({ "t": token })).await;

    // The first try fails (503) and is rescheduled; bring the retry forward.
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM outbox WHERE channel = 'sms'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.unwrap_or_default().contains("503"));
    sqlx::query("UPDATE outbox SET next_attempt_at = now() WHERE channel = 'sms'")
        .execute(&db)
        .await
        .unwrap();
    for _ in 0..200 {
        if seen.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (auth, body) = &seen[1];
    assert_eq!(auth.as_deref(), Some("Bearer secret-token"));
    assert_eq!(body["to"], mobile);
    let code = sms_code(&db, mobile).await;
    assert!(body["text"].as_str().unwrap().contains(&code));
    for _ in 0..50 {
        let (sent,): (bool,) =
            sqlx::query_as("SELECT sent_at IS NOT NULL FROM outbox WHERE channel = 'sms'")
                .fetch_one(&db)
                .await
                .unwrap();
        if sent {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the SMS was delivered but not marked sent");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_proof_file_holds_everything_and_its_seal_verifies(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "prf", true).await;
    credit(&db, firm.cabinet, 100).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let mobile = "+33670707070";
    let id = draft(
        &mut preparer,
        firm.cabinet,
        "SEQUENTIAL",
        &[person("Yves", "Marchand", "yves@client.fr", mobile)],
    )
    .await;
    preparer.data(LAUNCH, json!({ "id": id })).await;
    let token = invitation_tokens(&db).await.remove(0).0;
    sign_through(&server, &token, mobile).await;

    let url = server.url(&format!("/api/collections/{id}/proof.zip"));
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        401,
        "the proof file needs a session"
    );
    // A link on a foreign page rides on the cookie: the browser says so, and nothing is
    // downloaded nor written to the trail.
    let trail = |db: PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_events WHERE kind = 'proof_downloaded'",
        )
        .fetch_one(&db)
        .await
        .unwrap()
    };
    let forged = preparer
        .http
        .get(&url)
        .header("cookie", preparer.cookie.clone().unwrap())
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(trail(db.clone()).await, 0);
    let response = preparer
        .http
        .get(&url)
        .header("cookie", preparer.cookie.clone().unwrap())
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let zip = response.bytes().await.unwrap().to_vec();

    // Checked with Python's zipfile and openssl, not with our own code.
    let dir = std::env::temp_dir().join(format!("paraphe-proof-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("proof.zip"), &zip).unwrap();
    let unzip = std::process::Command::new(python())
        .args(["-m", "zipfile", "-e", "proof.zip", "out"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        unzip.status.success(),
        "{}",
        String::from_utf8_lossy(&unzip.stderr)
    );
    let out = dir.join("out");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for expected in [
        "documents/01-liasse.pdf",
        "audit-trail.json",
        "audit-trail.pdf",
        "certificate-status.json",
        "certificates/root-ca.pem",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for file in manifest["files"].as_array().unwrap() {
        let bytes = std::fs::read(out.join(file["name"].as_str().unwrap())).unwrap();
        assert_eq!(
            hex_sha256(&bytes),
            file["sha256"].as_str().unwrap(),
            "{file}"
        );
    }
    assert!(
        manifest["audit_chain"]
            .as_str()
            .unwrap()
            .starts_with("Intact"),
        "{manifest}"
    );
    let status: Value =
        serde_json::from_slice(&std::fs::read(out.join("certificate-status.json")).unwrap())
            .unwrap();
    assert_eq!(
        status["certificates"][0]["state"]["status"], "good",
        "{status}"
    );

    // The manifest's seal verifies against the instance's root.
    std::fs::write(
        dir.join("root.pem"),
        server.pki.hierarchy.roots_pem().unwrap(),
    )
    .unwrap();
    let verify = std::process::Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "out/manifest.json.p7s",
            "-content",
            "out/manifest.json",
            "-CAfile",
            "root.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // The readable trail is a sealed PDF pyHanko accepts, and the signed document too.
    for pdf in ["audit-trail.pdf", "documents/01-liasse.pdf"] {
        let report = pyhanko(&server, &std::fs::read(out.join(pdf)).unwrap(), "proof");
        assert!(
            !report.is_empty() && report.iter().all(|s| s["bottom_line"] == true),
            "{pdf}: {report:?}"
        );
    }
    // The download itself is in the trail.
    let collection = preparer.data(COLLECTION, json!({ "id": id })).await;
    let kinds: Vec<&str> = collection["collection"]["auditTrail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.last(), Some(&"proof_downloaded"));
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_preparer_sees_pages_as_pictures_to_place_stamps(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "apercu", true).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let id = draft(&mut preparer, firm.cabinet, "SEQUENTIAL", &[]).await;
    let document = preparer.data(COLLECTION, json!({ "id": id })).await["collection"]["documents"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = |n: &str| format!("/api/collections/{id}/documents/{document}/pages/{n}");
    let get = |path: String, cookie: Option<String>| {
        let request = reqwest::Client::new().get(server.url(&path));
        match cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        }
        .send()
    };
    let first = get(page("1.png"), preparer.cookie.clone()).await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "image/png");
    let png = first.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // 72 dpi: one pixel per PDF point (an A4 page is 595 × 842 points).
    let (width, height) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert!(
        (590..=600).contains(&width) && (837..=847).contains(&height),
        "{width}×{height}"
    );
    assert_eq!(
        get(page("2.png"), preparer.cookie.clone())
            .await
            .unwrap()
            .status(),
        404,
        "a page the document does not have"
    );
    assert_eq!(
        get(page("1"), preparer.cookie.clone())
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(get(page("1.png"), None).await.unwrap().status(), 401);
    let stranger = server.login(&firm_stranger(&db).await, PASSWORD).await;
    assert_eq!(
        get(page("1.png"), stranger.cookie.clone())
            .await
            .unwrap()
            .status(),
        404,
        "another cabinet sees nothing"
    );
}

async fn firm_stranger(db: &PgPool) -> String {
    firm(db, "ailleurs", true).await.accountant_email
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_stored_status_the_code_does_not_know_is_an_error_not_a_draft(db: PgPool) {
    use paraphe_server::collections::{CollectionStatus, DocumentKind, SignerStatus, SigningMode};
    let status: CollectionStatus = sqlx::query_scalar("SELECT 'completed'::text")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(status, CollectionStatus::Completed);
    let signer: SignerStatus = sqlx::query_scalar("SELECT 'invited'::text")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(signer, SignerStatus::Invited);
    let kind: DocumentKind = sqlx::query_scalar("SELECT 'to_sign'::text")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(kind, DocumentKind::ToSign);
    let mode: SigningMode = sqlx::query_scalar("SELECT 'parallel'::text")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(mode, SigningMode::Parallel);
    // Before, an unknown value read back as a draft (or a waiting signer): an archived
    // collection would have looked editable.
    let unknown = sqlx::query_scalar::<_, CollectionStatus>("SELECT 'archived'::text")
        .fetch_one(&db)
        .await;
    assert!(unknown.is_err(), "{unknown:?}");
    let unknown = sqlx::query_scalar::<_, SignerStatus>("SELECT 'delegated'::text")
        .fetch_one(&db)
        .await;
    assert!(unknown.is_err(), "{unknown:?}");
}
