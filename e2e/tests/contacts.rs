//! Issue 17's contacts, on a phone: a 1 000-line contacts CSV as Excel in French exports
//! it (Windows-1252, `;`) is chosen on the contacts page, its preview reports the bad lines
//! and the duplicate, the import creates the rest and updates the contact already known,
//! and the list shows them; a contact typed by hand is checked by the app first.

use paraphe_e2e::{log_in, screenshot, wait_for, Api, Chromedriver, Server};
use thirtyfour::prelude::*;

const ACCOUNTANT: &str = "expert@demo.paraphe.fr";
const PASSWORD: &str = "demo-expert-2026";
const LINES: usize = 1000;

/// Windows-1252 for the Latin-1 letters the file uses (the same code points, one byte each).
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            let code = u32::from(c);
            assert!(
                code < 0x80 || (0xa0..=0xff).contains(&code),
                "{c:?} is not written as itself in Windows-1252"
            );
            code as u8
        })
        .collect()
}

const FIRST_NAMES: [&str; 8] = [
    "Élodie",
    "Gaëlle",
    "Jérôme",
    "François",
    "Zoé",
    "Anaïs",
    "Noël",
    "Hélène",
];

/// The file: a header the way a firm names its columns, then `LINES` contacts with their
/// mobiles written every way the French write them, and a few bad lines.
/// Returns it with the line numbers (as the spreadsheet shows them) of the bad lines.
fn spreadsheet() -> (Vec<u8>, Vec<(usize, &'static str)>) {
    let mut text = String::from(
        "Prénom;Nom;Adresse e-mail;Téléphone portable;Raison sociale;N° client;Ville\r\n",
    );
    let mut bad = Vec::new();
    for i in 1..=LINES {
        let line = i + 1;
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = format!("Müller{i:04}");
        let mut email = format!("client{i:04}@cabinet-exemple.fr");
        let (a, b) = (i / 100, i % 100);
        let mut mobile = match i % 4 {
            0 => format!("06 12 34 {a:02} {b:02}"),
            1 => format!("07123456{b:02}"),
            2 => format!("+33 6 98 76 {a:02} {b:02}"),
            _ => format!("06.55.44.{a:02}.{b:02}"),
        };
        let mut last_name = last.clone();
        match i {
            100 => {
                email = "client0100-sans-arobase.fr".into();
                bad.push((line, "EMAIL"));
            }
            200 => {
                mobile = "06 12".into();
                bad.push((line, "MOBILE"));
            }
            300 => {
                last_name.clear();
                bad.push((line, "LAST_NAME"));
            }
            // The same email as the line before: a duplicate, skipped.
            400 => email = "client0399@cabinet-exemple.fr".into(),
            500 => {
                mobile = "12345".into();
                bad.push((line, "MOBILE"));
            }
            _ => {}
        }
        let company = if i % 3 == 0 {
            format!("SARL {last}")
        } else {
            String::new()
        };
        text.push_str(&format!(
            "{first};{last_name};{email};{mobile};{company};C-{i:04};Besançon\r\n"
        ));
    }
    // Excel keeps rows it once saw as empty cells.
    text.push_str(";;;;;;\r\n;;;;;;\r\n");
    (windows_1252(&text), bad)
}

async fn type_into(browser: &WebDriver, css: &str, text: &str) {
    let field = wait_for(browser, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn attribute(browser: &WebDriver, css: &str, name: &str) -> String {
    wait_for(browser, css)
        .await
        .attr(name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("`{css}` has no {name}"))
}

/// Waits until `css`'s `name` attribute is `expected`.
async fn wait_attribute(browser: &WebDriver, css: &str, name: &str, expected: &str) {
    for _ in 0..150 {
        if let Ok(element) = browser.find(By::Css(css)).await {
            if element.attr(name).await.ok().flatten().as_deref() == Some(expected) {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let found = attribute(browser, css, name).await;
    panic!("`{css}` {name}={found:?}, expected {expected:?}");
}

/// Scrolls so that `css` starts at the top of the window (for the screenshots).
async fn scroll_to_top_of(browser: &WebDriver, css: &str) {
    let element = wait_for(browser, css).await;
    browser
        .execute(
            "arguments[0].scrollIntoView({ block: 'start' });",
            vec![element.to_json().unwrap()],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_thousand_line_spreadsheet_imports_with_its_bad_lines_reported() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let mut api = Api::new(&server);
    let cabinet = api.open_demo_cabinet().await;
    // Already a contact, with an older mobile: the file updates it.
    api.run(
        "mutation($c: UUID!) { createContact(cabinetId: $c, input: { firstName: \"Élodie\", lastName: \"Müller0008\", email: \"client0008@cabinet-exemple.fr\", mobile: \"0600000000\" }) { id } }",
        serde_json::json!({ "c": cabinet }),
    )
    .await;
    let before = api
        .run(
            "query($c: UUID!) { contacts(cabinetId: $c, first: 1) { totalCount } }",
            serde_json::json!({ "c": cabinet }),
        )
        .await["contacts"]["totalCount"]
        .as_i64()
        .unwrap();

    let (file, bad) = spreadsheet();
    let path = std::env::temp_dir().join(format!("contacts-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, &file).unwrap();

    let phone = chromedriver.browser(375, 812).await;
    log_in(&phone, &server, ACCOUNTANT, PASSWORD).await;
    // The menu leads there.
    assert!(attribute(&phone, "#nav-contacts", "href")
        .await
        .ends_with("/contacts"));
    phone.goto(server.url("/contacts")).await.unwrap();
    wait_for(&phone, "[data-testid=contacts-count]").await;

    // The file goes in through the page's own file field.
    wait_for(&phone, "input#contacts-file")
        .await
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=import-preview]").await;
    let count = |testid: &str| format!("[data-testid=import-preview] [data-testid={testid}]");
    wait_attribute(
        &phone,
        &count("import-lines-read"),
        "data-count",
        &LINES.to_string(),
    )
    .await;
    let read_as = wait_for(&phone, "[data-testid=import-read-as]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        read_as.contains("Windows") && read_as.contains("point-virgule"),
        "{read_as}"
    );
    // 1 000 lines: 4 bad, 1 duplicate, 1 known contact updated, the rest new.
    wait_attribute(
        &phone,
        &count("import-invalid"),
        "data-count",
        &bad.len().to_string(),
    )
    .await;
    wait_attribute(&phone, &count("import-duplicate"), "data-count", "1").await;
    wait_attribute(&phone, &count("import-update"), "data-count", "1").await;
    let created = LINES - bad.len() - 2;
    wait_attribute(
        &phone,
        &count("import-create"),
        "data-count",
        &created.to_string(),
    )
    .await;
    // Each bad line, with its number and what is wrong with it.
    for (line, field) in &bad {
        let row = format!("[data-testid=import-line][data-line=\"{line}\"]");
        assert_eq!(attribute(&phone, &row, "data-outcome").await, "INVALID");
        wait_for(
            &phone,
            &format!("{row} [data-testid=import-problem][data-field={field}]"),
        )
        .await;
    }
    let mobile = wait_for(&phone, "[data-testid=import-line][data-line=\"201\"]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        mobile.contains("Ligne 201") && mobile.contains("« 06 12 »"),
        "{mobile}"
    );
    let duplicate = wait_for(&phone, "[data-testid=import-line][data-line=\"401\"]")
        .await
        .text()
        .await
        .unwrap();
    assert!(duplicate.contains("ligne 400"), "{duplicate}");
    assert_eq!(
        attribute(
            &phone,
            "[data-testid=import-line][data-line=\"9\"]",
            "data-outcome"
        )
        .await,
        "UPDATE"
    );
    scroll_to_top_of(&phone, "[data-testid=import-preview]").await;
    screenshot(&phone, "contacts-import-preview-phone").await;
    scroll_to_top_of(&phone, "[data-testid=import-lines]").await;
    screenshot(&phone, "contacts-import-lines-phone").await;
    paraphe_e2e::assert_accessible(&phone, "contacts import preview").await;

    wait_for(&phone, "[data-testid=import-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let done = wait_for(&phone, "[data-testid=import-done]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        done.contains(&format!("{created} contact(s) créé(s)")),
        "{done}"
    );
    assert!(done.contains("1 mis à jour"), "{done}");
    let total = before + created as i64;
    wait_attribute(
        &phone,
        "[data-testid=contacts-count]",
        "data-count",
        &total.to_string(),
    )
    .await;

    // The list: found by a search, accents and case aside.
    type_into(&phone, "input#contact-search", "muller0042").await;
    wait_attribute(&phone, "[data-testid=contacts-count]", "data-count", "1").await;
    let row = wait_for(
        &phone,
        "[data-testid=contact-row][data-email=\"client0042@cabinet-exemple.fr\"]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        row.contains("MÜLLER0042") && row.contains("SARL Müller0042"),
        "{row}"
    );
    assert!(row.contains("06 98 76 00 42"), "{row}");
    type_into(&phone, "input#contact-search", "client0008").await;
    let updated = wait_for(
        &phone,
        "[data-testid=contact-row][data-email=\"client0008@cabinet-exemple.fr\"]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        updated.contains("06 12 34 00 08"),
        "the file's mobile: {updated}"
    );
    screenshot(&phone, "contacts-list-phone").await;
    paraphe_e2e::assert_accessible(&phone, "contacts").await;

    // By hand: the app says what is wrong before sending; then the contact is there.
    wait_for(&phone, "[data-testid=new-contact]")
        .await
        .click()
        .await
        .unwrap();
    type_into(&phone, "#new-contact-first-name", "Inès").await;
    type_into(&phone, "#new-contact-last-name", "Lefèvre").await;
    type_into(&phone, "#new-contact-email", "ines@lefevre.example").await;
    type_into(&phone, "#new-contact-mobile", "06 12").await;
    wait_for(&phone, "button#create-contact")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=field-error][data-field=MOBILE]").await;
    type_into(&phone, "#new-contact-mobile", "07 11 22 33 44").await;
    wait_for(&phone, "button#create-contact")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&phone, "[data-testid=contact-created]").await;
    type_into(&phone, "input#contact-search", "lefevre").await;
    let ines = wait_for(
        &phone,
        "[data-testid=contact-row][data-email=\"ines@lefevre.example\"]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(ines.contains("07 11 22 33 44"), "{ines}");

    // The export link downloads them all, as Excel in French opens them.
    let href = attribute(&phone, "[data-testid=contacts-export]", "href").await;
    assert!(
        href.ends_with(&format!("/api/cabinets/{cabinet}/contacts.csv")),
        "{href}"
    );
    let exported = api
        .get_bytes(&format!("/api/cabinets/{cabinet}/contacts.csv"))
        .await;
    let exported = String::from_utf8(exported).unwrap();
    assert!(exported.starts_with("\u{feff}Prénom;Nom;E-mail;Mobile;"));
    assert_eq!(exported.lines().count() as i64, 1 + total + 1);

    std::fs::remove_file(&path).ok();
    phone.quit().await.unwrap();
    server.stop().await;
}
