//! Keys held by a PKCS#11 token (SoftHSM2 from Debian): generated on the token, never
//! readable, and signing PDFs that pyHanko, pdfsig and Paraphe's validator accept.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use paraphe_server::keys::pkcs11::Token;
use paraphe_server::keys::RawSigner;
use paraphe_server::pki::{CaHierarchy, Level, PersonIdentity, Pki, Registry};
use paraphe_server::signing::{self, PadesLevel, SignatureRequest};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A fresh SoftHSM2 token in a scratch folder, made with Debian's softhsm2-util.
fn softhsm_token(dir: &Path) {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display())).unwrap();
    // SoftHSM reads its configuration from the environment when the module initialises;
    // this test binary has this single test, so nothing else reads the environment.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let made = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "paraphe-test", "--so-pin", "87654321", "--pin", "123456"])
        .output()
        .expect("softhsm2-util (scripts/test.sh installs softhsm2)");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
}

#[test]
fn a_key_generated_on_softhsm_signs_at_b_lta_and_never_leaves_the_token() {
    let dir = std::env::temp_dir().join(format!("paraphe-pkcs11-{}", uuid::Uuid::new_v4().simple()));
    softhsm_token(&dir);
    // The module is process-wide: a refused login finalises it before the real session opens.
    assert!(Token::open(Path::new(MODULE), "paraphe-test", "000000").is_err(), "a wrong PIN is refused");
    let token = Token::open(Path::new(MODULE), "paraphe-test", "123456").unwrap();
    token.generate_rsa("claire-martin", 2048).unwrap();
    let key = token.key("claire-martin").unwrap();
    assert!(!token.private_value_readable(&key), "the private key must not be readable");

    let hierarchy = CaHierarchy::generate("http://localhost:8080").unwrap();
    let registry = Registry::in_memory_for(&hierarchy);
    let pki = Pki::new(hierarchy, registry);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let person = PersonIdentity {
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        email: "claire@client.fr".into(),
        serial_number: "PARAPHE-HSM".into(),
    };
    let certificate = runtime.block_on(pki.issue_for_person(Level::Qcp, &person, &key.public_key().unwrap())).unwrap();
    let mut chain = vec![certificate];
    chain.extend(pki.hierarchy.chain_above(Level::Qcp));

    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/sign");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "pdf")).collect();
    inputs.sort();
    let original = std::fs::read(&inputs[0]).unwrap();
    let request = SignatureRequest { signer_name: person.common_name(), reason: None, location: None, time: Utc::now(), stamp: None };
    let signed = runtime.block_on(signing::sign_at_level(&original, &request, &key, &chain, PadesLevel::BLTA, &pki)).unwrap();

    let report = signing::validate(&signed, std::slice::from_ref(&pki.hierarchy.root.certificate)).unwrap();
    assert!(report.all_valid(), "{report:#?}");

    let roots = dir.join("roots.pem");
    std::fs::write(&roots, pki.hierarchy.roots_pem().unwrap()).unwrap();
    let pdf = dir.join("hsm.pdf");
    std::fs::write(&pdf, &signed).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let python = std::env::var("PARAPHE_PYTHON").map(PathBuf::from).unwrap_or_else(|_| root.join(".data/venv/bin/python"));
    let output = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/pyhanko_validate.py"))
        .arg(&roots)
        .arg(&pdf)
        .arg("offline")
        .output()
        .expect("python");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!report.is_empty() && report.iter().all(|s| s["bottom_line"] == true), "{report:?}");
}
