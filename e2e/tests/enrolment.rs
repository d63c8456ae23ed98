//! Enrolment across three browsers: the collaborator enrols on a desktop with the QR page
//! open; the capture page, opened on a phone-sized browser, sends photographs of a
//! synthetic identity card (OCR-B, read by the real tesseract); the desktop follows live;
//! the operator approves from the back office; the certificate is issued. The holder then
//! revokes it and `openssl ocsp` reports it revoked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use paraphe_e2e::{
    log_in, screenshot, sms_code, wait_for, workspace_root, Api, Chromedriver, Server,
};
use serde_json::json;
use thirtyfour::prelude::*;

const PHONE: (u32, u32) = (375, 812);
const DESKTOP: (u32, u32) = (1280, 800);

fn python() -> PathBuf {
    std::env::var("PARAPHE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join(".data/venv/bin/python"))
}

fn digit(field: &str) -> char {
    let sum: u32 = field
        .bytes()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(c, w)| {
            w * match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => 0,
            }
        })
        .sum();
    char::from(b'0' + (sum % 10) as u8)
}

/// Renders an identity card side with the test tool: with the MRZ of `names`
/// ("SURNAME<<GIVEN"), born 15 May 1990, or a front with the surname only.
fn render(dir: &Path, name: &str, title: &str, names: &str, with_mrz: bool) -> PathBuf {
    let path = dir.join(name);
    let mut args = vec![path.display().to_string(), title.to_owned()];
    let surname = names.split("<<").next().unwrap_or(names).to_owned();
    if with_mrz {
        let l1 = format!("{:<<30}", format!("IDFRAX4RTBPFW4{}", digit("X4RTBPFW4")));
        let body = format!(
            "{:<<29}",
            format!("900515{}F310101{}FRA", digit("900515"), digit("310101"))
        );
        let composite = format!(
            "{}{}{}{}",
            &l1[5..30],
            &body[0..7],
            &body[8..15],
            &body[18..29]
        );
        args.extend([
            l1,
            format!("{body}{}", digit(&composite)),
            format!("{names:<<30}"),
        ]);
    } else {
        args.push(surname);
    }
    let status = Command::new(python())
        .arg(workspace_root().join("server/tests/tools/render_identity_document.py"))
        .args(&args)
        .status()
        .expect("python");
    assert!(status.success(), "rendering {name} failed");
    path
}

/// Waits (up to `seconds`) for the wizard to show `step`.
async fn wait_step(browser: &WebDriver, step: &str, seconds: u64) {
    let css = format!("[data-testid=enrolment-step][data-step={step}]");
    browser
        .query(By::Css(&css))
        .wait(Duration::from_secs(seconds), Duration::from_millis(200))
        .first()
        .await
        .unwrap_or_else(|e| panic!("the wizard never reached {step}: {e}"));
}

/// Types into a field, again if the page redrew it meanwhile.
async fn type_into(browser: &WebDriver, css: &str, text: &str) {
    for _ in 0..10 {
        if wait_for(browser, css).await.send_keys(text).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not type into {css}");
}

/// The text of an element, read again if the page redrew it meanwhile.
async fn text_of(browser: &WebDriver, css: &str) -> String {
    for _ in 0..10 {
        if let Ok(text) = wait_for(browser, css).await.text().await {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not read {css}");
}

/// Clicks an element, found again if the page redrew it meanwhile.
async fn click(browser: &WebDriver, css: &str) {
    for _ in 0..10 {
        if wait_for(browser, css).await.click().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not click {css}");
}

/// The identity step's declaration: names as prefilled, born 15 May 1990, an identity card.
async fn declare_identity(browser: &WebDriver) {
    wait_for(browser, "#identity-birth").await;
    // A date input takes typed digits in the browser's locale order: set its value instead.
    browser
        .execute("const e = document.querySelector('#identity-birth'); e.value = '1990-05-15'; e.dispatchEvent(new Event('input', { bubbles: true }));", vec![])
        .await
        .unwrap();
    click(browser, "#identity-start").await;
}

fn openssl(args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn a_collaborator_enrols_with_the_phone_hand_off_an_operator_approves_and_the_revocation_shows_in_ocsp(
) {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let scratch =
        std::env::temp_dir().join(format!("paraphe-e2e-enrolment-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let front = render(
        &scratch,
        "recto.jpg",
        "CARTE NATIONALE D'IDENTITE",
        "BERNARD<<HUGO",
        false,
    );
    let back = render(
        &scratch,
        "verso.png",
        "REPUBLIQUE FRANCAISE",
        "BERNARD<<HUGO",
        true,
    );
    let mut outbox = Api::new(&server);
    outbox
        .login("expert@demo.paraphe.fr", "demo-expert-2026")
        .await;

    // The desktop: profile, then the identity step.
    let desktop = chromedriver.browser(DESKTOP.0, DESKTOP.1).await;
    log_in(
        &desktop,
        &server,
        "collaborateur@demo.paraphe.fr",
        "demo-collab-2026",
    )
    .await;
    desktop.goto(server.url("/enregistrement")).await.unwrap();
    wait_step(&desktop, "PROFILE", 15).await;
    screenshot(&desktop, "enrolment-profile-desktop").await;
    paraphe_e2e::assert_accessible(&desktop, "enrolment (profile)").await;
    click(&desktop, "#profile-submit").await;
    wait_step(&desktop, "IDENTITY", 15).await;
    declare_identity(&desktop).await;
    click(&desktop, "#use-phone").await;
    let capture_url = text_of(&desktop, "[data-testid=capture-url]").await;
    wait_for(&desktop, "[data-testid=capture-qr] svg").await;
    screenshot(&desktop, "enrolment-qr-desktop").await;
    paraphe_e2e::assert_accessible(&desktop, "enrolment (identity, QR code)").await;

    // The phone: photographs of the card, then a selfie, sent through the hand-off link.
    let phone = chromedriver.browser(PHONE.0, PHONE.1).await;
    phone.goto(capture_url.trim()).await.unwrap();
    wait_for(&phone, "#capture-front").await;
    paraphe_e2e::assert_accessible(&phone, "capture").await;
    type_into(&phone, "#capture-front", &front.display().to_string()).await;
    type_into(&phone, "#capture-back", &back.display().to_string()).await;
    type_into(&phone, "#capture-selfie", &front.display().to_string()).await;
    screenshot(&phone, "enrolment-capture-phone").await;
    click(&phone, "#capture-send").await;
    wait_for(&phone, "[data-testid=capture-done]").await;

    // The desktop moved on by itself: the agreement, signed with the SMS code.
    wait_step(&desktop, "AGREEMENT", 20).await;
    click(&desktop, "#agreement-accept").await;
    wait_for(&desktop, "#agreement-code").await;
    let code = sms_code(
        &outbox
            .outbox("+33698765432", "accord de souscription")
            .await,
    );
    type_into(&desktop, "#agreement-code", &code).await;
    screenshot(&desktop, "enrolment-agreement-desktop").await;
    click(&desktop, "#agreement-sign").await;
    wait_step(&desktop, "IN_PROGRESS", 20).await;

    // The operator sees the card once the automatic checks are done, and approves.
    let operator = chromedriver.browser(DESKTOP.0, DESKTOP.1).await;
    log_in(
        &operator,
        &server,
        "operateur@demo.paraphe.fr",
        "demo-operateur-2026",
    )
    .await;
    operator.goto(server.url("/operateur")).await.unwrap();
    operator
        .query(By::Css("[data-testid=review][data-status=IN_REVIEW]"))
        .wait(Duration::from_secs(60), Duration::from_millis(250))
        .first()
        .await
        .expect("the verification never reached the operator");
    wait_for(&operator, "[data-testid=review] img.identity-image").await;
    screenshot(&operator, "enrolment-operator-desktop").await;
    click(
        &operator,
        "[data-testid=review][data-status=IN_REVIEW] [data-testid=approve]",
    )
    .await;
    wait_for(&operator, "[data-testid=queue-empty]").await;

    // Live on the desktop: the extracted data to confirm, then the certificate.
    desktop
        .query(By::Css("#confirm-data"))
        .wait(Duration::from_secs(20), Duration::from_millis(200))
        .first()
        .await
        .expect("approval never arrived live");
    let extracted = text_of(&desktop, "[data-testid=extracted]").await;
    assert!(
        extracted.contains("BERNARD") && extracted.contains("X4RTBPFW4"),
        "{extracted}"
    );
    click(&desktop, "#confirm-data").await;
    wait_for(&desktop, "[data-testid=enrolment-completed]").await;
    screenshot(&desktop, "enrolment-completed-desktop").await;
    outbox
        .outbox("collaborateur@demo.paraphe.fr", "Félicitations")
        .await;

    // The certificate as its holder downloads it; then revoked from "Ma signature personnelle".
    let mut holder = Api::new(&server);
    holder
        .login("collaborateur@demo.paraphe.fr", "demo-collab-2026")
        .await;
    let certificates = holder
        .run("{ myCertificates { downloadUrl status } }", json!({}))
        .await;
    assert_eq!(certificates["myCertificates"][0]["status"], "VALID");
    let pem = holder
        .get_bytes(
            certificates["myCertificates"][0]["downloadUrl"]
                .as_str()
                .unwrap(),
        )
        .await;
    let leaf = scratch.join("leaf.pem");
    std::fs::write(&leaf, pem).unwrap();
    let (issuer_der, root_der) = (scratch.join("lcp.der"), scratch.join("root.der"));
    std::fs::write(&issuer_der, holder.get_bytes("/pki/lcp.crt").await).unwrap();
    std::fs::write(&root_der, holder.get_bytes("/pki/root.crt").await).unwrap();
    let (issuer, root) = (scratch.join("lcp.pem"), scratch.join("root.pem"));
    for (der, pem) in [(&issuer_der, &issuer), (&root_der, &root)] {
        openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            der.to_str().unwrap(),
            "-out",
            pem.to_str().unwrap(),
        ]);
    }
    let ocsp_url = server.url("/pki/ocsp");
    let ask = || {
        openssl(&[
            "ocsp",
            "-issuer",
            issuer.to_str().unwrap(),
            "-cert",
            leaf.to_str().unwrap(),
            "-url",
            &ocsp_url,
            "-CAfile",
            root.to_str().unwrap(),
        ])
    };
    let before = ask();
    assert!(before.contains(": good"), "{before}");

    desktop.goto(server.url("/ma-signature")).await.unwrap();
    wait_for(&desktop, "[data-testid=certificate][data-status=VALID]").await;
    click(&desktop, "[data-testid=revoke]").await;
    click(&desktop, "[data-testid=confirm-revoke]").await;
    wait_for(&desktop, "[data-testid=certificate][data-status=REVOKED]").await;
    screenshot(&desktop, "certificate-revoked-desktop").await;
    let after = ask();
    assert!(after.contains(": revoked"), "{after}");

    for browser in [desktop, phone, operator] {
        browser.quit().await.unwrap();
    }
    let _ = std::fs::remove_dir_all(&scratch);
    server.stop().await;
}

/// The demo accountant (enrolled) subscribes to a qualified certificate from "Ma signature
/// personnelle": the cabinet pays, the email code opens it, the document is sent from the
/// desktop, the operator approves (through the API), the request is signed by SMS code.
#[tokio::test]
async fn the_accountant_subscribes_to_a_qualified_certificate() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let scratch = std::env::temp_dir().join(format!("paraphe-e2e-qcp-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let front = render(
        &scratch,
        "recto.jpg",
        "CARTE NATIONALE D'IDENTITE",
        "MARTIN<<CLAIRE",
        false,
    );
    let back = render(
        &scratch,
        "verso.png",
        "REPUBLIQUE FRANCAISE",
        "MARTIN<<CLAIRE",
        true,
    );
    // The cabinet pays for the certificate: its service must be open (terms accepted).
    let mut outbox = Api::new(&server);
    outbox.open_demo_cabinet().await;

    let desktop = chromedriver.browser(DESKTOP.0, DESKTOP.1).await;
    log_in(
        &desktop,
        &server,
        "expert@demo.paraphe.fr",
        "demo-expert-2026",
    )
    .await;
    desktop.goto(server.url("/ma-signature")).await.unwrap();
    wait_for(&desktop, "[data-testid=certificate][data-status=VALID]").await;
    click(&desktop, "#qcp-start").await;
    wait_for(&desktop, "[data-testid=qcp-step][data-step=ACCESS]").await;
    let code = sms_code(
        &outbox
            .outbox("expert@demo.paraphe.fr", "code d'accès")
            .await,
    );
    type_into(&desktop, "#qcp-access-code", &code).await;
    click(&desktop, "#qcp-access-submit").await;
    wait_for(&desktop, "[data-testid=qcp-step][data-step=DETAILS]").await;
    click(&desktop, "#qcp-terms").await;
    click(&desktop, "#qcp-privacy").await;
    click(&desktop, "#qcp-details-submit").await;

    wait_for(&desktop, "[data-testid=qcp-step][data-step=IDENTITY]").await;
    declare_identity(&desktop).await;
    type_into(&desktop, "#identity-front", &front.display().to_string()).await;
    type_into(&desktop, "#identity-back", &back.display().to_string()).await;
    click(&desktop, "#identity-send").await;
    wait_for(&desktop, "[data-testid=qcp-step][data-step=VERIFYING]").await;

    let mut operator = Api::new(&server);
    operator
        .login("operateur@demo.paraphe.fr", "demo-operateur-2026")
        .await;
    let mut approved = false;
    for _ in 0..300 {
        let queue = operator
            .run("{ verificationQueue { id status } }", json!({}))
            .await;
        if let Some(ready) = queue["verificationQueue"]
            .as_array()
            .and_then(|q| q.iter().find(|v| v["status"] == "IN_REVIEW"))
        {
            operator
                .run(
                    "mutation($id: UUID!) { approveIdentityVerification(id: $id) { status } }",
                    json!({ "id": ready["id"] }),
                )
                .await;
            approved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(approved, "the verification never reached the operator");
    wait_for(&desktop, "[data-testid=qcp-step][data-step=CONFIRM_DATA]").await;
    click(&desktop, "#confirm-data").await;
    wait_for(&desktop, "[data-testid=qcp-step][data-step=SIGN]").await;
    click(&desktop, "#qcp-request-accept").await;
    wait_for(&desktop, "#qcp-sms-code").await;
    let code = sms_code(&outbox.outbox("+33612345678", "certificat qualifié").await);
    type_into(&desktop, "#qcp-sms-code", &code).await;
    screenshot(&desktop, "qcp-sign-desktop").await;
    click(&desktop, "#qcp-sign").await;
    wait_for(&desktop, "[data-testid=qcp-issued]").await;
    outbox
        .outbox("expert@demo.paraphe.fr", "certificat qualifié est émis")
        .await;
    assert_eq!(
        desktop
            .find_all(By::Css("[data-testid=certificate][data-status=VALID]"))
            .await
            .unwrap()
            .len(),
        2,
        "LCP and QCP"
    );
    screenshot(&desktop, "qcp-issued-desktop").await;

    for browser in [desktop] {
        browser.quit().await.unwrap();
    }
    let _ = std::fs::remove_dir_all(&scratch);
    server.stop().await;
}

/// An outside signer asked for an advanced signature opens the link on a phone without a
/// certificate: the page offers to create one and hands over to the enrolment wizard,
/// already signed in to the signer's certificate account.
#[tokio::test]
async fn an_outside_signer_without_a_certificate_is_led_to_create_one() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let mut api = Api::new(&server);
    let cabinet = api.open_demo_cabinet().await;
    let created = api.run("mutation($c: UUID!) { createCollection(cabinetId: $c, title: \"Bail commercial\", message: \"\") { id } }", json!({ "c": cabinet })).await;
    let id = created["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pdf = std::fs::read(
        workspace_root()
            .join("server/tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf"),
    )
    .unwrap();
    api.upload("mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }", json!({ "id": id, "file": null }), "bail.pdf", pdf).await;
    let nina = json!({ "firstName": "Nina", "lastName": "Roux", "email": "nina@client.fr", "mobile": "+33677777777", "level": 2 });
    api.run("mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id } }", json!({ "id": id, "s": nina })).await;
    api.run(
        "mutation($id: UUID!) { launchCollection(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    let invitation = api.outbox("nina@client.fr", "Bail commercial").await;
    assert!(
        invitation.contains("certificat électronique à votre nom"),
        "{invitation}"
    );

    let phone = chromedriver.browser(PHONE.0, PHONE.1).await;
    phone
        .goto(paraphe_e2e::signer_link(&invitation))
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=certificate-required]").await;
    screenshot(&phone, "signer-create-certificate-phone").await;
    click(&phone, "[data-testid=create-certificate]").await;
    wait_step(&phone, "PROFILE", 15).await;
    let mobile = wait_for(&phone, "#profile-mobile")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        mobile, "+33677777777",
        "the profile comes from the invitation"
    );
    click(&phone, "#profile-submit").await;
    wait_step(&phone, "IDENTITY", 15).await;
    screenshot(&phone, "signer-enrolment-identity-phone").await;

    phone.quit().await.unwrap();
    server.stop().await;
}
