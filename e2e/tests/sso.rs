//! Single sign-on through a real OpenID provider (node's oidc-provider, its own login and
//! consent pages): a newcomer signs in with "Se connecter avec Comptexpert", lands in
//! Paraphe with the name the provider gave, finds it in the enrolment's first step, and
//! logs out through the provider; then someone whose verified email is an existing
//! account's (the demo collaborator) lands in that account. A password session beside it
//! logs out here only. An invited collaborator with no account joins the cabinet through
//! the provider, from the invitation's page.

use paraphe_e2e::{
    free_port, log_in, screenshot, signer_link, wait_for, Api, Chromedriver, OidcProvider, Server,
};
use thirtyfour::prelude::*;

/// On the provider's pages: its login form as `account` (any password), then consent.
async fn sign_in_at_provider(browser: &WebDriver, account: &str) {
    wait_for(browser, "input[name=login]")
        .await
        .send_keys(account)
        .await
        .unwrap();
    wait_for(browser, "input[name=password]")
        .await
        .send_keys("n'importe lequel")
        .await
        .unwrap();
    wait_for(browser, "button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    // The consent page (the same button, under another prompt).
    wait_for(browser, "input[name=prompt][value=consent]").await;
    wait_for(browser, "button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
}

async fn text(browser: &WebDriver, css: &str) -> String {
    wait_for(browser, css).await.text().await.unwrap()
}

#[tokio::test]
async fn a_newcomer_signs_in_with_the_provider_and_an_existing_account_is_found_by_email() {
    let port = free_port();
    let provider = OidcProvider::start(port).await;
    let server = Server::start_configured(true, port, provider.settings("Comptexpert")).await;
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(1280, 800).await;

    // The login page offers the provider beside the password.
    browser.goto(server.url("/connexion")).await.unwrap();
    let button = wait_for(&browser, "#sso-login").await;
    assert_eq!(
        button.text().await.unwrap(),
        "Se connecter avec Comptexpert"
    );
    screenshot(&browser, "login-sso-desktop").await;
    paraphe_e2e::assert_accessible(&browser, "login with single sign-on").await;
    button.click().await.unwrap();

    // The provider's own pages, then back in Paraphe as the newcomer.
    sign_in_at_provider(&browser, "nadia").await;
    wait_for(&browser, "#logout").await;
    let url = browser.current_url().await.unwrap();
    assert!(url.as_str().starts_with(&server.base_url), "{url}");
    let mut who = String::new();
    for _ in 0..100 {
        who = text(&browser, ".who").await;
        if !who.trim().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(who.trim(), "Nadia Kessler", "the name the provider gave");

    // The enrolment's first step shows the provider's profile to confirm.
    browser.goto(server.url("/enregistrement")).await.unwrap();
    let first = wait_for(&browser, "#profile-first").await;
    let mut prefilled = String::new();
    for _ in 0..100 {
        prefilled = first.prop("value").await.unwrap().unwrap_or_default();
        if !prefilled.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(prefilled, "Nadia");
    let prop = |css: &'static str| {
        let browser = browser.clone();
        async move {
            wait_for(&browser, css)
                .await
                .prop("value")
                .await
                .unwrap()
                .unwrap_or_default()
        }
    };
    assert_eq!(prop("#profile-last").await, "Kessler");
    assert_eq!(
        prop("#profile-email").await,
        "nadia.kessler@comptexpert.example"
    );
    screenshot(&browser, "enrolment-from-sso-desktop").await;

    // Logging out goes through the provider (its confirmation), and back to the login page.
    wait_for(&browser, "#logout").await.click().await.unwrap();
    wait_for(&browser, "button[name=logout][value=yes]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&browser, "#sso-login").await;
    let url = browser.current_url().await.unwrap();
    assert_eq!(url.as_str(), server.url("/connexion"));

    // Someone whose verified email is the demo collaborator's lands in that account, with
    // its cabinet.
    wait_for(&browser, "#sso-login")
        .await
        .click()
        .await
        .unwrap();
    sign_in_at_provider(&browser, "hugo").await;
    wait_for(&browser, "#logout").await;
    let cabinet = text(&browser, "[data-testid=cabinet-name]").await;
    assert_eq!(cabinet.trim(), "Cabinet Démo");

    // A failed login comes back with its reason, in the page's language.
    browser
        .goto(server.url("/connexion?sso=STATE_EXPIRED"))
        .await
        .unwrap();
    let said = text(&browser, "[data-testid=sso-error]").await;
    assert!(said.contains("10 minutes"), "{said}");

    // A password session, on the same instance, logs out here only.
    log_in(
        &browser,
        &server,
        "expert@demo.paraphe.fr",
        "demo-expert-2026",
    )
    .await;
    wait_for(&browser, "#logout").await.click().await.unwrap();
    wait_for(&browser, "input#email").await;
    let url = browser.current_url().await.unwrap();
    assert_eq!(url.as_str(), server.url("/connexion"));

    browser.quit().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn an_invited_collaborator_without_an_account_joins_through_the_provider() {
    const INVITEE: &str = "ines.morel@comptexpert.example";
    let port = free_port();
    let provider = OidcProvider::start(port).await;
    let server = Server::start_configured(true, port, provider.settings("Comptexpert")).await;
    let chromedriver = Chromedriver::start().await;
    let mut api = Api::new(&server);
    let cabinet = api.open_demo_cabinet().await;
    api.operation::<paraphe_operations::InviteMember>(
        paraphe_operations::invite_member::Variables {
            cabinet_id: cabinet,
            input: paraphe_operations::invite_member::InviteMemberInput {
                email: INVITEE.to_owned(),
                role: paraphe_operations::Role::Collaborator,
                delegations: vec![paraphe_operations::Delegation::Prepare],
                language: None,
            },
        },
    )
    .await;

    // The emailed link, on her phone: no account yet, so a password form — or the provider.
    let email = api.outbox(INVITEE, "/invitation/").await;
    let link = signer_link(&email);
    let phone = chromedriver.browser(375, 812).await;
    phone.goto(&link).await.unwrap();
    wait_for(&phone, "[data-testid=invitation-new-account]").await;
    let button = wait_for(&phone, "#sso-login").await;
    assert_eq!(
        button.text().await.unwrap(),
        "Se connecter avec Comptexpert"
    );
    screenshot(&phone, "invitation-sso-phone").await;
    button.click().await.unwrap();
    sign_in_at_provider(&phone, "ines").await;

    // Back on the invitation, logged in as the invited email: she joins.
    let mut said = String::new();
    for _ in 0..100 {
        said = text(&phone, "main").await;
        if said.contains(INVITEE) && said.contains("Rejoindre") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        phone
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("/invitation/"),
        "{said}"
    );
    wait_for(&phone, "#invitation-join")
        .await
        .click()
        .await
        .unwrap();
    let cabinet = text(&phone, "[data-testid=cabinet-name]").await;
    assert_eq!(cabinet.trim(), "Cabinet Démo");

    phone.quit().await.unwrap();
    server.stop().await;
}
