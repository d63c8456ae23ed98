//! The engine on its own: what a relying party sees of the signatures it makes.

use paraphe_pades::testing::ThrowawayCa;
use paraphe_pades::{
    inspect, sign, text_pdf, validate, PdfError, SignatureRequest, SigningIdentity,
};

fn letter() -> Vec<u8> {
    text_pdf::render(
        "Lettre de mission",
        &["Le client confie au cabinet la tenue de sa comptabilité.".to_owned()],
    )
    .expect("render")
}

fn request(name: &str) -> SignatureRequest {
    SignatureRequest {
        signer_name: name.into(),
        reason: Some("Lu et approuvé".into()),
        location: None,
        time: chrono::Utc::now(),
        stamp: None,
    }
}

#[test]
fn two_people_sign_one_after_the_other_and_both_signatures_hold() {
    let ca = ThrowawayCa::new("Test Root").expect("root");
    let pdf = letter();
    let (claire, claire_chain) = ca.signer("Claire MARTIN").expect("signer");
    let (marc, marc_chain) = ca.signer("Marc VIDAL").expect("signer");
    let once = sign(
        &pdf,
        &request("Claire MARTIN"),
        &SigningIdentity {
            key: &claire,
            chain: &claire_chain,
        },
    )
    .expect("first signature");
    assert!(
        once.starts_with(&pdf),
        "an incremental update keeps the original bytes"
    );
    let twice = sign(
        &once,
        &request("Marc VIDAL"),
        &SigningIdentity {
            key: &marc,
            chain: &marc_chain,
        },
    )
    .expect("second signature");

    let report = validate(&twice, std::slice::from_ref(ca.root())).expect("validate");
    assert!(report.all_valid(), "{:?}", report.signatures);
    assert_eq!(report.signatures.len(), 2);
    assert_eq!(report.revisions, 3);
    let signers: Vec<_> = report.signatures.iter().map(|s| s.signer.clone()).collect();
    assert!(
        signers[0]
            .as_deref()
            .unwrap_or("")
            .contains("Claire MARTIN"),
        "{signers:?}"
    );
    assert!(
        signers[1].as_deref().unwrap_or("").contains("Marc VIDAL"),
        "{signers:?}"
    );
    assert!(!report.signatures[0].covers_whole_revision || report.signatures[0].revision == 2);
}

#[test]
fn a_changed_byte_or_another_trust_anchor_shows() {
    let ca = ThrowawayCa::new("Test Root").expect("root");
    let (key, chain) = ca.signer("Claire MARTIN").expect("signer");
    let pdf = letter();
    let mut signed = sign(
        &pdf,
        &request("Claire MARTIN"),
        &SigningIdentity {
            key: &key,
            chain: &chain,
        },
    )
    .expect("sign");

    let stranger = ThrowawayCa::new("Another Root").expect("root");
    let untrusted = validate(&signed, std::slice::from_ref(stranger.root())).expect("validate");
    assert!(untrusted.signatures[0].intact && untrusted.signatures[0].cryptographically_valid);
    assert!(!untrusted.signatures[0].trusted);

    // A byte of the original content (inside the signed range) changed.
    let position = signed
        .windows(6)
        .position(|w| w == b"client")
        .or_else(|| signed.windows(2).position(|w| w == b"BT"))
        .expect("some content");
    signed[position] ^= 0x20;
    let altered = validate(&signed, std::slice::from_ref(ca.root()));
    match altered {
        Ok(report) => assert!(!report.all_valid(), "{:?}", report.signatures),
        Err(PdfError::Invalid(_)) => {}
        Err(other) => panic!("{other}"),
    }
}

#[test]
fn what_is_not_a_pdf_is_refused_with_its_reason() {
    assert!(matches!(
        inspect(b"%PDF-1.7\nnot really"),
        Err(PdfError::Invalid(_))
    ));
    assert!(matches!(
        inspect(&vec![b' '; paraphe_pades::MAX_PDF_BYTES + 1]),
        Err(PdfError::TooLarge)
    ));
}
