//! A real firm comes in without SQL: on an empty instance, the first administrator is made
//! from the command line and chooses a password from the printed link; in the app they
//! create a cabinet and its accountant and credit it; the accountant chooses a password
//! from the emailed link and finds the cabinet; a forgotten password is reset once.

use paraphe_e2e::{
    log_in, password_link, screenshot, server_binary, wait_for, Api, Chromedriver, Server,
};
use thirtyfour::prelude::*;

const ADMIN: &str = "boss@plateforme.example";
const ADMIN_PASSWORD: &str = "une plateforme pour la profession";
const ACCOUNTANT: &str = "jeanne@lemoine-expertise.example";
const ACCOUNTANT_PASSWORD: &str = "la comptabilité en partie double";

async fn type_into(browser: &WebDriver, css: &str, text: &str) {
    let field = wait_for(browser, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Opens a password link and chooses `password`; ends on the login page, which says so.
async fn choose_password(browser: &WebDriver, link: &str, password: &str) {
    browser.goto(link).await.unwrap();
    wait_for(browser, "[data-testid=choose-title]").await;
    type_into(browser, "input#new-password", password).await;
    type_into(browser, "input#confirm-password", password).await;
    wait_for(browser, "button#choose-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(browser, "[data-testid=password-saved]").await;
}

#[tokio::test]
async fn an_empty_instance_gets_its_admin_its_first_cabinet_and_its_accountant() {
    let server = Server::start_empty().await;
    let chromedriver = Chromedriver::start().await;

    // The first administrator, from the server's command line.
    let created = tokio::process::Command::new(server_binary())
        .args(["admin", "create", ADMIN, "--first-name", "Bérénice"])
        .env("DATABASE_URL", &server.database_url)
        .env("PARAPHE_KEY_ENCRYPTION_KEY", paraphe_e2e::TEST_KEK)
        .env("PARAPHE_PUBLIC_URL", server.url(""))
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("paraphe-server admin create");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let setup = password_link(&String::from_utf8_lossy(&created.stdout));

    let admin = chromedriver.browser(1280, 800).await;
    admin.goto(&setup).await.unwrap();
    let title = wait_for(&admin, "[data-testid=choose-title]")
        .await
        .text()
        .await
        .unwrap();
    assert!(title.contains("Bérénice"), "{title}");
    screenshot(&admin, "choose-password-desktop").await;
    paraphe_e2e::assert_accessible(&admin, "choose a password").await;
    // Two different passwords are caught before anything is sent.
    type_into(&admin, "input#new-password", ADMIN_PASSWORD).await;
    type_into(&admin, "input#confirm-password", "autre chose encore").await;
    wait_for(&admin, "button#choose-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&admin, "[data-testid=password-mismatch]").await;
    choose_password(&admin, &setup, ADMIN_PASSWORD).await;

    // The platform area: a cabinet and its accountant, then credit.
    log_in(&admin, &server, ADMIN, ADMIN_PASSWORD).await;
    wait_for(&admin, "#nav-platform")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&admin, "[data-testid=new-cabinet]").await;
    type_into(&admin, "#new-cabinet-name", "Cabinet Lemoine").await;
    type_into(&admin, "#new-cabinet-siren", "732 829 320").await;
    type_into(&admin, "#new-cabinet-email", ACCOUNTANT).await;
    type_into(&admin, "#new-cabinet-first-name", "Jeanne").await;
    type_into(&admin, "#new-cabinet-last-name", "Lemoine").await;
    wait_for(&admin, "button#create-cabinet")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&admin, "[data-testid=cabinet-created]").await;
    let row = "[data-testid=platform-cabinet]";
    wait_for(&admin, &format!("{row} [data-testid=credit-amount]"))
        .await
        .send_keys("50")
        .await
        .unwrap();
    wait_for(&admin, &format!("{row} [data-testid=credit]"))
        .await
        .click()
        .await
        .unwrap();
    let mut credited = false;
    for _ in 0..100 {
        let facts = wait_for(&admin, &format!("{row} [data-testid=cabinet-facts]"))
            .await
            .text()
            .await
            .unwrap();
        if facts.contains("50,00") {
            credited = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(credited, "the balance did not show the credit");
    wait_for(
        &admin,
        "[data-testid=platform-events] li[data-kind=cabinet_created]",
    )
    .await;
    screenshot(&admin, "platform-desktop").await;
    paraphe_e2e::assert_accessible(&admin, "platform").await;

    // The accountant's email: a set-up link; on her phone she chooses a password and finds
    // the cabinet.
    let mut api = Api::new(&server);
    let email = api
        .outbox_as((ADMIN, ADMIN_PASSWORD), ACCOUNTANT, "/mot-de-passe/")
        .await;
    let accountant = chromedriver.browser(375, 812).await;
    choose_password(&accountant, &password_link(&email), ACCOUNTANT_PASSWORD).await;
    log_in(&accountant, &server, ACCOUNTANT, ACCOUNTANT_PASSWORD).await;
    let name = wait_for(&accountant, "[data-testid=cabinet-name]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(name.trim(), "Cabinet Lemoine");

    // My account: two sessions (the phone and a laptop); the phone signs the other out.
    let laptop = chromedriver.browser(1280, 800).await;
    log_in(&laptop, &server, ACCOUNTANT, ACCOUNTANT_PASSWORD).await;
    accountant.goto(server.url("/mon-compte")).await.unwrap();
    wait_for(&accountant, "[data-testid=session][data-current=false]").await;
    screenshot(&accountant, "account-phone").await;
    paraphe_e2e::assert_accessible(&accountant, "my account").await;
    wait_for(&accountant, "button#sign-out-others")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&accountant, "[data-testid=sessions-closed]").await;
    laptop.goto(server.url("/mon-compte")).await.unwrap();
    wait_for(&laptop, "input#email").await;

    // A forgotten password, from the login page: the link works once.
    laptop.goto(server.url("/connexion")).await.unwrap();
    wait_for(&laptop, "#forgot-password")
        .await
        .click()
        .await
        .unwrap();
    type_into(&laptop, "input#email", ACCOUNTANT).await;
    wait_for(&laptop, "button#reset-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&laptop, "[data-testid=reset-sent]").await;
    screenshot(&laptop, "forgot-password-desktop").await;
    let reset = api
        .outbox_as((ADMIN, ADMIN_PASSWORD), ACCOUNTANT, "réinitialiser")
        .await;
    let reset = password_link(&reset);
    choose_password(&laptop, &reset, "un nouveau mot de passe bien long").await;
    log_in(
        &laptop,
        &server,
        ACCOUNTANT,
        "un nouveau mot de passe bien long",
    )
    .await;
    laptop.goto(&reset).await.unwrap();
    wait_for(&laptop, "[data-testid=dead-link][data-code=LINK_USED]").await;

    for browser in [admin, accountant, laptop] {
        browser.quit().await.unwrap();
    }
    server.stop().await;
}
