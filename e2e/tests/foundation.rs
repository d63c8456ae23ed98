//! The accountant opens the demo cabinet and grants a delegation; the collaborator,
//! logged in elsewhere, sees it arrive without reloading.

use paraphe_e2e::{log_in, screenshot, wait_for, wait_gone, Chromedriver, Server};
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (375, 812);
const DESKTOP: (u32, u32) = (1280, 800);

async fn resize(browser: &WebDriver, (width, height): (u32, u32)) {
    browser.set_window_rect(0, 0, width, height).await.unwrap();
}

#[tokio::test]
async fn accountant_opens_the_cabinet_and_a_collaborator_sees_a_delegation_live() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let accountant = chromedriver.browser(PHONE.0, PHONE.1).await;
    let collaborator = chromedriver.browser(DESKTOP.0, DESKTOP.1).await;

    // A wrong password is refused with a message.
    accountant.goto(server.url("/connexion")).await.unwrap();
    wait_for(&accountant, "input#email").await;
    screenshot(&accountant, "login-phone").await;
    paraphe_e2e::assert_accessible(&accountant, "login").await;
    wait_for(&accountant, "input#email")
        .await
        .send_keys("expert@demo.paraphe.fr")
        .await
        .unwrap();
    wait_for(&accountant, "input#password")
        .await
        .send_keys("pas le bon")
        .await
        .unwrap();
    wait_for(&accountant, "button#login-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&accountant, "[data-testid=login-error]").await;

    // The accountant logs in: the cabinet is closed until the terms are accepted.
    log_in(
        &accountant,
        &server,
        "expert@demo.paraphe.fr",
        "demo-expert-2026",
    )
    .await;
    let name = wait_for(&accountant, "[data-testid=cabinet-name]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(name.trim(), "Cabinet Démo");
    wait_for(&accountant, "[data-testid=cabinet-closed]").await;
    screenshot(&accountant, "dashboard-closed-phone").await;
    paraphe_e2e::assert_accessible(&accountant, "dashboard (cabinet closed)").await;

    wait_for(&accountant, "a#nav-terms")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&accountant, "input#accept-cgu")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&accountant, "input#accept-privacy")
        .await
        .click()
        .await
        .unwrap();
    screenshot(&accountant, "terms-phone").await;
    wait_for(&accountant, "button#accept-terms-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&accountant, "[data-testid=my-delegations]").await;
    wait_gone(&accountant, "[data-testid=cabinet-closed]").await;

    // The collaborator is logged in on another machine, with no delegation yet.
    log_in(
        &collaborator,
        &server,
        "collaborateur@demo.paraphe.fr",
        "demo-collab-2026",
    )
    .await;
    wait_for(&collaborator, "[data-testid=my-delegations]").await;
    wait_for(
        &collaborator,
        "[data-testid=live-status][data-state=connected]",
    )
    .await;
    assert!(collaborator
        .find_all(By::Css("[data-testid=delegation-PREPARE]"))
        .await
        .unwrap()
        .is_empty());
    screenshot(&collaborator, "dashboard-collaborator-desktop").await;

    // The accountant grants `prepare` from the members page.
    wait_for(&accountant, "a#nav-members")
        .await
        .click()
        .await
        .unwrap();
    let row_css = "[data-testid=member-row][data-email='collaborateur@demo.paraphe.fr']";
    wait_for(
        &accountant,
        &format!("{row_css} input[data-delegation=PREPARE]"),
    )
    .await
    .click()
    .await
    .unwrap();
    wait_for(
        &accountant,
        &format!("{row_css} [data-testid=delegations-saved]"),
    )
    .await;
    screenshot(&accountant, "members-phone").await;
    resize(&accountant, DESKTOP).await;
    screenshot(&accountant, "members-desktop").await;

    // ... and the collaborator's open page shows it without a reload.
    wait_for(&collaborator, "[data-testid=delegation-PREPARE]").await;
    screenshot(&collaborator, "dashboard-collaborator-live-desktop").await;
    paraphe_e2e::assert_accessible(&collaborator, "dashboard").await;
    resize(&collaborator, PHONE).await;
    screenshot(&collaborator, "dashboard-collaborator-live-phone").await;

    accountant.quit().await.unwrap();
    collaborator.quit().await.unwrap();
    server.stop().await;
}
