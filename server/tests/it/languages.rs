//! French and English: what the server writes to a signer (invitation, SMS code) follows
//! the language chosen for them, by the preparer or by their page; what it writes to a
//! person follows the language they chose in the app. And a member's own turn to sign,
//! listed for the dashboard and opened from the session.

use crate::common::*;
use paraphe_server::ids::CabinetId;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

const CREATE: &str = "mutation($c: UUID!) { createCollection(cabinetId: $c, title: \"Lettre de mission\", message: \"\", mode: PARALLEL) { id } }";
const ADD_DOCUMENT: &str =
    "mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }";
const ADD_SIGNER: &str = "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id language } }";
const LAUNCH: &str = "mutation($id: UUID!) { launchCollection(id: $id) { status } }";
const SESSION: &str = "query($t: String!) { signingSession(token: $t) { title language } }";
const SET_SIGNER_LANGUAGE: &str =
    "mutation($t: String!, $l: Language!) { setSignerLanguage(token: $t, language: $l) }";
const SET_MY_LANGUAGE: &str = "mutation($l: Language!) { setMyLanguage(language: $l) }";
const REQUEST_CODE: &str = "mutation($t: String!) { requestSigningCode(token: $t) { mobileHint } }";
const REFUSE: &str =
    "mutation($t: String!) { refuse(token: $t, reason: \"Pas d'accord\") { status } }";
const AWAITING: &str = "{ mySignatureRequests { signerId title cabinetName invitedAt } }";
const OPEN_MINE: &str = "mutation($s: UUID!) { openMySignature(signerId: $s) }";

async fn launched(preparer: &mut Client, db: &PgPool, cabinet: Uuid, signers: &[Value]) -> String {
    paraphe_server::billing::credit(db, CabinetId::from_uuid(cabinet), 10_000, "test", None)
        .await
        .unwrap();
    let id = preparer.data(CREATE, json!({ "c": cabinet })).await["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uploaded = preparer
        .upload(
            ADD_DOCUMENT,
            json!({ "id": id, "file": null }),
            "lettre.pdf",
            sample_pdf(),
        )
        .await;
    assert!(uploaded.get("errors").is_none(), "{uploaded}");
    for signer in signers {
        preparer
            .data(ADD_SIGNER, json!({ "id": id, "s": signer }))
            .await;
    }
    preparer.data(LAUNCH, json!({ "id": id })).await;
    id
}

/// The newest message of `channel` to `recipient`: (subject, body).
async fn last_message(db: &PgPool, channel: &str, recipient: &str) -> (String, String) {
    let (subject, body): (Option<String>, String) =
        sqlx::query_as("SELECT subject, body FROM outbox WHERE channel = $1 AND recipient = $2 ORDER BY id DESC LIMIT 1")
            .bind(channel)
            .bind(recipient)
            .fetch_one(db)
            .await
            .unwrap_or_else(|e| panic!("no {channel} to {recipient}: {e}"));
    (subject.unwrap_or_default(), body)
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_signer_reads_the_invitation_and_the_code_in_the_language_chosen_for_them(db: PgPool) {
    let firm = firm(&db, "lang", true).await;
    let server = TestServer::start(db.clone()).await;
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    let english = json!({ "firstName": "Alice", "lastName": "Smith", "email": "alice@client.co.uk", "mobile": "+447700900123", "language": "EN" });
    let unset = json!({ "firstName": "Bruno", "lastName": "Martin", "email": "bruno@client.fr", "mobile": "+33622222222" });
    launched(&mut preparer, &db, firm.cabinet, &[english, unset]).await;

    // Set by the preparer: the invitation is in English, and the page is told.
    let (subject, body) = last_message(&db, "email", "alice@client.co.uk").await;
    assert!(subject.contains("invites you to sign"), "{subject}");
    assert!(
        body.contains("To read and sign, open this personal link"),
        "{body}"
    );
    let alice = token_in(&body);
    let mut signer = server.client();
    assert_eq!(
        signer.data(SESSION, json!({ "t": alice })).await["signingSession"]["language"],
        "EN"
    );

    // Not set: French until the signer's page tells which language it shows.
    let (subject, body) = last_message(&db, "email", "bruno@client.fr").await;
    assert!(subject.contains("vous invite à signer"), "{subject}");
    let bruno = token_in(&body);
    assert_eq!(
        signer.data(SESSION, json!({ "t": bruno })).await["signingSession"]["language"],
        Value::Null
    );
    assert_eq!(
        signer
            .data(SET_SIGNER_LANGUAGE, json!({ "t": bruno, "l": "EN" }))
            .await["setSignerLanguage"],
        "EN"
    );
    signer
        .data(
            "mutation($t: String!) { acceptDocuments(token: $t) { accepted } }",
            json!({ "t": bruno }),
        )
        .await;
    signer.data(REQUEST_CODE, json!({ "t": bruno })).await;
    let (_, sms) = last_message(&db, "sms", "+33622222222").await;
    assert!(sms.starts_with("Paraphe: your signing code is"), "{sms}");

    // A forged link changes nothing.
    assert_eq!(
        signer
            .error_code(SET_SIGNER_LANGUAGE, json!({ "t": "forged", "l": "FR" }))
            .await,
        "LINK_INVALID"
    );

    // What the preparer sees.
    let listed = preparer
        .data("query($c: UUID!) { collections(cabinetId: $c, first: 5) { edges { node { signers { email language } } } } }", json!({ "c": firm.cabinet }))
        .await;
    let signers = &listed["collections"]["edges"][0]["node"]["signers"];
    assert_eq!(signers[0]["language"], "EN");
    assert_eq!(signers[1]["language"], "EN", "Bruno's page told");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_persons_language_is_kept_and_their_emails_and_agreement_follow_it(db: PgPool) {
    let firm = firm(&db, "me", true).await;
    let server = TestServer::start(db.clone()).await;
    assert_eq!(
        server
            .client()
            .error_code(SET_MY_LANGUAGE, json!({ "l": "EN" }))
            .await,
        "UNAUTHENTICATED"
    );

    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;
    assert_eq!(
        preparer
            .data("{ me { user { language } } }", json!({}))
            .await["me"]["user"]["language"],
        Value::Null
    );
    assert_eq!(
        preparer.data(SET_MY_LANGUAGE, json!({ "l": "EN" })).await["setMyLanguage"],
        "EN"
    );
    assert_eq!(
        preparer
            .data("{ me { user { language } } }", json!({}))
            .await["me"]["user"]["language"],
        "EN"
    );

    // The refusal tells the preparer in English, the signer having read French.
    let signer = json!({ "firstName": "Chloé", "lastName": "Durand", "email": "chloe@client.fr", "mobile": "+33633333333", "language": "FR" });
    launched(&mut preparer, &db, firm.cabinet, &[signer]).await;
    let (_, body) = last_message(&db, "email", "chloe@client.fr").await;
    server
        .client()
        .data(REFUSE, json!({ "t": token_in(&body) }))
        .await;
    let (subject, body) = last_message(&db, "email", &firm.accountant_email).await;
    assert!(subject.starts_with("Signature refused"), "{subject}");
    assert!(body.contains("Reason given: Pas d'accord"), "{body}");

    // The subscription agreement on screen (and so the PDF signed) in the person's language.
    let mut collaborator = server.login(&firm.collaborator_email, PASSWORD).await;
    let articles = "{ myEnrolment { agreementArticles { heading } } }";
    let french = collaborator.data(articles, json!({})).await;
    assert_eq!(
        french["myEnrolment"]["agreementArticles"][0]["heading"],
        "Article 1 - Objet"
    );
    collaborator
        .data(SET_MY_LANGUAGE, json!({ "l": "EN" }))
        .await;
    let english = collaborator.data(articles, json!({})).await;
    assert_eq!(
        english["myEnrolment"]["agreementArticles"][0]["heading"],
        "Article 1 - Purpose"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_member_finds_his_turn_and_opens_it_from_his_session_only(db: PgPool) {
    let firm = firm(&db, "turn", true).await;
    sqlx::query("UPDATE users SET mobile = '+33612121212' WHERE id = $1")
        .bind(firm.accountant)
        .execute(&db)
        .await
        .unwrap();
    let server = TestServer::start(db.clone()).await;
    assert_eq!(
        server.client().error_code(AWAITING, json!({})).await,
        "UNAUTHENTICATED"
    );
    let mut accountant = server.login(&firm.accountant_email, PASSWORD).await;
    assert_eq!(
        accountant.data(AWAITING, json!({})).await["mySignatureRequests"],
        json!([])
    );

    launched(&mut accountant, &db, firm.cabinet, &[json!({ "me": true })]).await;
    let awaiting = accountant.data(AWAITING, json!({})).await["mySignatureRequests"].clone();
    assert_eq!(awaiting.as_array().map(Vec::len), Some(1), "{awaiting}");
    assert_eq!(awaiting[0]["title"], "Lettre de mission");
    assert_eq!(awaiting[0]["cabinetName"], "Cabinet turn");
    let signer_id = awaiting[0]["signerId"].clone();

    // Someone else's turn is not theirs to open.
    let mut collaborator = server.login(&firm.collaborator_email, PASSWORD).await;
    assert_eq!(
        collaborator.data(AWAITING, json!({})).await["mySignatureRequests"],
        json!([])
    );
    assert_eq!(
        collaborator
            .error_code(OPEN_MINE, json!({ "s": signer_id }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        server
            .client()
            .error_code(OPEN_MINE, json!({ "s": signer_id }))
            .await,
        "UNAUTHENTICATED"
    );

    // Their own: a working link to the signer's page.
    let path = accountant.data(OPEN_MINE, json!({ "s": signer_id })).await["openMySignature"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = path
        .strip_prefix("/signer/")
        .expect("a signer's page")
        .to_owned();
    assert_eq!(
        server.client().data(SESSION, json!({ "t": token })).await["signingSession"]["title"],
        "Lettre de mission"
    );

    // Once it is no longer their turn, nothing to open.
    server.client().data(REFUSE, json!({ "t": token })).await;
    assert_eq!(
        accountant.data(AWAITING, json!({})).await["mySignatureRequests"],
        json!([])
    );
    assert_eq!(
        accountant
            .error_code(OPEN_MINE, json!({ "s": signer_id }))
            .await,
        "INVALID_STATE"
    );
}
