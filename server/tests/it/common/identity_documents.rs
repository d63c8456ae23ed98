//! Synthetic identity documents: MRZs with real check digits, rendered in OCR-B by
//! `tests/tools/render_identity_document.py` for the real tesseract to read.

use uuid::Uuid;

/// ICAO check digit (weights 7, 3, 1).
pub fn digit(field: &str) -> char {
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

/// The three MRZ lines of a French identity card (TD1).
pub fn card_mrz(number: &str, birth: &str, expiry: &str, names: &str) -> Vec<String> {
    let l1 = format!("{:<<30}", format!("IDFRA{number}{}", digit(number)));
    let body = format!(
        "{:<<29}",
        format!("{birth}{}F{expiry}{}FRA", digit(birth), digit(expiry))
    );
    let composite = format!(
        "{}{}{}{}",
        &l1[5..30],
        &body[0..7],
        &body[8..15],
        &body[18..29]
    );
    vec![
        l1,
        format!("{body}{}", digit(&composite)),
        format!("{names:<<30}"),
    ]
}

pub fn passport_mrz(number: &str, birth: &str, expiry: &str, names: &str) -> Vec<String> {
    let l1 = format!("{:<<44}", format!("P<FRA{names}"));
    let body = format!(
        "{number}{}FRA{birth}{}M{expiry}{}{}<",
        digit(number),
        digit(birth),
        digit(expiry),
        "<".repeat(14)
    );
    let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..43]);
    vec![l1, format!("{body}{}", digit(&composite))]
}

/// Renders a document image (PNG, JPEG or PDF by the extension) with Pillow and OCR-B.
pub fn render(title: &str, mrz: &[String], extension: &str) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("paraphe-id-{}.{extension}", Uuid::new_v4()));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools/render_identity_document.py");
    let status = std::process::Command::new(super::python())
        .arg(script)
        .arg(&path)
        .arg(title)
        .args(mrz)
        .status()
        .expect("python");
    assert!(status.success(), "rendering the synthetic document failed");
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    bytes
}

pub fn front() -> Vec<u8> {
    render("CARTE NATIONALE D'IDENTITE", &["MARTIN".into()], "jpg")
}

/// The back of Alice Martin's card, born 15 May 1990, valid until 2031.
pub fn alice_back() -> Vec<u8> {
    render(
        "REPUBLIQUE FRANCAISE",
        &card_mrz("X4RTBPFW4", "900515", "310101", "MARTIN<<ALICE"),
        "png",
    )
}
