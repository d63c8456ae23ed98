//! A collaborator joins through an invitation: the accountant invites her by email from the
//! members page with the "prepare" delegation; on her phone she opens the emailed link,
//! creates her account, lands in the cabinet and prepares a collection; the link then says
//! it was used.

use paraphe_e2e::{log_in, screenshot, signer_link, wait_for, Api, Chromedriver, Server};
use thirtyfour::prelude::*;

const INVITEE: &str = "nina.marchand@cabinet-demo.example";
const INVITEE_PASSWORD: &str = "une phrase de passe pour Nina";

async fn type_into(browser: &WebDriver, css: &str, text: &str) {
    let field = wait_for(browser, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(browser: &WebDriver, css: &str) {
    wait_for(browser, css).await.click().await.unwrap();
}

#[tokio::test]
async fn an_invited_collaborator_joins_from_her_phone_and_prepares_a_collection() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let mut api = Api::new(&server);
    api.open_demo_cabinet().await;

    // The accountant invites her from the members page, with "prepare" (the default).
    let accountant = chromedriver.browser(1280, 800).await;
    log_in(
        &accountant,
        &server,
        "expert@demo.paraphe.fr",
        "demo-expert-2026",
    )
    .await;
    click(&accountant, "#nav-members").await;
    type_into(&accountant, "input#invite-email", INVITEE).await;
    let prepare = wait_for(&accountant, "input[data-invite-delegation=PREPARE]").await;
    assert!(prepare.is_selected().await.unwrap());
    click(&accountant, "button#invite-submit").await;
    wait_for(&accountant, "[data-testid=invitation-sent]").await;
    wait_for(
        &accountant,
        &format!("[data-testid=invitation-row][data-email='{INVITEE}']"),
    )
    .await;
    screenshot(&accountant, "members-invitations-desktop").await;
    paraphe_e2e::assert_accessible(&accountant, "members and invitations").await;

    // On her phone: the emailed link, her account, and she is in the cabinet.
    let email = api.outbox(INVITEE, "/invitation/").await;
    let link = signer_link(&email);
    let phone = chromedriver.browser(375, 812).await;
    phone.goto(&link).await.unwrap();
    let title = wait_for(&phone, "[data-testid=invitation-title]")
        .await
        .text()
        .await
        .unwrap();
    assert!(title.contains("Cabinet Démo"), "{title}");
    wait_for(&phone, "[data-testid=invitation-new-account]").await;
    screenshot(&phone, "invitation-phone").await;
    paraphe_e2e::assert_accessible(&phone, "invitation").await;
    type_into(&phone, "input#invitee-first-name", "Nina").await;
    type_into(&phone, "input#invitee-last-name", "Marchand").await;
    type_into(&phone, "input#invitee-password", INVITEE_PASSWORD).await;
    type_into(&phone, "input#invitee-confirm", INVITEE_PASSWORD).await;
    click(&phone, "button#invitation-create").await;
    let cabinet = wait_for(&phone, "[data-testid=cabinet-name]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(cabinet.trim(), "Cabinet Démo");
    wait_for(&phone, "#logout").await;

    // She prepares a collection: a document and a signer.
    phone.goto(server.url("/collections")).await.unwrap();
    type_into(&phone, "input#collection-title", "Lettre de mission 2027").await;
    click(&phone, "button#create-collection").await;
    let pdf = paraphe_e2e::workspace_root()
        .join("server/tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf");
    wait_for(&phone, "input#upload")
        .await
        .send_keys(pdf.to_str().unwrap())
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=document-row]").await;
    for (field, value) in [
        ("signer-first", "Alice"),
        ("signer-last", "Martin"),
        ("signer-email", "alice@client.fr"),
        ("signer-mobile", "+33611111111"),
    ] {
        type_into(&phone, &format!("input#{field}"), value).await;
    }
    click(&phone, "form.stack button[type=submit]").await;
    wait_for(
        &phone,
        "[data-testid=signer-row][data-email='alice@client.fr']",
    )
    .await;
    screenshot(&phone, "invited-collaborator-draft-phone").await;

    // The accountant's page: she is a member with "prepare"; nothing waits any more.
    accountant.refresh().await.unwrap();
    wait_for(
        &accountant,
        &format!("[data-testid=member-row][data-email='{INVITEE}'] input[data-delegation=PREPARE]:checked"),
    )
    .await;
    wait_for(&accountant, "[data-testid=no-invitation]").await;

    // The link served once.
    let later = chromedriver.browser(375, 812).await;
    later.goto(&link).await.unwrap();
    wait_for(&later, "[data-testid=dead-invitation][data-code=LINK_USED]").await;
    // Her password works from the login page too.
    log_in(&later, &server, INVITEE, INVITEE_PASSWORD).await;

    for browser in [accountant, phone, later] {
        browser.quit().await.unwrap();
    }
    server.stop().await;
}
