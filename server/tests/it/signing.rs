//! Signatures made by Paraphe, checked by outsiders: pyHanko, poppler's pdfsig and
//! `openssl cms -verify`, over the corpus of PDFs from many producers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::Utc;
use std::sync::Arc;

use paraphe_server::keys::MemoryKey;
use paraphe_server::pki::remote_tsa::RemoteTsa;
use paraphe_server::pki::{self, CaHierarchy, Level, PersonIdentity, Pki, Registry};
use paraphe_server::signing::validation::SignatureKind;
use paraphe_server::signing::{
    self, PadesLevel, PdfError, SignatureRequest, SigningIdentity, VisibleStamp,
};
use x509_cert::Certificate;

use crate::common::hostile_pdf;

struct Signer {
    key: MemoryKey,
    chain: Vec<Certificate>,
    name: String,
}

struct Fixture {
    pki: Arc<Pki>,
    base_url: String,
    signers: Vec<Signer>,
    trust: Trust,
}

/// Serves the PKI's endpoints (OCSP, CRLs, TSA) on a free port from a thread of its own,
/// so that validators which fetch revocation data find it, as they would in production.
fn serve_pki(listener: std::net::TcpListener, pki: Arc<Pki>) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(
                listener,
                pki::http::routes::<()>(pki, false)
                    .into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap();
        });
    });
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let ca = CaHierarchy::generate(&base_url).unwrap();
        let registry = Registry::in_memory_for(&ca);
        let pki = Arc::new(Pki::new(ca, registry));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let people = [
            ("Claire", "Martin", Level::Lcp),
            ("Élodie", "Dupré", Level::Qcp),
            ("Hugo", "Bernard", Level::Lcp),
        ];
        let signers = people
            .iter()
            .map(|(first, last, level)| {
                let key = pki::generate_key().unwrap();
                let person = PersonIdentity {
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    email: format!("{}@client.fr", first.to_lowercase().replace('é', "e")),
                    serial_number: format!("PARAPHE-{}", uuid::Uuid::new_v4().simple()),
                };
                let certificate = runtime
                    .block_on(pki.issue_for_person(*level, &person, key.public()))
                    .unwrap();
                let mut chain = vec![certificate];
                chain.extend(pki.hierarchy.chain_above(*level));
                Signer {
                    key,
                    chain,
                    name: person.common_name(),
                }
            })
            .collect();
        let trust = Trust::new(&pki.hierarchy.roots_pem().unwrap());
        serve_pki(listener, pki.clone());
        Fixture {
            pki,
            base_url,
            signers,
            trust,
        }
    })
}

fn sign_as(pdf: &[u8], signer: &Signer) -> Result<Vec<u8>, PdfError> {
    sign_with(pdf, signer, None)
}

fn sign_with(
    pdf: &[u8],
    signer: &Signer,
    time_stamper: Option<&dyn signing::TimeStamper>,
) -> Result<Vec<u8>, PdfError> {
    let request = SignatureRequest {
        signer_name: signer.name.clone(),
        reason: Some("J'approuve ce document".into()),
        location: Some("Paris".into()),
        time: Utc::now(),
        stamp: None,
    };
    let identity = SigningIdentity {
        key: &signer.key,
        chain: &signer.chain,
    };
    match time_stamper {
        None => signing::sign(pdf, &request, &identity),
        Some(stamper) => block_on(signing::sign_time_stamped(
            pdf, &request, &identity, stamper,
        )),
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn corpus(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    files
}

/// A scratch folder with the trust root as PEM and as an NSS database for pdfsig.
struct Trust {
    dir: PathBuf,
    root_pem: PathBuf,
    nss: PathBuf,
}

fn run(command: &mut Command) -> std::process::Output {
    let name = format!("{command:?}");
    command.output().unwrap_or_else(|e| {
        panic!("cannot run {name}: {e} (scripts/test.sh installs the validators)")
    })
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

impl Trust {
    fn new(root_pem: &str) -> Trust {
        let dir =
            std::env::temp_dir().join(format!("paraphe-signing-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = dir.join("roots.pem");
        std::fs::write(&root, root_pem).unwrap();
        let nss = dir.join("nss");
        std::fs::create_dir_all(&nss).unwrap();
        let nss_arg = format!("sql:{}", nss.display());
        let created =
            run(Command::new("certutil").args(["-N", "--empty-password", "-d", &nss_arg]));
        assert!(
            created.status.success(),
            "certutil -N: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        let added = run(Command::new("certutil")
            .args([
                "-A",
                "-d",
                &nss_arg,
                "-n",
                "paraphe-root",
                "-t",
                "CT,C,C",
                "-i",
            ])
            .arg(&root));
        assert!(
            added.status.success(),
            "certutil -A: {}",
            String::from_utf8_lossy(&added.stderr)
        );
        Trust {
            dir,
            root_pem: root,
            nss,
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

/// Per signature: (signature valid, certificate trusted), as pdfsig prints them.
fn pdfsig(trust: &Trust, pdf: &Path) -> Vec<(bool, bool)> {
    let output = run(Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", trust.nss.display()))
        .arg(pdf));
    let text = String::from_utf8_lossy(&output.stdout);
    let mut results = Vec::new();
    for block in text.split("Signature #").skip(1) {
        results.push((
            block.contains("Signature is Valid."),
            block.contains("Certificate is Trusted."),
        ));
    }
    results
}

fn pyhanko(trust: &Trust, pdf: &Path) -> Result<Vec<serde_json::Value>, String> {
    pyhanko_mode(trust, pdf, "online")
}

/// `offline`: revocation hard-fail, with only what the document's /DSS carries.
fn pyhanko_mode(trust: &Trust, pdf: &Path, mode: &str) -> Result<Vec<serde_json::Value>, String> {
    let python = std::env::var("PARAPHE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join(".data/venv/bin/python"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/pyhanko_validate.py");
    let output = run(Command::new(&python)
        .arg(script)
        .arg(&trust.root_pem)
        .arg(pdf)
        .arg(mode));
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

/// Checks each signature's CMS over its ByteRange with `openssl cms -verify`.
fn openssl(trust: &Trust, pdf: &[u8], tag: &str) -> Vec<bool> {
    byte_ranges(pdf)
        .into_iter()
        .enumerate()
        .map(|(i, [a, b, c, d])| {
            let mut content = pdf[a..a + b].to_vec();
            content.extend_from_slice(&pdf[c..c + d]);
            let hex = std::str::from_utf8(&pdf[a + b + 1..c - 1]).unwrap();
            let der = decode_hex(hex.trim_end_matches('0'));
            let der_path = trust.write(&format!("{tag}-{i}.p7s"), &der_with_padding_removed(der));
            let content_path = trust.write(&format!("{tag}-{i}.bin"), &content);
            let output = run(Command::new("openssl")
                .args([
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-purpose",
                    "any",
                    "-out",
                    "/dev/null",
                ])
                .arg("-in")
                .arg(&der_path)
                .arg("-content")
                .arg(&content_path)
                .arg("-CAfile")
                .arg(&trust.root_pem));
            output.status.success()
        })
        .collect()
}

fn byte_ranges(pdf: &[u8]) -> Vec<[usize; 4]> {
    let needle = b"/ByteRange [";
    let mut ranges = Vec::new();
    let mut at = 0;
    while let Some(pos) = pdf[at..].windows(needle.len()).position(|w| w == needle) {
        let start = at + pos + needle.len();
        let end = start + pdf[start..].iter().position(|&b| b == b']').unwrap();
        let numbers: Vec<usize> = std::str::from_utf8(&pdf[start..end])
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        ranges.push([numbers[0], numbers[1], numbers[2], numbers[3]]);
        at = end;
    }
    ranges
}

fn decode_hex(hex: &str) -> Vec<u8> {
    let hex = if hex.len() % 2 == 1 {
        format!("{hex}0")
    } else {
        hex.to_owned()
    };
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The DER object's own length says where it ends; trailing zero padding is cut there.
fn der_with_padding_removed(mut der: Vec<u8>) -> Vec<u8> {
    if der.len() > 4 && der[1] & 0x80 != 0 {
        let count = (der[1] & 0x7f) as usize;
        let len = der[2..2 + count]
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | b as usize);
        der.resize(2 + count + len, 0);
    }
    der
}

fn check_all_validators(trust: &Trust, signed: &[u8], tag: &str, expected: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let path = trust.write(&format!("{tag}.pdf"), signed);
    let poppler = pdfsig(trust, &path);
    // pdfsig asks the OCSP responder named in the certificate (served by the fixture).
    if poppler.len() != expected || !poppler.iter().all(|(valid, trusted)| *valid && *trusted) {
        problems.push(format!("{tag}: pdfsig says {poppler:?}"));
    }
    match pyhanko(trust, &path) {
        Ok(report)
            if report.len() == expected && report.iter().all(|s| s["bottom_line"] == true) => {}
        Ok(report) => problems.push(format!("{tag}: pyHanko says {report:?}")),
        Err(error) => problems.push(format!("{tag}: pyHanko failed: {error}")),
    }
    let cms = openssl(trust, signed, tag);
    if cms.len() != expected || !cms.iter().all(|ok| *ok) {
        problems.push(format!("{tag}: openssl cms says {cms:?}"));
    }
    problems
}

fn check_all_validators_reject(trust: &Trust, tampered: &[u8], tag: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let path = trust.write(&format!("{tag}.pdf"), tampered);
    if pdfsig(trust, &path).iter().all(|(valid, _)| *valid) {
        problems.push(format!("{tag}: pdfsig accepted a tampered file"));
    }
    if let Ok(report) = pyhanko(trust, &path) {
        if !report.is_empty() && report.iter().all(|s| s["intact"] == true) {
            problems.push(format!("{tag}: pyHanko accepted a tampered file"));
        }
    }
    let cms = openssl(trust, tampered, tag);
    if !cms.is_empty() && cms.iter().all(|ok| *ok) {
        problems.push(format!("{tag}: openssl accepted a tampered file"));
    }
    problems
}

#[test]
fn every_corpus_pdf_signs_twice_and_every_validator_accepts_it() {
    let fixture = fixture();
    let mut problems = Vec::new();
    for path in corpus("sign") {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let original = std::fs::read(&path).unwrap();
        let once = match sign_as(&original, &fixture.signers[0]) {
            Ok(signed) => signed,
            Err(e) => {
                problems.push(format!(
                    "{name}: first signature refused: {e} ({})",
                    e.code()
                ));
                continue;
            }
        };
        assert!(
            once.starts_with(&original),
            "{name}: the original bytes must stay untouched"
        );
        let twice = match sign_as(&once, &fixture.signers[1]) {
            Ok(signed) => signed,
            Err(e) => {
                problems.push(format!(
                    "{name}: second signature refused: {e} ({})",
                    e.code()
                ));
                continue;
            }
        };
        assert!(
            twice.starts_with(&once),
            "{name}: the first signature's revision must stay untouched"
        );
        problems.extend(check_all_validators(&fixture.trust, &twice, &name, 2));
        // Paraphe's own validation report agrees on its two signatures, whatever came before.
        match signing::validate(&twice, &roots(fixture)) {
            Ok(report) => {
                let ours: Vec<_> = report
                    .signatures
                    .iter()
                    .filter(|s| s.field.starts_with("Signature-"))
                    .collect();
                if ours.len() != 2
                    || !ours.iter().all(|s| s.is_valid())
                    || report.modified_after_last_signature
                {
                    problems.push(format!("{name}: validation report says {report:#?}"));
                }
            }
            Err(e) => problems.push(format!("{name}: validation failed: {e}")),
        }

        // One byte changed in what both signatures cover.
        let mut tampered = twice.clone();
        let spot = original.len() / 2;
        tampered[spot] = tampered[spot].wrapping_add(1);
        problems.extend(check_all_validators_reject(
            &fixture.trust,
            &tampered,
            &format!("{name}-tampered"),
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn a_password_protected_pdf_is_refused_and_nothing_is_written() {
    let fixture = fixture();
    for path in corpus("refuse") {
        let original = std::fs::read(&path).unwrap();
        let error =
            sign_as(&original, &fixture.signers[0]).expect_err("an encrypted PDF must be refused");
        assert_eq!(error.code(), "PDF_ENCRYPTED", "{}", path.display());
    }
}

#[test]
fn a_damaged_pdf_is_signed_validly_or_refused_cleanly() {
    let fixture = fixture();
    for path in corpus("either") {
        let original = std::fs::read(&path).unwrap();
        match sign_as(&original, &fixture.signers[0]) {
            Err(error) => assert_eq!(error.code(), "PDF_INVALID", "{}", path.display()),
            Ok(signed) => {
                let problems = check_all_validators(&fixture.trust, &signed, "damaged", 1);
                assert!(problems.is_empty(), "{problems:?}");
            }
        }
    }
}

#[test]
fn bad_inputs_get_stable_codes() {
    let fixture = fixture();
    let not_a_pdf = b"PK\x03\x04 this is a zip file".to_vec();
    assert_eq!(
        sign_as(&not_a_pdf, &fixture.signers[0]).unwrap_err().code(),
        "PDF_INVALID"
    );
    let truncated = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    assert_eq!(
        sign_as(&truncated, &fixture.signers[0]).unwrap_err().code(),
        "PDF_INVALID"
    );
    let mut huge = b"%PDF-1.7\n".to_vec();
    huge.resize(signing::MAX_PDF_BYTES + 1, b' ');
    assert_eq!(
        sign_as(&huge, &fixture.signers[0]).unwrap_err().code(),
        "PDF_TOO_LARGE"
    );
}

#[test]
fn issued_certificates_carry_the_policy_usage_and_revocation_pointers() {
    let fixture = fixture();
    let pem = {
        use der::EncodePem;
        fixture.signers[0].chain[0]
            .to_pem(der::pem::LineEnding::LF)
            .unwrap()
    };
    let path = fixture.trust.write("lcp-leaf.pem", pem.as_bytes());
    let text = String::from_utf8(
        run(Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(&path))
        .stdout,
    )
    .unwrap();
    for expected in [
        "GN = Claire, SN = MARTIN, serialNumber = PARAPHE-",
        "CN = Claire MARTIN, emailAddress = claire@client.fr",
        "Digital Signature, Non Repudiation",
        "Policy: 1.3.6.1.4.1.99999.1.1",
        &format!("URI:{}/pki/lcp.crl", fixture.base_url),
        &format!("OCSP - URI:{}/pki/ocsp", fixture.base_url),
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // RFC 5280: dates through 2049 as UTCTime.
    assert!(text.contains("Not After : "), "{text}");
    let validity = &fixture.signers[0].chain[0].tbs_certificate.validity;
    assert!(
        matches!(validity.not_before, x509_cert::time::Time::UtcTime(_)),
        "{validity:?}"
    );
    assert!(
        matches!(validity.not_after, x509_cert::time::Time::UtcTime(_)),
        "{validity:?}"
    );
    let not_after = fixture.signers[0].chain[0]
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration();
    let years = (not_after.as_secs() as i64 - Utc::now().timestamp()) / (365 * 24 * 3600);
    assert_eq!(years, 5);
}

#[test]
fn a_b_t_signature_carries_a_time_stamp_every_validator_accepts() {
    let fixture = fixture();
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    let stamper: &dyn signing::TimeStamper = fixture.pki.as_ref();
    let once = sign_with(&original, &fixture.signers[0], Some(stamper)).unwrap();
    let twice = sign_with(&once, &fixture.signers[1], Some(stamper)).unwrap();
    let problems = check_all_validators(&fixture.trust, &twice, "b-t", 2);
    assert!(problems.is_empty(), "{problems:?}");
    let path = fixture.trust.write("b-t-report.pdf", &twice);
    let report = pyhanko(&fixture.trust, &path).unwrap();
    for signature in &report {
        assert_eq!(signature["timestamp"], "trusted", "{signature}");
    }
    let poppler = run(Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", fixture.trust.nss.display()))
        .arg(&path));
    let text = String::from_utf8_lossy(&poppler.stdout);
    assert_eq!(
        text.matches("Signature Type: ETSI.CAdES.detached").count(),
        2,
        "{text}"
    );
}

#[test]
fn a_b_b_signature_has_no_time_stamp() {
    let fixture = fixture();
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    let signed = sign_as(&original, &fixture.signers[0]).unwrap();
    let path = fixture.trust.write("b-b-report.pdf", &signed);
    let report = pyhanko(&fixture.trust, &path).unwrap();
    assert_eq!(report[0]["timestamp"], "none");
}

fn sign_at(pdf: &[u8], signer: &Signer, level: PadesLevel) -> Vec<u8> {
    let fixture = fixture();
    let request = SignatureRequest {
        signer_name: signer.name.clone(),
        reason: None,
        location: None,
        time: Utc::now(),
        stamp: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(signing::sign_at_level(
            pdf,
            &request,
            &signer.key,
            &signer.chain,
            level,
            &*fixture.pki,
        ))
        .unwrap()
}

#[test]
fn b_lt_and_b_lta_carry_everything_needed_to_validate_offline() {
    let fixture = fixture();
    let original = std::fs::read(&corpus("sign")[0]).unwrap();

    // B-T alone does not validate offline with revocation hard-fail: no /DSS.
    let b_t = sign_at(&original, &fixture.signers[0], PadesLevel::BT);
    let path = fixture.trust.write("offline-b-t.pdf", &b_t);
    assert!(
        pyhanko_mode(&fixture.trust, &path, "offline").is_err(),
        "a B-T file has no DSS"
    );

    for level in [PadesLevel::BLT, PadesLevel::BLTA] {
        let once = sign_at(&original, &fixture.signers[0], level);
        let twice = sign_at(&once, &fixture.signers[1], level);
        assert!(
            twice.starts_with(&once),
            "{level:?}: earlier revisions stay byte-identical"
        );
        let tag = level.as_str();
        let path = fixture.trust.write(&format!("{tag}.pdf"), &twice);
        let report =
            pyhanko_mode(&fixture.trust, &path, "offline").unwrap_or_else(|e| panic!("{tag}: {e}"));
        let signatures: Vec<_> = report.iter().filter(|s| s["kind"] == "signature").collect();
        let stamps: Vec<_> = report
            .iter()
            .filter(|s| s["kind"] == "document_timestamp")
            .collect();
        assert_eq!(signatures.len(), 2, "{tag}: {report:?}");
        assert_eq!(
            stamps.len(),
            if level == PadesLevel::BLTA { 2 } else { 0 },
            "{tag}: {report:?}"
        );
        for entry in &report {
            assert_eq!(entry["bottom_line"], true, "{tag}: {entry}");
        }
        for signature in signatures {
            assert_eq!(signature["timestamp"], "trusted", "{tag}: {signature}");
        }
        // pdfsig still accepts both signatures (its verdict on document time-stamps,
        // which it lists too, is left to pyHanko).
        let poppler = pdfsig(&fixture.trust, &path);
        assert!(
            poppler
                .iter()
                .filter(|(valid, trusted)| *valid && *trusted)
                .count()
                >= 2,
            "{tag}: {poppler:?}"
        );

        let mut tampered = twice.clone();
        let spot = original.len() / 2;
        tampered[spot] = tampered[spot].wrapping_add(1);
        let problems =
            check_all_validators_reject(&fixture.trust, &tampered, &format!("{tag}-tampered"));
        assert!(problems.is_empty(), "{problems:?}");
    }
}

/// Appends an incremental update that adds an unreferenced object: a change after the
/// last signature that is not validation data.
fn append_foreign_revision(pdf: &[u8]) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(lopdf::Object::as_i64)
        .unwrap();
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(lopdf::Object::as_reference)
        .unwrap();
    let startxref = String::from_utf8_lossy(pdf)
        .rsplit("startxref")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let mut out = pdf.to_vec();
    let offset = out.len();
    out.extend(format!("{size} 0 obj\n(ajout apres signature)\nendobj\n").as_bytes());
    let xref = out.len();
    out.extend(
        format!(
            "xref\n{size} 1\n{offset:010} 00000 n\r\ntrailer\n<< /Size {} /Root {} {} R /Prev {startxref} >>\nstartxref\n{xref}\n%%EOF\n",
            size + 1,
            root.0,
            root.1
        )
        .as_bytes(),
    );
    out
}

fn roots(fixture: &Fixture) -> Vec<Certificate> {
    vec![fixture.pki.hierarchy.root.certificate.clone()]
}

#[test]
fn the_validation_report_accepts_every_level_and_says_what_it_found() {
    let fixture = fixture();
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    for level in PadesLevel::ALL {
        let once = sign_at(&original, &fixture.signers[0], level);
        let twice = sign_at(&once, &fixture.signers[1], level);
        let report = signing::validate(&twice, &roots(fixture)).unwrap();
        assert!(report.all_valid(), "{level:?}: {report:#?}");
        let signatures: Vec<_> = report
            .signatures
            .iter()
            .filter(|s| s.kind == SignatureKind::Signature)
            .collect();
        assert_eq!(signatures.len(), 2, "{level:?}");
        let stamps = report.signatures.len() - signatures.len();
        assert_eq!(
            stamps,
            if level == PadesLevel::BLTA { 2 } else { 0 },
            "{level:?}"
        );
        for signature in &signatures {
            assert_eq!(
                signature.time_stamp.is_some(),
                level != PadesLevel::BB,
                "{level:?}: {signature:?}"
            );
            assert!(
                signature
                    .signer
                    .as_deref()
                    .is_some_and(|s| s.contains("CN=")),
                "{signature:?}"
            );
        }
        let mut revisions: Vec<usize> = signatures.iter().map(|s| s.revision).collect();
        revisions.sort();
        assert!(
            revisions[0] < revisions[1],
            "each signature covers its own revision: {revisions:?}"
        );
    }
}

#[test]
fn the_validation_report_catches_tampering_and_later_changes() {
    let fixture = fixture();
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    let signed = sign_at(&original, &fixture.signers[0], PadesLevel::BT);

    let mut tampered = signed.clone();
    let spot = original.len() / 2;
    tampered[spot] = tampered[spot].wrapping_add(1);
    let report = signing::validate(&tampered, &roots(fixture)).unwrap();
    assert!(
        !report.signatures[0].intact && !report.all_valid(),
        "{report:#?}"
    );

    let changed = append_foreign_revision(&signed);
    let report = signing::validate(&changed, &roots(fixture)).unwrap();
    assert!(report.signatures[0].intact, "{report:#?}");
    assert!(
        report.modified_after_last_signature && !report.all_valid(),
        "{report:#?}"
    );

    // Validation data after the signature is not a modification (B-LT).
    let with_dss = sign_at(&original, &fixture.signers[0], PadesLevel::BLT);
    assert!(
        !signing::validate(&with_dss, &roots(fixture))
            .unwrap()
            .modified_after_last_signature
    );

    // Another trust anchor: intact and valid, but not trusted.
    let stranger = CaHierarchy::generate("http://elsewhere.invalid").unwrap();
    let report =
        signing::validate(&signed, std::slice::from_ref(&stranger.root.certificate)).unwrap();
    assert!(
        report.signatures[0].intact && report.signatures[0].cryptographically_valid,
        "{report:#?}"
    );
    assert!(
        !report.signatures[0].trusted && !report.all_valid(),
        "{report:#?}"
    );
}

#[test]
fn revocation_shows_in_the_report_unless_a_time_stamp_proves_the_signature_came_first() {
    let fixture = fixture();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let key = pki::generate_key().unwrap();
    let person = PersonIdentity {
        first_name: "Paul".into(),
        last_name: "Revoque".into(),
        email: "paul@client.fr".into(),
        serial_number: format!("PARAPHE-{}", uuid::Uuid::new_v4().simple()),
    };
    let certificate = runtime
        .block_on(
            fixture
                .pki
                .issue_for_person(Level::Lcp, &person, key.public()),
        )
        .unwrap();
    let mut chain = vec![certificate.clone()];
    chain.extend(fixture.pki.hierarchy.chain_above(Level::Lcp));
    let signer = Signer {
        key,
        chain,
        name: person.common_name(),
    };
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    let basic = sign_at(&original, &signer, PadesLevel::BB);
    let stamped = sign_at(&original, &signer, PadesLevel::BT);

    runtime
        .block_on(
            fixture
                .pki
                .revoke(&certificate, pki::RevocationReason::KeyCompromise),
        )
        .unwrap();

    let mut report = signing::validate(&basic, &roots(fixture)).unwrap();
    runtime
        .block_on(fixture.pki.check_revocation(&mut report))
        .unwrap();
    assert_eq!(report.signatures[0].revoked, Some(true), "{report:#?}");
    assert!(!report.all_valid());

    let mut report = signing::validate(&stamped, &roots(fixture)).unwrap();
    runtime
        .block_on(fixture.pki.check_revocation(&mut report))
        .unwrap();
    assert_eq!(report.signatures[0].revoked, Some(false), "{report:#?}");
    assert!(report.all_valid(), "{report:#?}");
}

fn certified_pdf(permission: i64) -> Vec<u8> {
    one_page_pdf(Some(permission))
}

/// A one-page A4 PDF; with `Some(P)`, its catalog carries a certification signature's
/// DocMDP with that permission.
fn one_page_pdf(permission: Option<i64>) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 760 Td (Certifie) Tj ET".to_vec(),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let Some(permission) = permission else {
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        return bytes;
    };
    let certification = doc.add_object(dictionary! {
        "Type" => "Sig", "Filter" => "Adobe.PPKLite", "SubFilter" => "ETSI.CAdES.detached",
        "Reference" => vec![Object::Dictionary(dictionary! {
            "Type" => "SigRef", "TransformMethod" => "DocMDP",
            "TransformParams" => dictionary! { "Type" => "TransformParams", "P" => permission, "V" => "1.2" },
        })],
    });
    doc.get_dictionary_mut(catalog_id)
        .unwrap()
        .set("Perms", dictionary! { "DocMDP" => certification });
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

#[test]
fn a_pdf_certified_with_no_changes_allowed_is_refused_and_one_allowing_signatures_is_signed() {
    let fixture = fixture();
    let locked = certified_pdf(1);
    let error = sign_as(&locked, &fixture.signers[0]).expect_err("DocMDP P=1 forbids any change");
    assert_eq!(error.code(), "PDF_SIGNING_FORBIDDEN");
    let open_to_signatures = certified_pdf(2);
    assert!(sign_as(&open_to_signatures, &fixture.signers[0]).is_ok());
}

/// The page rendered in grey levels by poppler's pdftoppm: (width, height, pixels).
fn render_page(trust: &Trust, pdf: &[u8], page: u32, tag: &str) -> (usize, usize, Vec<u8>) {
    let path = trust.write(&format!("{tag}.pdf"), pdf);
    let prefix = trust.dir.join(tag);
    let output = run(Command::new("pdftoppm")
        .args([
            "-r",
            "36",
            "-gray",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            "-singlefile",
        ])
        .arg(&path)
        .arg(&prefix));
    assert!(
        output.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pgm = std::fs::read(prefix.with_extension("pgm")).unwrap();
    // P5 header: magic, width, height, maxval, then one byte per pixel.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (width, height, pgm[at + 1..].to_vec())
}

#[test]
fn a_visible_stamp_is_drawn_where_asked_and_every_validator_still_accepts() {
    let fixture = fixture();
    let original = one_page_pdf(None);
    let signer = &fixture.signers[1];
    let stamp = VisibleStamp {
        page: 1,
        x: 300.0,
        y: 60.0,
        width: 240.0,
        height: 80.0,
        level: "Signature avancée (QCP)".into(),
        cabinet: Some("Cabinet Démo".into()),
    };
    let request = |stamp: Option<VisibleStamp>| SignatureRequest {
        signer_name: signer.name.clone(),
        reason: None,
        location: None,
        time: Utc::now(),
        stamp,
    };
    let identity = SigningIdentity {
        key: &signer.key,
        chain: &signer.chain,
    };
    let visible = signing::sign(&original, &request(Some(stamp.clone())), &identity).unwrap();
    let invisible = signing::sign(&original, &request(None), &identity).unwrap();
    let problems = check_all_validators(&fixture.trust, &visible, "visible", 1);
    assert!(problems.is_empty(), "{problems:?}");

    // At 36 dpi a point is half a pixel: the box spans x 150..270, y (from the top) 351..391.
    let (width, height, with_stamp) = render_page(&fixture.trust, &visible, 1, "visible-page");
    let (_, _, without) = render_page(&fixture.trust, &invisible, 1, "invisible-page");
    let differing = |x0: usize, x1: usize, y0: usize, y1: usize| {
        (y0..y1.min(height))
            .flat_map(|y| (x0..x1.min(width)).map(move |x| (x, y)))
            .filter(|(x, y)| with_stamp[y * width + x] != without[y * width + x])
            .count()
    };
    let inside = differing(150, 270, 351, 391);
    assert!(
        inside > 500,
        "the stamp is drawn in its box ({inside} pixels differ)"
    );
    assert_eq!(
        differing(0, width, 0, 340),
        0,
        "nothing else on the page changes"
    );

    let nowhere = VisibleStamp {
        page: 9,
        ..stamp.clone()
    };
    assert_eq!(
        signing::sign(&original, &request(Some(nowhere)), &identity)
            .unwrap_err()
            .code(),
        "STAMP_INVALID"
    );
    let tiny = VisibleStamp {
        width: 5.0,
        ..stamp
    };
    assert_eq!(
        signing::sign(&original, &request(Some(tiny)), &identity)
            .unwrap_err()
            .code(),
        "STAMP_INVALID"
    );
}

/// A time-stamping authority that cannot be reached.
struct UnreachableTsa;

#[async_trait::async_trait]
impl signing::TimeStamper for UnreachableTsa {
    async fn stamp(&self, _sha256_digest: &[u8]) -> Result<Vec<u8>, String> {
        Err("connection refused".into())
    }
}

#[test]
fn an_unreachable_time_stamping_authority_fails_the_signature_with_a_stable_code() {
    let fixture = fixture();
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    let error = sign_with(&original, &fixture.signers[0], Some(&UnreachableTsa))
        .expect_err("no B-T without a time-stamp");
    assert_eq!(error.code(), "TIMESTAMP_UNAVAILABLE");
    let error = block_on(signing::time_stamp_document(&original, &UnreachableTsa))
        .expect_err("no document time-stamp either");
    assert_eq!(error.code(), "TIMESTAMP_UNAVAILABLE");
}

#[test]
fn an_outside_time_stamping_authority_stamps_signatures_and_documents_when_configured() {
    let fixture = fixture();
    // Another instance plays the outside authority: its own root, its own unit.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let outside_url = format!("http://{}", listener.local_addr().unwrap());
    let outside = CaHierarchy::generate(&outside_url).unwrap();
    let outside_root_pem = outside.roots_pem().unwrap();
    let outside_root = outside.root.certificate.clone();
    let registry = Registry::in_memory_for(&outside);
    serve_pki(listener, Arc::new(Pki::new(outside, registry)));

    let remote = RemoteTsa::new(&format!("{outside_url}/pki/tsa"), vec![outside_root]).unwrap();
    let ours = Pki::new(
        fixture.pki.hierarchy.clone(),
        Registry::in_memory_for(&fixture.pki.hierarchy),
    )
    .with_remote_tsa(remote);
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    let signed = sign_with(&original, &fixture.signers[0], Some(&ours)).unwrap();
    let stamped = block_on(signing::time_stamp_document(&signed, &ours)).unwrap();

    // Valid against both roots; against ours alone, the time-stamps do not chain.
    let report = signing::validate(&stamped, &ours.trust_anchors()).unwrap();
    assert!(report.all_valid(), "{report:#?}");
    assert!(
        report.signatures.iter().all(|s| s.time_stamp.is_some()),
        "{report:#?}"
    );
    let alone = signing::validate(
        &stamped,
        std::slice::from_ref(&fixture.pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert!(
        !alone.all_valid(),
        "the outside authority vouched for the time, not ours"
    );

    let both = Trust::new(&format!(
        "{}{}",
        fixture.pki.hierarchy.roots_pem().unwrap(),
        outside_root_pem
    ));
    let path = both.write("outside-tsa.pdf", &stamped);
    let report = pyhanko(&both, &path).unwrap();
    assert_eq!(report.len(), 2, "{report:?}");
    assert_eq!(report[0]["bottom_line"], true, "{report:?}");
    assert_eq!(report[0]["timestamp"], "trusted", "{report:?}");
    assert_eq!(report[1]["kind"], "document_timestamp", "{report:?}");
    assert_eq!(report[1]["bottom_line"], true, "{report:?}");
}

#[test]
fn an_outside_authority_that_is_down_or_not_one_gives_timestamp_unavailable() {
    let fixture = fixture();
    let original = std::fs::read(&corpus("sign")[0]).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // A port nobody listens on, then an address that answers something else than RFC 3161.
    for url in [
        format!("http://{closed}/tsa"),
        format!("{}/pki/root.crl", fixture.base_url),
    ] {
        let ours = Pki::new(
            fixture.pki.hierarchy.clone(),
            Registry::in_memory_for(&fixture.pki.hierarchy),
        )
        .with_remote_tsa(RemoteTsa::new(&url, Vec::new()).unwrap());
        let error = sign_with(&original, &fixture.signers[0], Some(&ours)).expect_err(&url);
        assert_eq!(error.code(), "TIMESTAMP_UNAVAILABLE", "{url}: {error}");
    }
    assert!(RemoteTsa::new("ftp://tsa.example", Vec::new()).is_err());
}

#[test]
fn qpdf_rewrites_with_object_streams_or_linearized_sign_and_validate() {
    let fixture = fixture();
    let mut problems = Vec::new();
    for (i, path) in corpus("sign").iter().enumerate() {
        for (tag, flag) in [
            ("object-streams", "--object-streams=generate"),
            ("linearized", "--linearize"),
        ] {
            let rewritten = fixture.trust.dir.join(format!("qpdf-{i}-{tag}.pdf"));
            let status = run(Command::new("qpdf").arg(flag).arg(path).arg(&rewritten)).status;
            assert!(
                matches!(status.code(), Some(0 | 3)),
                "qpdf {flag} {}",
                path.display()
            );
            let original = std::fs::read(&rewritten).unwrap();
            let signed = sign_as(&original, &fixture.signers[0])
                .unwrap_or_else(|e| panic!("{} ({tag}): {e}", path.display()));
            assert!(
                signed.starts_with(&original),
                "the original bytes stay as they were"
            );
            let report = signing::validate(
                &signed,
                std::slice::from_ref(&fixture.pki.hierarchy.root.certificate),
            )
            .unwrap();
            if !report.all_valid() {
                problems.push(format!("{} ({tag}): {report:?}", path.display()));
            }
            let poppler = pdfsig(
                &fixture.trust,
                &fixture
                    .trust
                    .write(&format!("qpdf-{i}-{tag}-signed.pdf"), &signed),
            );
            if poppler.len() != 1 || !poppler[0].0 {
                problems.push(format!(
                    "{} ({tag}): pdfsig says {poppler:?}",
                    path.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Each entry point that reads an uploaded or presented PDF (inspection at upload, the lazy
/// reader behind signing, the validator) answers a hostile file with an error, not with a
/// crashed process or gigabytes of memory; the same shapes at a harmless size still work.
#[test]
fn hostile_pdfs_are_refused_by_every_reader_and_harmless_ones_of_the_same_shape_sign() {
    let fixture = fixture();
    let signer = &fixture.signers[0];
    for (name, hostile, harmless) in [
        (
            "arrays nested 100 000 deep",
            hostile_pdf::deeply_nested(100_000),
            hostile_pdf::deeply_nested(20),
        ),
        (
            "a page in a stream decoding to 64 MB",
            hostile_pdf::page_in_object_stream(64 << 20),
            hostile_pdf::page_in_object_stream(1024),
        ),
    ] {
        assert_eq!(
            signing::inspect(&hostile).map_err(|e| e.code()),
            Err("PDF_INVALID"),
            "{name}: inspect"
        );
        assert_eq!(
            sign_as(&hostile, signer).map_err(|e| e.code()).err(),
            Some("PDF_INVALID"),
            "{name}: sign"
        );
        assert!(
            signing::validate(&hostile, &[]).map_or(true, |report| report.signatures.is_empty()),
            "{name}: validate"
        );

        assert_eq!(
            signing::inspect(&harmless).map(|info| info.pages).ok(),
            Some(1),
            "{name}, harmless: inspect"
        );
        let signed = sign_as(&harmless, signer).unwrap_or_else(|e| panic!("{name}, harmless: {e}"));
        let report = signing::validate(&signed, &roots(fixture)).expect("validate");
        assert!(report.all_valid(), "{name}, harmless: {report:?}");
    }
}

/// The fuzz targets' seeds and every input that once crashed one (`fuzz/regressions/`,
/// see scripts/fuzz.sh), replayed through the same entry points on every test run.
#[test]
fn fuzz_seeds_and_regressions_replay_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let hierarchy = &fixture().pki.hierarchy;
    let mut replayed = 0;
    for kind in ["seeds", "regressions"] {
        for target in ["lazy_reader", "inspect", "validate", "cms", "mrz", "intake"] {
            let Ok(files) = std::fs::read_dir(fuzz.join(kind).join(target)) else {
                continue;
            };
            for file in files {
                let data = std::fs::read(file.unwrap().path()).unwrap();
                match target {
                    "lazy_reader" => {
                        if let Some((&page, pdf)) = data.split_first() {
                            signing::fuzzing::lazy_read(pdf, u32::from(page % 8));
                        }
                    }
                    "inspect" => {
                        assert!(signing::inspect(&data).map_or(true, |info| info.pages >= 1))
                    }
                    "validate" => {
                        assert!(signing::validate(&data, &[])
                            .map_or(true, |report| !report.all_valid()))
                    }
                    "cms" => {
                        assert!(!signing::fuzzing::check_cms(&data));
                        let _ = pki::ocsp::parse(hierarchy, &data);
                        assert!(!pki::tsa::respond(hierarchy, &data).is_empty());
                    }
                    "mrz" => {
                        let _ = paraphe_server::identity::mrz::parse(
                            &String::from_utf8_lossy(&data),
                            today,
                        );
                    }
                    _ => {
                        paraphe_server::identity::sniff(&data);
                    }
                }
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 10,
        "the seed corpus was not found ({replayed} files)"
    );
}

/// A collection's usual shape: several people, their certificates from the same CA. Every
/// validator trusts every signature — pdfsig (poppler 22.12, as in Debian 12's Evince and
/// Okular) too, which showed "Unknown issue with Certificate" for each signature after the
/// first while OCSP answers were signed with the CA's own key.
#[test]
fn three_signatures_two_from_the_same_ca_are_all_trusted_by_every_validator() {
    let fixture = fixture();
    let mut pdf = one_page_pdf(None);
    for signer in [
        &fixture.signers[0],
        &fixture.signers[2],
        &fixture.signers[1],
    ] {
        pdf = sign_as(&pdf, signer).unwrap_or_else(|e| panic!("{}: {e}", signer.name));
    }
    let problems = check_all_validators(&fixture.trust, &pdf, "three-signers", 3);
    assert!(problems.is_empty(), "{problems:?}");
}
