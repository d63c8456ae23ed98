//! Signs a PDF (PAdES B-B) with a throw-away certificate authority, then validates it.
//!
//! ```text
//! cargo run -p paraphe-pades --example sign                      # signs a generated letter
//! cargo run -p paraphe-pades --example sign -- in.pdf signed.pdf
//! ```
//!
//! The signed file opens in any PDF reader; validators show the signature as intact and
//! untrusted (the throw-away root is in nobody's trust list).

use paraphe_pades::testing::ThrowawayCa;
use paraphe_pades::{sign, text_pdf, validate, SignatureRequest, SigningIdentity, VisibleStamp};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let pdf = match args.next() {
        Some(path) => std::fs::read(&path)?,
        None => text_pdf::render(
            "Lettre de mission",
            &["Le client confie au cabinet la tenue de sa comptabilité.".to_owned()],
        )?,
    };
    let output = args.next().unwrap_or_else(|| "signed.pdf".into());

    let ca = ThrowawayCa::new("Example Root CA")?;
    let (key, chain) = ca.signer("Claire MARTIN")?;
    let request = SignatureRequest {
        signer_name: "Claire MARTIN".into(),
        reason: Some("Lu et approuvé".into()),
        location: Some("Lyon".into()),
        time: chrono::Utc::now(),
        // A visible stamp at the bottom left of the first page.
        stamp: Some(VisibleStamp {
            page: 1,
            x: 40.0,
            y: 40.0,
            width: 200.0,
            height: 60.0,
            level: "Signature simple (exemple)".into(),
            cabinet: None,
        }),
    };
    let signed = sign(
        &pdf,
        &request,
        &SigningIdentity {
            key: &key,
            chain: &chain,
        },
    )?;
    std::fs::write(&output, &signed)?;
    println!(
        "{output}: {} bytes, {} added",
        signed.len(),
        signed.len() - pdf.len()
    );

    let report = validate(&signed, std::slice::from_ref(ca.root()))?;
    for signature in &report.signatures {
        println!(
            "{}: signer {:?}, intact {}, valid {}, trusted {}, revision {}, problems {:?}",
            signature.field,
            signature.signer.as_deref().unwrap_or("?"),
            signature.intact,
            signature.cryptographically_valid,
            signature.trusted,
            signature.revision,
            signature.problems,
        );
    }
    Ok(())
}
