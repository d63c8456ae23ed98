//! Keys held by a PKCS#11 token (SoftHSM2 from Debian): a signer's and the certificate
//! authorities', generated on the token, never readable, and signing PDFs that pyHanko and
//! Paraphe's validator accept.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use std::sync::Arc;

use paraphe_server::keys::pkcs11::Token;
use paraphe_server::keys::{KeyEncryptionKey, RawSigner};
use paraphe_server::pki::{self, Level, PersonIdentity};
use paraphe_server::signing::{self, PadesLevel, SignatureRequest};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A fresh SoftHSM2 token in a scratch folder, made with Debian's softhsm2-util.
fn softhsm_token(dir: &Path) {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    // SoftHSM reads its configuration from the environment when the module initialises;
    // this test binary has this single test, so nothing else reads the environment.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let made = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "paraphe-test",
            "--so-pin",
            "87654321",
            "--pin",
            "123456",
        ])
        .output()
        .expect("softhsm2-util (scripts/test.sh installs softhsm2)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

/// A database of its own for this test (the binary holds a single plain test: the PKCS#11
/// module is process-wide).
async fn scratch_database() -> (sqlx::PgPool, String, String) {
    let admin_url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let server = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base.to_owned())
        .unwrap();
    let name = format!("paraphe_pkcs11_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let db = paraphe_server::db::connect(&format!("{server}/{name}"))
        .await
        .unwrap();
    paraphe_server::db::migrate(&db).await.unwrap();
    (db, admin_url, name)
}

#[test]
fn keys_generated_on_softhsm_sign_at_b_lta_and_never_leave_the_token() {
    let dir =
        std::env::temp_dir().join(format!("paraphe-pkcs11-{}", uuid::Uuid::new_v4().simple()));
    softhsm_token(&dir);
    // The module is process-wide: a refused login finalises it before the real session opens.
    assert!(
        Token::open(Path::new(MODULE), "paraphe-test", "000000").is_err(),
        "a wrong PIN is refused"
    );
    let token = Arc::new(Token::open(Path::new(MODULE), "paraphe-test", "123456").unwrap());
    token.generate_rsa("claire-martin", 2048).unwrap();
    let key = token.key("claire-martin").unwrap();
    assert!(
        !token.private_value_readable(&key),
        "the private key must not be readable"
    );

    // The certificate authorities' keys on the token too, made at the first start.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (db, admin_url, database) = runtime.block_on(scratch_database());
    let kek = KeyEncryptionKey::generate().0;
    let pki = runtime
        .block_on(pki::load_or_create_on(
            &db,
            &kek,
            "http://localhost:8080",
            Some(token.clone()),
        ))
        .unwrap();
    let rows: Vec<(Option<Vec<u8>>, Option<String>)> = runtime
        .block_on(
            sqlx::query_as("SELECT key_sealed, key_token_label FROM pki_authorities")
                .fetch_all(&db),
        )
        .unwrap();
    assert_eq!(rows.len(), 6, "root, lcp, qcp, seal, onetime, tsa");
    for (sealed, label) in &rows {
        assert!(
            sealed.is_none(),
            "no CA key leaves the token, sealed or not"
        );
        let on_token = token.key(label.as_deref().unwrap()).unwrap();
        assert!(
            !token.private_value_readable(&on_token),
            "a CA key must not be readable"
        );
    }
    // A restart finds them on the token by label.
    let restarted = runtime
        .block_on(pki::load_or_create_on(
            &db,
            &kek,
            "http://localhost:8080",
            Some(token.clone()),
        ))
        .unwrap();
    assert_eq!(
        restarted.hierarchy.root.certificate,
        pki.hierarchy.root.certificate
    );
    assert!(
        runtime
            .block_on(pki::load_or_create_on(
                &db,
                &kek,
                "http://localhost:8080",
                None
            ))
            .is_err(),
        "without the token, no CA"
    );
    let pki = restarted;

    let person = PersonIdentity {
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        email: "claire@client.fr".into(),
        serial_number: "PARAPHE-HSM".into(),
    };
    let certificate = runtime
        .block_on(pki.issue_for_person(Level::Qcp, &person, &key.public_key().unwrap()))
        .unwrap();
    let mut chain = vec![certificate];
    chain.extend(pki.hierarchy.chain_above(Level::Qcp));

    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/sign");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    inputs.sort();
    let original = std::fs::read(&inputs[0]).unwrap();
    let request = SignatureRequest {
        signer_name: person.common_name(),
        reason: None,
        location: None,
        time: Utc::now(),
        stamp: None,
    };
    let signed = runtime
        .block_on(signing::sign_at_level(
            &original,
            &request,
            &key,
            &chain,
            PadesLevel::BLTA,
            &pki,
        ))
        .unwrap();

    let report = signing::validate(
        &signed,
        std::slice::from_ref(&pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert!(report.all_valid(), "{report:#?}");

    let roots = dir.join("roots.pem");
    std::fs::write(&roots, pki.hierarchy.roots_pem().unwrap()).unwrap();
    let pdf = dir.join("hsm.pdf");
    std::fs::write(&pdf, &signed).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let python = std::env::var("PARAPHE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".data/venv/bin/python"));
    let output = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/pyhanko_validate.py"))
        .arg(&roots)
        .arg(&pdf)
        .arg("offline")
        .output()
        .expect("python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        !report.is_empty() && report.iter().all(|s| s["bottom_line"] == true),
        "{report:?}"
    );

    runtime.block_on(async {
        db.close().await;
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .unwrap();
    });
}
