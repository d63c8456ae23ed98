//! Kills the server (SIGKILL) while a signer signs, at several moments, restarts it, and
//! checks that the signature happened completely or not at all, and that nothing is lost:
//! the signer can still sign, the collection completes, and every email goes out.

use std::time::Duration;

use paraphe_e2e::{signer_link, sms_code, Api, Server};
use serde_json::json;
use sha2::{Digest, Sha256};

fn big_pdf() -> Vec<u8> {
    // 1.8 MB: signing takes long enough for the kill to land inside it.
    std::fs::read(
        paraphe_e2e::workspace_root()
            .join("server/tests/fixtures/corpus/sign/GeoTopo-komprimiert.pdf"),
    )
    .unwrap()
}

#[derive(Debug, PartialEq)]
struct State {
    signer_status: String,
    debits: i64,
    signed_entries: i64,
    content_is_original: bool,
    stored_hash_matches: bool,
}

async fn state(db: &mut sqlx::PgConnection, collection: &str, original: &[u8]) -> State {
    let (signer_status,): (String,) =
        sqlx::query_as("SELECT status FROM signers WHERE collection_id = $1::uuid")
            .bind(collection)
            .fetch_one(&mut *db)
            .await
            .unwrap();
    let (debits,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM credit_ledger WHERE collection_id = $1::uuid")
            .bind(collection)
            .fetch_one(&mut *db)
            .await
            .unwrap();
    let (signed_entries,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM audit_events WHERE collection_id = $1::uuid AND kind = 'signed'",
    )
    .bind(collection)
    .fetch_one(&mut *db)
    .await
    .unwrap();
    let (content, hash): (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "SELECT content, current_sha256 FROM collection_documents WHERE collection_id = $1::uuid",
    )
    .bind(collection)
    .fetch_one(&mut *db)
    .await
    .unwrap();
    State {
        signer_status,
        debits,
        signed_entries,
        content_is_original: content == original,
        stored_hash_matches: Sha256::digest(&content).to_vec() == hash,
    }
}

#[tokio::test]
async fn a_crash_while_signing_loses_nothing_and_leaves_no_half_signature() {
    let mut server = Server::start().await;
    let mut api = Api::new(&server);
    let cabinet = api.open_demo_cabinet().await;
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&server.database_url)
        .await
        .unwrap();
    let original = big_pdf();
    let mut outcomes = Vec::new();

    for (round, delay_ms) in [0u64, 40, 120, 300, 800].into_iter().enumerate() {
        let title = format!("Dossier {round}");
        let email = format!("signataire{round}@client.fr");
        let mobile = format!("+3361234560{round}");
        let created = api.run("mutation($c: UUID!, $t: String!) { createCollection(cabinetId: $c, title: $t) { id } }", json!({ "c": cabinet, "t": title })).await;
        let id = created["createCollection"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        api.upload("mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }", json!({ "id": id, "file": null }), "dossier.pdf", original.clone()).await;
        api.run(
            "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id } }",
            json!({ "id": id, "s": { "firstName": "Rose", "lastName": "Durand", "email": email, "mobile": mobile } }),
        )
        .await;
        api.run(
            "mutation($id: UUID!) { launchCollection(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
        let link = signer_link(&api.outbox(&email, &title).await);
        let token = link.rsplit('/').next().unwrap().to_owned();
        let mut signer = Api::new(&server);
        signer
            .run(
                "mutation($t: String!) { acceptDocuments(token: $t) { accepted } }",
                json!({ "t": token }),
            )
            .await;
        signer
            .run(
                "mutation($t: String!) { requestSigningCode(token: $t) { expiresAt } }",
                json!({ "t": token }),
            )
            .await;
        let code = sms_code(&api.outbox(&mobile, "code de signature").await);

        // Sign, and kill the server `delay_ms` later.
        let endpoint = server.url("/graphql");
        let body = json!({ "query": "mutation($t: String!, $c: String!) { sign(token: $t, code: $c) { signerStatus } }", "variables": { "t": token, "c": code } });
        let request = tokio::spawn(async move {
            reqwest::Client::new()
                .post(endpoint)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
        });
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        server.crash().await;
        let _ = request.await;
        server.restart().await;

        // All or nothing.
        let after = state(&mut db, &id, &original).await;
        assert!(
            after.stored_hash_matches,
            "round {round}: stored hash and bytes disagree: {after:?}"
        );
        let signed = after.signer_status == "signed";
        if signed {
            assert_eq!(
                (
                    after.debits,
                    after.signed_entries,
                    after.content_is_original
                ),
                (1, 1, false),
                "round {round}: half a signature: {after:?}"
            );
        } else {
            assert_eq!(
                (
                    after.signer_status.as_str(),
                    after.debits,
                    after.signed_entries,
                    after.content_is_original
                ),
                ("invited", 0, 0, true),
                "round {round}: half a signature: {after:?}"
            );
            // Nothing lost: the same code still signs after the restart.
            let mut signer = Api::new(&server);
            signer.run("mutation($t: String!, $c: String!) { sign(token: $t, code: $c) { signerStatus } }", json!({ "t": token, "c": code })).await;
        }
        outcomes.push(signed);
        // The completion email is sent, restart or not.
        api.outbox(&email, "Documents signés").await;
        let collection = api
            .run(
                "query($id: UUID!) { collection(id: $id) { status auditTrailIntact } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(collection["collection"]["status"], "COMPLETED");
        assert_eq!(collection["collection"]["auditTrailIntact"], true);
    }
    // Every email eventually left the outbox.
    for _ in 0..100 {
        let (pending,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                .fetch_one(&mut db)
                .await
                .unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (pending,): (i64,) = sqlx::query_as("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(pending, 0, "emails or SMS left unsent after the restarts");
    println!("signature committed before the crash in rounds: {outcomes:?}");
    drop(db);
    server.stop().await;
}
