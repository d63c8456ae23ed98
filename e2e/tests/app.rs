//! The app as it ships: the release build boots and is delivered compressed and cached;
//! an English browser reads English, and the choice follows the person; the signer reads
//! the pages on a phone in a zoomable reader and can sign with the keyboard alone; the
//! dashboard shows what awaits my signature and leads me to it.

use std::time::Duration;

use paraphe_e2e::{
    assert_accessible, log_in, screenshot, signer_link, sms_code, wait_for, wait_gone, Api,
    Chromedriver, Server,
};
use serde_json::json;
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (375, 812);
const DESKTOP: (u32, u32) = (1280, 800);

fn sample_pdf() -> Vec<u8> {
    std::fs::read(
        paraphe_e2e::workspace_root()
            .join("server/tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf"),
    )
    .unwrap()
}

/// A launched collection of the demo cabinet (terms accepted through the API) for
/// `signers`: (first name, last name, email, mobile, language or null); `me` adds the
/// accountant first.
async fn launch(
    server: &Server,
    title: &str,
    me: bool,
    signers: &[(&str, &str, &str, &str, Option<&str>)],
) -> Api {
    let mut api = Api::new(server);
    let cabinet = api.open_demo_cabinet().await;
    let created = api.run("mutation($c: UUID!, $t: String!) { createCollection(cabinetId: $c, title: $t, message: \"\") { id } }", json!({ "c": cabinet, "t": title })).await;
    let id = created["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.upload("mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }", json!({ "id": id, "file": null }), "contrat.pdf", sample_pdf()).await;
    if me {
        api.run(
            "mutation($id: UUID!) { addSigner(collectionId: $id, signer: { me: true }) { id } }",
            json!({ "id": id }),
        )
        .await;
    }
    for (first, last, email, mobile, language) in signers {
        api.run(
            "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id } }",
            json!({ "id": id, "s": { "firstName": first, "lastName": last, "email": email, "mobile": mobile, "language": language } }),
        )
        .await;
    }
    api.run(
        "mutation($id: UUID!) { launchCollection(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    api
}

async fn text(browser: &WebDriver, css: &str) -> String {
    for _ in 0..20 {
        if let Ok(text) = wait_for(browser, css).await.text().await {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not read {css}");
}

/// Waits until the element's text contains `needle` (pages redraw when data arrives).
async fn wait_text(browser: &WebDriver, css: &str, needle: &str) {
    for _ in 0..100 {
        if text(browser, css).await.contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{css} never said {needle:?}: {:?}",
        text(browser, css).await
    );
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_release_build_boots_and_is_delivered_compressed_and_cached_by_name() {
    let server = Server::start().await;
    let http = reqwest::Client::new();
    for (page, bundle) in [
        ("/", "paraphe-web"),
        ("/connexion", "paraphe-public"),
        ("/signer/unknown", "paraphe-public"),
    ] {
        let response = http
            .get(server.url(page))
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(header(&response, "content-encoding"), "br", "{page}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{page}");
        // The HTML names its bundle's hashed files; each comes brotli-compressed, for a year.
        let plain = http
            .get(server.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let wasm = plain
            .split(['"', '\''])
            .find(|part| part.ends_with("_bg.wasm"))
            .unwrap_or_else(|| panic!("{page}: no wasm in {plain}"));
        assert!(wasm.contains(bundle), "{page} loads {wasm}");
        let asset = http
            .get(server.url(wasm))
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        assert_eq!(asset.status(), 200, "{wasm}");
        assert_eq!(header(&asset, "content-encoding"), "br", "{wasm}");
        assert_eq!(
            header(&asset, "cache-control"),
            "public, max-age=31536000, immutable",
            "{wasm}"
        );
    }

    // The build boots: a blank page fails here.
    let chromedriver = Chromedriver::start().await;
    let browser = chromedriver.browser(PHONE.0, PHONE.1).await;
    browser.goto(server.url("/connexion")).await.unwrap();
    wait_for(&browser, "input#email").await;
    assert_eq!(
        browser
            .execute("return document.documentElement.lang", Vec::new())
            .await
            .unwrap()
            .json(),
        &json!("fr")
    );
    browser.goto(server.url("/nulle-part")).await.unwrap();
    wait_text(&browser, "h1", "Page introuvable").await;
    browser.quit().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn an_english_browser_reads_english_and_the_choice_follows_the_person() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let mut api = launch(
        &server,
        "Engagement letter",
        false,
        &[("Alice", "Martin", "alice@client.fr", "+33611111111", None)],
    )
    .await;

    // The login page, then the back office, in English.
    let browser = chromedriver.browser_in(DESKTOP.0, DESKTOP.1, "en-GB").await;
    browser.goto(server.url("/connexion")).await.unwrap();
    wait_text(&browser, "button#login-submit", "Log in").await;
    assert_eq!(
        browser
            .execute("return document.documentElement.lang", Vec::new())
            .await
            .unwrap()
            .json(),
        &json!("en")
    );
    wait_for(&browser, "input#email")
        .await
        .send_keys("expert@demo.paraphe.fr")
        .await
        .unwrap();
    wait_for(&browser, "input#password")
        .await
        .send_keys("wrong")
        .await
        .unwrap();
    wait_for(&browser, "button#login-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &browser,
        "[data-testid=login-error]",
        "Wrong email or password",
    )
    .await;
    wait_for(&browser, "input#password")
        .await
        .clear()
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
    wait_text(&browser, "a#nav-dashboard", "Dashboard").await;
    wait_text(&browser, "[data-testid=dashboard-credit]", "Balance: €").await;
    screenshot(&browser, "dashboard-english-desktop").await;
    wait_for(&browser, "a#nav-collections")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&browser, "button#create-collection", "Create").await;
    wait_text(
        &browser,
        "[data-testid=collection-counts]",
        "In progress: 1",
    )
    .await;
    assert_accessible(&browser, "collections (English)").await;
    wait_for(&browser, "[data-testid=collection-row] a")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&browser, "[data-testid=collection-status]", "In progress").await;
    wait_text(&browser, "[data-testid=timeline]", "Invitation sent").await;
    for (link, heading) in [
        ("a#nav-members", "Members and delegations"),
        ("a#nav-terms", "The firm's terms of use"),
        ("a#nav-my-signature", "Qualified certificate"),
    ] {
        wait_for(&browser, link).await.click().await.unwrap();
        wait_text(&browser, "main", heading).await;
    }
    browser.goto(server.url("/enregistrement")).await.unwrap();
    wait_text(&browser, "[data-testid=enrolment]", "My enrolment").await;
    browser.goto(server.url("/dev/outbox")).await.unwrap();
    wait_text(&browser, "h1", "Outbox (development)").await;
    browser.goto(server.url("/")).await.unwrap();

    // The switch: French at once, kept with the account, so another device opens in it.
    wait_for(&browser, "[data-testid=language-switch]")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&browser, "a#nav-collections", "Demandes de signature").await;
    for _ in 0..50 {
        let me = api.run("{ me { user { language } } }", json!({})).await;
        if me["me"]["user"]["language"] == "FR" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        api.run("{ me { user { language } } }", json!({})).await["me"]["user"]["language"],
        "FR"
    );
    let other_device = chromedriver.browser_in(DESKTOP.0, DESKTOP.1, "en-GB").await;
    log_in(
        &other_device,
        &server,
        "expert@demo.paraphe.fr",
        "demo-expert-2026",
    )
    .await;
    wait_text(&other_device, "a#nav-dashboard", "Tableau de bord").await;
    other_device.quit().await.unwrap();

    // The signer's page follows the signer's English browser; the server learns it, so
    // the SMS code comes in English too.
    let invitation = api.outbox("alice@client.fr", "Engagement letter").await;
    let phone = chromedriver.browser_in(PHONE.0, PHONE.1, "en-GB").await;
    phone.goto(signer_link(&invitation)).await.unwrap();
    wait_text(&phone, "[data-testid=refuse]", "Refuse to sign").await;
    wait_for(&phone, "[data-testid=accept-documents]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=send-code]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=code]").await;
    let sms = api.outbox("+33611111111", "code").await;
    assert!(sms.contains("your signing code"), "{sms}");
    // A wrong code reads in English, with its own words.
    wait_for(&phone, "[data-testid=code]")
        .await
        .send_keys("000000")
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=sign]")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&phone, "[data-testid=signer-error]", "Wrong code").await;
    screenshot(&phone, "signer-english-phone").await;
    assert_accessible(&phone, "signer (English)").await;

    browser.quit().await.unwrap();
    phone.quit().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn known_errors_say_what_to_do_the_closed_cabinet_leads_to_its_terms() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    // The demo cabinet as seeded: terms not accepted yet.
    let browser = chromedriver.browser(DESKTOP.0, DESKTOP.1).await;
    log_in(
        &browser,
        &server,
        "expert@demo.paraphe.fr",
        "demo-expert-2026",
    )
    .await;
    wait_for(&browser, "a#nav-collections")
        .await
        .click()
        .await
        .unwrap();
    let notice = wait_for(&browser, "[data-code=CABINET_NOT_OPEN]").await;
    let words = notice.text().await.unwrap();
    assert!(words.contains("accepter les conditions"), "{words}");
    assert!(!words.contains("Une erreur est survenue"), "{words}");
    wait_for(
        &browser,
        "[data-code=CABINET_NOT_OPEN] [data-testid=error-remedy]",
    )
    .await
    .click()
    .await
    .unwrap();
    wait_for(&browser, "input#accept-cgu").await;
    browser.quit().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn the_accountant_finds_his_signature_on_the_dashboard_reads_on_a_phone_and_signs_with_the_keyboard(
) {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let mut api = launch(&server, "Lettre de mission 2027", true, &[]).await;

    // The dashboard: no placeholder, but what awaits my signature, the counters, the credit.
    let phone = chromedriver.browser(PHONE.0, PHONE.1).await;
    log_in(
        &phone,
        &server,
        "expert@demo.paraphe.fr",
        "demo-expert-2026",
    )
    .await;
    wait_text(
        &phone,
        "[data-testid=awaiting-me]",
        "Lettre de mission 2027",
    )
    .await;
    wait_text(&phone, "[data-testid=dashboard-counts]", "En cours : 1").await;
    wait_text(&phone, "[data-testid=dashboard-credit]", "€").await;
    let body = text(&phone, "main").await;
    assert!(!body.contains("Bientôt"), "no placeholder card: {body}");
    screenshot(&phone, "dashboard-awaiting-phone").await;
    assert_accessible(&phone, "dashboard (awaiting my signature)").await;
    wait_for(&phone, "[data-testid=sign-now]")
        .await
        .click()
        .await
        .unwrap();

    // The signer's page (the public bundle, a full load): pages the width of the phone.
    wait_for(&phone, "[data-testid=collection-title]").await;
    let page = paraphe_e2e::wait_for_picture(&phone, "img[data-testid=document-page]").await;
    let width: f64 = page
        .prop("clientWidth")
        .await
        .unwrap()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    assert!(width >= 300.0, "a page is {width}px wide on a 375px phone");
    let natural: f64 = page
        .prop("naturalWidth")
        .await
        .unwrap()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    assert!(
        natural >= 2.0 * width,
        "sharp at twice the phone's width: {natural}px for {width}px"
    );

    // The reader: full screen, page count and position, zoom by buttons (pinch too).
    wait_for(&phone, "[data-testid=read-document]")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&phone, "[data-testid=reader-position]", "Page 1 sur").await;
    let image = paraphe_e2e::wait_for_picture(&phone, "[data-testid=reader-image]").await;
    let before: f64 = image
        .prop("clientWidth")
        .await
        .unwrap()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    wait_for(&phone, "[data-testid=reader-zoom-in]")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&phone, "[data-testid=reader-zoom]", "150 %").await;
    let after: f64 = wait_for(&phone, "[data-testid=reader-image]")
        .await
        .prop("clientWidth")
        .await
        .unwrap()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    assert!(after > before * 1.4, "zoomed from {before} to {after}");
    screenshot(&phone, "reader-zoomed-phone").await;
    assert_accessible(&phone, "reader").await;
    // Escape closes it, and the focus goes back where it was.
    phone
        .active_element()
        .await
        .unwrap()
        .send_keys(Key::Escape)
        .await
        .unwrap();
    wait_gone(&phone, "[data-testid=reader]").await;

    // The keyboard alone: Tab to the checkbox, Space; Tab to the button, Enter; the code,
    // Enter. Every focused control shows it has the focus.
    async fn tab_to(browser: &WebDriver, testid: &str) {
        for _ in 0..40 {
            let focused = browser.active_element().await.unwrap();
            if focused.attr("data-testid").await.unwrap().as_deref() == Some(testid) {
                let outline = browser
                    .execute("const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth", Vec::new())
                    .await
                    .unwrap();
                let outline = outline.json().as_str().unwrap_or_default().to_owned();
                assert!(
                    !outline.starts_with("none") && !outline.ends_with(" 0px"),
                    "{testid} shows no focus: {outline}"
                );
                return;
            }
            focused.send_keys(Key::Tab).await.unwrap();
        }
        panic!("Tab never reached {testid}");
    }
    phone
        .execute(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)",
            Vec::new(),
        )
        .await
        .unwrap();
    tab_to(&phone, "accept-documents").await;
    phone
        .active_element()
        .await
        .unwrap()
        .send_keys(Key::Space)
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=send-code]").await;
    tab_to(&phone, "send-code").await;
    phone
        .active_element()
        .await
        .unwrap()
        .send_keys(Key::Enter)
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=code]").await;
    let code = sms_code(&api.outbox("+33612345678", "code de signature").await);
    tab_to(&phone, "code").await;
    phone
        .active_element()
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    phone
        .active_element()
        .await
        .unwrap()
        .send_keys(Key::Enter)
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=signer-completed]").await;
    screenshot(&phone, "signed-with-the-keyboard-phone").await;

    phone.quit().await.unwrap();
    server.stop().await;
}
