//! Signing speed, Paraphe's engine against pyHanko, on three PDFs made here: 2 pages,
//! ~9.5 MB with one large image, 2000 pages. PAdES B-B, RSA-2048, one signature per run.
//! Prints per-signature medians, the ratios, and the targets of issue 3.
//!
//! Run: `cargo bench -p paraphe-server --bench signing` (scripts/bench.sh sets up pyHanko).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use der::EncodePem;
use lopdf::{dictionary, Document, Object, Stream};
use paraphe_server::keys::RawSigner;
use paraphe_server::pki::{self, CaHierarchy, Level, PersonIdentity};
use paraphe_server::signing::{self, SignatureRequest, SigningIdentity};
use rand::RngCore;
use sha2::{Digest, Sha256};

fn document(pages: usize, image_bytes: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let mut resources = dictionary! { "Font" => dictionary! { "F1" => font_id } };
    let mut drawing = String::new();
    if image_bytes > 0 {
        let side = ((image_bytes / 3) as f64).sqrt() as usize;
        let mut pixels = vec![0u8; side * side * 3];
        rand::rngs::OsRng.fill_bytes(&mut pixels);
        let image = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => side as i64, "Height" => side as i64,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
            },
            pixels,
        );
        let image_id = doc.add_object(image);
        resources.set("XObject", dictionary! { "Im1" => image_id });
        drawing = "q 400 0 0 400 100 300 cm /Im1 Do Q ".into();
    }
    let resources_id = doc.add_object(resources);
    let mut kids = Vec::with_capacity(pages);
    for page in 0..pages {
        let text = format!(
            "{drawing}BT /F1 12 Tf 72 760 Td (Bilan 2026, page {}) Tj ET",
            page + 1
        );
        let content_id = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(Object::Reference(page_id));
        drawing.clear();
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => pages as i64 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("write PDF");
    bytes
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("paraphe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    eprintln!("making the PDFs and the signer in {}", dir.display());
    let inputs: Vec<(&str, Vec<u8>, usize)> = vec![
        ("2 pages", document(2, 0), 31),
        ("9.5 MB image", document(1, 9_500_000), 11),
        ("2000 pages", document(2000, 0), 11),
    ];
    let ca = CaHierarchy::generate("http://localhost:8080").expect("CA");
    let key = pki::generate_key().expect("key");
    let person = PersonIdentity {
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        email: "claire@client.fr".into(),
        serial_number: "PARAPHE-BENCH".into(),
    };
    let certificate = ca
        .issue_for_person(Level::Lcp, &person, key.public())
        .expect("certificate");
    let mut chain = vec![certificate];
    chain.extend(ca.chain_above(Level::Lcp));
    let pem = |c: &x509_cert::Certificate| c.to_pem(der::pem::LineEnding::LF).expect("pem");
    let key_path = dir.join("key.pem");
    std::fs::write(
        &key_path,
        der::pem::encode_string(
            "PRIVATE KEY",
            der::pem::LineEnding::LF,
            &key.to_pkcs8_der().expect("key der"),
        )
        .expect("key pem")
        .as_bytes(),
    )
    .expect("write");
    let cert_path = dir.join("cert.pem");
    std::fs::write(&cert_path, pem(&chain[0])).expect("write");
    let chain_path = dir.join("chain.pem");
    std::fs::write(&chain_path, format!("{}{}", pem(&chain[1]), pem(&chain[2]))).expect("write");

    let request = SignatureRequest {
        signer_name: person.common_name(),
        reason: None,
        location: None,
        time: Utc::now(),
        stamp: None,
    };
    let identity = SigningIdentity {
        key: &key,
        chain: &chain,
    };

    let mut paraphe = Vec::new();
    let mut floor = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for (name, pdf, runs) in &inputs {
        eprintln!("Paraphe: {name} ({} bytes), {runs} runs", pdf.len());
        let signed = signing::sign(pdf, &request, &identity).expect("sign");
        assert!(
            signing::validate(&signed, &[chain[2].clone()])
                .expect("validate")
                .all_valid(),
            "{name}: signature must validate"
        );
        paraphe.push(time(*runs, || {
            std::hint::black_box(signing::sign(pdf, &request, &identity).expect("sign"));
        }));
        // The floor: hashing the file once and one RSA signature, nothing else.
        floor.push(time(*runs, || {
            let digest = Sha256::digest(pdf);
            std::hint::black_box(key.sign_sha256(&digest).expect("sign"));
        }));
        let parse = time(*runs, || {
            std::hint::black_box(lopdf::Document::load_mem(pdf).expect("parse"));
        });
        eprintln!("  of which parsing with lopdf: {}", ms(parse));
        let path = dir.join(format!("{}.pdf", name.replace(' ', "-")));
        std::fs::write(&path, pdf).expect("write");
        paths.push(path);
    }

    let python = std::env::var("PARAPHE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("root")
                .join(".data/venv/bin/python")
        });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/pyhanko_sign.py");
    eprintln!("pyHanko: the same files, in process");
    let output = Command::new(&python)
        .arg(script)
        .args([&key_path, &cert_path, &chain_path])
        .arg("7")
        .args(&paths)
        .output()
        .expect("python with pyHanko (scripts/bench.sh installs it)");
    assert!(
        output.status.success(),
        "pyHanko failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let medians: serde_json::Value = serde_json::from_slice(&output.stdout).expect("pyHanko JSON");
    let pyhanko: Vec<Duration> = paths
        .iter()
        .map(|p| {
            Duration::from_secs_f64(
                medians[p.to_str().expect("utf-8 path")]
                    .as_f64()
                    .expect("median"),
            )
        })
        .collect();

    println!("\nPAdES B-B, RSA-2048, one signature, median per signature");
    println!(
        "{:<14} {:>12} {:>12} {:>10} {:>16} {:>10}",
        "document", "Paraphe", "pyHanko", "speed-up", "SHA-256 + RSA", "vs floor"
    );
    for (i, (name, pdf, _)) in inputs.iter().enumerate() {
        println!(
            "{:<14} {:>12} {:>12} {:>9.1}x {:>16} {:>9.2}x   ({} bytes)",
            name,
            ms(paraphe[i]),
            ms(pyhanko[i]),
            pyhanko[i].as_secs_f64() / paraphe[i].as_secs_f64(),
            ms(floor[i]),
            paraphe[i].as_secs_f64() / floor[i].as_secs_f64(),
            pdf.len()
        );
    }
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    let speedup = pyhanko[0].as_secs_f64() / paraphe[0].as_secs_f64();
    let big_vs_floor = paraphe[1].as_secs_f64() / floor[1].as_secs_f64();
    let pages_vs_big = paraphe[2].as_secs_f64() / paraphe[1].as_secs_f64();
    println!("\ntargets (issue 3):");
    println!(
        "  2 pages at least 50x faster than pyHanko: {speedup:.1}x, {}",
        verdict(speedup >= 50.0)
    );
    println!(
        "  9.5 MB within 2x of SHA-256 + one RSA signature: {big_vs_floor:.2}x, {}",
        verdict(big_vs_floor <= 2.0)
    );
    println!(
        "  2000 pages no slower than 1.5x the 9.5 MB one: {pages_vs_big:.2}x, {}",
        verdict(pages_vs_big <= 1.5)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
