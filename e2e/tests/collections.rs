//! The accountant prepares a collection with two outside signers in sequence (through the
//! API, as the app will); each signer signs on a phone-sized browser with the code from
//! the SMS outbox; the completed PDF carries two valid signatures. In a second collection
//! the second signer refuses.

use paraphe_e2e::{
    screenshot, server_binary, signer_link, sms_code, wait_for, Api, Chromedriver, Server, TEST_KEK,
};
use serde_json::json;
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (375, 812);

fn sample_pdf() -> Vec<u8> {
    std::fs::read(
        paraphe_e2e::workspace_root()
            .join("server/tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf"),
    )
    .unwrap()
}

/// Logs in as the demo accountant, opens the cabinet, and launches a sequential
/// collection for Alice then Bruno. Returns the API session and the cabinet id.
async fn launch_collection(server: &Server, title: &str) -> (Api, String) {
    let mut api = Api::new(server);
    let cabinet = api.open_demo_cabinet().await;
    let created = api.run("mutation($c: UUID!, $t: String!) { createCollection(cabinetId: $c, title: $t, message: \"Bonne lecture\") { id } }", json!({ "c": cabinet, "t": title })).await;
    let id = created["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.upload("mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }", json!({ "id": id, "file": null }), "contrat.pdf", sample_pdf()).await;
    for (first, last, email, mobile) in [
        ("Alice", "Martin", "alice@client.fr", "+33611111111"),
        ("Bruno", "Lefèvre", "bruno@client.fr", "+33622222222"),
    ] {
        api.run(
            "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id } }",
            json!({ "id": id, "s": { "firstName": first, "lastName": last, "email": email, "mobile": mobile } }),
        )
        .await;
    }
    api.run(
        "mutation($id: UUID!) { launchCollection(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    (api, title.to_owned())
}

async fn sign_on_phone(
    browser: &WebDriver,
    api: &mut Api,
    email: &str,
    mobile: &str,
    title: &str,
    shot: &str,
) {
    let invitation = api.outbox(email, title).await;
    browser.goto(signer_link(&invitation)).await.unwrap();
    let heading = wait_for(browser, "[data-testid=collection-title]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(heading.trim(), title);
    // The pages are there to read, as pictures.
    paraphe_e2e::wait_for_picture(browser, "img[data-testid=document-page]").await;
    screenshot(browser, &format!("{shot}-read-phone")).await;
    paraphe_e2e::assert_accessible(browser, "signer").await;
    wait_for(browser, "[data-testid=accept-documents]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(browser, "[data-testid=send-code]")
        .await
        .click()
        .await
        .unwrap();
    // The code field shows once the server sent the SMS.
    wait_for(browser, "[data-testid=code]").await;
    let code = sms_code(&api.outbox(mobile, "code de signature").await);
    // The page refreshes the session after sending, which may redraw the field: type into
    // the field as it is now, again if it was redrawn meanwhile.
    let mut typed = false;
    for _ in 0..5 {
        if wait_for(browser, "[data-testid=code]")
            .await
            .send_keys(&code)
            .await
            .is_ok()
        {
            typed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(typed, "could not type the code");
    screenshot(browser, &format!("{shot}-code-phone")).await;
    wait_for(browser, "[data-testid=sign]")
        .await
        .click()
        .await
        .unwrap();
}

/// The accountant prepares and launches the collection in the app, on a desktop browser.
async fn prepare_in_browser(
    chromedriver: &Chromedriver,
    server: &Server,
    title: &str,
) -> WebDriver {
    let browser = chromedriver.browser(1280, 900).await;
    browser.goto(server.url("/connexion")).await.unwrap();
    wait_for(&browser, "input#email")
        .await
        .send_keys("expert@demo.paraphe.fr")
        .await
        .unwrap();
    wait_for(&browser, "input#password")
        .await
        .send_keys("demo-expert-2026")
        .await
        .unwrap();
    wait_for(&browser, "button#login-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&browser, "a#nav-collections")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&browser, "[data-testid=credit]").await;
    wait_for(&browser, "input#collection-title")
        .await
        .send_keys(title)
        .await
        .unwrap();
    wait_for(&browser, "textarea#collection-message")
        .await
        .send_keys("Bonne lecture")
        .await
        .unwrap();
    wait_for(&browser, "button#create-collection")
        .await
        .click()
        .await
        .unwrap();
    let pdf = paraphe_e2e::workspace_root()
        .join("server/tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf");
    wait_for(&browser, "input#upload")
        .await
        .send_keys(pdf.to_str().unwrap())
        .await
        .unwrap();
    wait_for(&browser, "[data-testid=document-row]").await;
    // Alice's visible stamp, placed with a click on the page's picture.
    wait_for(&browser, "[data-testid=stamp-picker] summary")
        .await
        .click()
        .await
        .unwrap();
    paraphe_e2e::wait_for_picture(&browser, "img[data-testid=page-preview]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&browser, "[data-testid=stamp-box]").await;
    for (first, last, email, mobile) in [
        ("Alice", "Martin", "alice@client.fr", "+33611111111"),
        ("Bruno", "Lefèvre", "bruno@client.fr", "+33622222222"),
    ] {
        for (field, value) in [
            ("signer-first", first),
            ("signer-last", last),
            ("signer-email", email),
            ("signer-mobile", mobile),
        ] {
            wait_for(&browser, &format!("input#{field}"))
                .await
                .send_keys(value)
                .await
                .unwrap();
        }
        wait_for(&browser, "form.stack button[type=submit]")
            .await
            .click()
            .await
            .unwrap();
        wait_for(
            &browser,
            &format!("[data-testid=signer-row][data-email='{email}']"),
        )
        .await;
    }
    // Reordered by drag and drop (HTML5 drag events, dispatched as a mouse would): Bruno
    // onto Alice's place, then Alice back onto the first place.
    for (dragged, target) in [
        ("bruno@client.fr", "alice@client.fr"),
        ("alice@client.fr", "bruno@client.fr"),
    ] {
        let script = "const [from, to] = [arguments[0], arguments[1]].map(e => document.querySelector(`[data-testid=signer-row][data-email='${e}']`));
             const data = new DataTransfer();
             for (const [node, type] of [[from, 'dragstart'], [to, 'dragover'], [to, 'drop']]) {
                 node.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
             }";
        browser
            .execute(script, vec![json!(dragged), json!(target)])
            .await
            .unwrap();
        browser
            .query(By::Css(format!(
                "ol.signers li:first-child[data-email='{dragged}']"
            )))
            .wait(
                std::time::Duration::from_secs(10),
                std::time::Duration::from_millis(100),
            )
            .first()
            .await
            .unwrap_or_else(|e| panic!("{dragged} did not move first: {e}"));
    }
    screenshot(&browser, "collection-draft-desktop").await;
    paraphe_e2e::assert_accessible(&browser, "collection (draft)").await;
    wait_for(&browser, "[data-testid=launch]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&browser, "[data-testid=remind]").await;
    browser
}

#[tokio::test]
async fn two_signers_sign_in_sequence_on_their_phones_and_a_refusal_ends_another_collection() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    // Terms accepted through the API; the collection itself is prepared in the app.
    let (mut api, _) = launch_collection(&server, "Préparée par l'API").await;
    let title = "Lettre de mission 2026".to_owned();
    let preparer = prepare_in_browser(&chromedriver, &server, &title).await;
    let me = api
        .run("{ me { memberships { cabinetId } } }", json!({}))
        .await;
    let listed = api
        .run("query($c: UUID!) { collections(cabinetId: $c, first: 10) { edges { node { title signers { email stamp { page width height } } } } } }", json!({ "c": me["me"]["memberships"][0]["cabinetId"] }))
        .await;
    let prepared = listed["collections"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["title"] == title.as_str())
        .expect("the collection")
        .clone();
    assert_eq!(
        prepared["node"]["signers"][0]["stamp"],
        json!({ "page": 1, "width": 180.0, "height": 60.0 }),
        "Alice's stamp, placed on the page"
    );
    assert_eq!(prepared["node"]["signers"][1]["stamp"], json!(null));

    let alice = chromedriver.browser(PHONE.0, PHONE.1).await;
    sign_on_phone(
        &alice,
        &mut api,
        "alice@client.fr",
        "+33611111111",
        &title,
        "alice",
    )
    .await;
    wait_for(&alice, "[data-testid=signer-done]").await;
    screenshot(&alice, "alice-done-phone").await;

    let bruno = chromedriver.browser(PHONE.0, PHONE.1).await;
    sign_on_phone(
        &bruno,
        &mut api,
        "bruno@client.fr",
        "+33622222222",
        &title,
        "bruno",
    )
    .await;
    wait_for(&bruno, "[data-testid=signer-completed]").await;
    // The preparer's open page follows live.
    let status = wait_for(&preparer, "[data-testid=collection-status]").await;
    for _ in 0..50 {
        if status.text().await.unwrap_or_default() == "Signée" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        wait_for(&preparer, "[data-testid=collection-status]")
            .await
            .text()
            .await
            .unwrap(),
        "Signée"
    );
    screenshot(&preparer, "collection-completed-desktop").await;

    // The completion email links to the signed PDF; it carries two valid signatures.
    let completion = api.outbox("alice@client.fr", "Documents signés").await;
    alice.goto(signer_link(&completion)).await.unwrap();
    let href = wait_for(&alice, "[data-testid=document-link]")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let pdf = reqwest::get(server.url(&href))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = std::env::temp_dir().join(format!("paraphe-e2e-signed-{}.pdf", std::process::id()));
    std::fs::write(&file, &pdf).unwrap();
    let verified = tokio::process::Command::new(server_binary())
        .args(["pdf", "verify", "--json"])
        .arg(&file)
        .env("DATABASE_URL", &server.database_url)
        .env("PARAPHE_KEY_ENCRYPTION_KEY", TEST_KEK)
        .env("RUST_LOG", "error")
        .output()
        .await
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&verified.stderr)));
    assert!(verified.status.success(), "{report}");
    assert_eq!(
        report["signatures"].as_array().unwrap().len(),
        2,
        "{report}"
    );

    // Another collection: Alice signs, Bruno refuses with a reason.
    let (mut api, title) = launch_collection(&server, "Avenant au contrat").await;
    sign_on_phone(
        &alice,
        &mut api,
        "alice@client.fr",
        "+33611111111",
        &title,
        "alice-2",
    )
    .await;
    wait_for(&alice, "[data-testid=signer-done]").await;
    let invitation = api.outbox("bruno@client.fr", &title).await;
    bruno.goto(signer_link(&invitation)).await.unwrap();
    wait_for(&bruno, "[data-testid=refuse]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&bruno, "[data-testid=refusal-reason]")
        .await
        .send_keys("Le montant n'est pas le bon")
        .await
        .unwrap();
    screenshot(&bruno, "bruno-refuse-phone").await;
    wait_for(&bruno, "[data-testid=confirm-refusal]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&bruno, "[data-testid=signer-refused]").await;
    let told = api
        .outbox("expert@demo.paraphe.fr", "Signature refusée")
        .await;
    assert!(told.contains("Le montant n'est pas le bon"), "{told}");

    preparer.quit().await.unwrap();
    alice.quit().await.unwrap();
    bruno.quit().await.unwrap();
    server.stop().await;
}
