//! How long the engine takes to sign (PAdES B-B, RSA-2048) and to validate a small PDF,
//! on its own: no database, no time-stamping authority. Prints medians of 50 runs.
//!
//! Run: `cargo bench -p paraphe-pades --bench sign`. The server's `signing` benchmark
//! compares the engine with pyHanko on larger documents (BENCHMARKS.md).

use std::time::{Duration, Instant};

use paraphe_pades::testing::ThrowawayCa;
use paraphe_pades::{sign, text_pdf, validate, SignatureRequest, SigningIdentity};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let lines: Vec<String> = (0..90)
        .map(|i| format!("Article {i} — le client s'engage à fournir les pièces justificatives."))
        .collect();
    let pdf = text_pdf::render("Lettre de mission", &lines)?;
    let ca = ThrowawayCa::new("Bench Root CA")?;
    let (key, chain) = ca.signer("Claire MARTIN")?;
    let identity = SigningIdentity {
        key: &key,
        chain: &chain,
    };
    let request = SignatureRequest {
        signer_name: "Claire MARTIN".into(),
        reason: None,
        location: None,
        time: chrono::Utc::now(),
        stamp: None,
    };

    let (mut signing, mut validating) = (Vec::new(), Vec::new());
    let mut signed = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        signed = sign(&pdf, &request, &identity)?;
        signing.push(start.elapsed());
        let start = Instant::now();
        let report = validate(&signed, std::slice::from_ref(ca.root()))?;
        validating.push(start.elapsed());
        assert!(report.all_valid(), "{:?}", report.signatures[0].problems);
    }
    println!(
        "{} pages, {} KB: sign (B-B) median {:.2} ms, validate median {:.2} ms",
        paraphe_pades::inspect(&pdf)?.pages,
        signed.len() / 1024,
        median(signing).as_secs_f64() * 1e3,
        median(validating).as_secs_f64() * 1e3,
    );
    Ok(())
}
