//! The operators' command line: `pdf sign` at every PAdES level and `pki export-roots`,
//! checked by pyHanko against the exported roots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::PgPool;

/// The fresh test database's URL, for the binary to use.
async fn database_url(db: &PgPool) -> String {
    let (name,): (String,) = sqlx::query_as("SELECT current_database()")
        .fetch_one(db)
        .await
        .unwrap();
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    format!(
        "{}/{name}",
        server
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or(&server)
    )
}

fn paraphe(database_url: &str, args: &[&str]) -> Output {
    paraphe_logging(database_url, args, "warn")
}

fn paraphe_logging(database_url: &str, args: &[&str], log_level: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paraphe-server"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env(
            "PARAPHE_KEY_ENCRYPTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .env("RUST_LOG", log_level)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("paraphe-server")
}

/// `paraphe-server pki export-roots > roots.pem` must be a PEM file even at the default
/// log level: logs go to stderr, only the command's data to stdout.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn commands_print_only_their_data_on_stdout(db: PgPool) {
    let url = database_url(&db).await;
    let (roots, migrate, seeded) = tokio::task::spawn_blocking(move || {
        (
            paraphe_logging(&url, &["pki", "export-roots"], "info"),
            paraphe_logging(&url, &["migrate"], "info"),
            paraphe_logging(&url, &["seed-demo"], "info"),
        )
    })
    .await
    .unwrap();
    assert!(
        roots.status.success(),
        "{}",
        String::from_utf8_lossy(&roots.stderr)
    );
    let pem = String::from_utf8(roots.stdout).unwrap();
    let mut in_block = false;
    for line in pem.lines() {
        match line {
            "-----BEGIN CERTIFICATE-----" if !in_block => in_block = true,
            "-----END CERTIFICATE-----" if in_block => in_block = false,
            body if in_block => assert!(
                body.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
                "not PEM: {line:?}"
            ),
            other => panic!("a line outside any certificate on stdout: {other:?}"),
        }
    }
    assert!(!in_block && pem.matches("BEGIN CERTIFICATE").count() >= 1);
    assert!(
        !String::from_utf8_lossy(&roots.stderr).is_empty(),
        "the logs are still written, on stderr"
    );

    assert!(migrate.status.success());
    assert!(
        migrate.stdout.is_empty(),
        "migrate has no data to print: {}",
        String::from_utf8_lossy(&migrate.stdout)
    );
    let demo = String::from_utf8(seeded.stdout).unwrap();
    assert!(
        demo.contains("expert@demo.paraphe.fr") && !demo.contains(" INFO "),
        "{demo}"
    );
}

fn pyhanko(roots: &Path, pdf: &Path, mode: &str) -> Result<Vec<serde_json::Value>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let python = std::env::var("PARAPHE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".data/venv/bin/python"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/pyhanko_validate.py");
    let output = Command::new(python)
        .arg(script)
        .arg(roots)
        .arg(pdf)
        .arg(mode)
        .output()
        .expect("python");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn pdf_sign_makes_every_pades_level_and_pyhanko_accepts_each(db: PgPool) {
    let url = database_url(&db).await;
    let dir = std::env::temp_dir().join(format!("paraphe-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/sign");
    let input = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();

    let roots = tokio::task::spawn_blocking({
        let url = url.clone();
        move || paraphe(&url, &["pki", "export-roots"])
    })
    .await
    .unwrap();
    assert!(
        roots.status.success(),
        "{}",
        String::from_utf8_lossy(&roots.stderr)
    );
    assert!(roots.stdout.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let roots_path = dir.join("roots.pem");
    std::fs::write(&roots_path, &roots.stdout).unwrap();

    for (level, cert_level, mode) in [
        ("b-b", "lcp", "online"),
        ("b-t", "qcp", "online"),
        ("b-lt", "lcp", "offline"),
        ("b-lta", "seal", "offline"),
    ] {
        let output = dir.join(format!("{level}.pdf"));
        let args = [
            "pdf",
            "sign",
            input.to_str().unwrap(),
            output.to_str().unwrap(),
            "--pades",
            level,
            "--level",
            cert_level,
            "--name",
            "Jeanne Dupont",
            "--visible",
            "1,40,40,220,70",
        ];
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let url = url.clone();
        let signed = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            paraphe(&url, &args)
        })
        .await
        .unwrap();
        assert!(
            signed.status.success(),
            "{level}: {}",
            String::from_utf8_lossy(&signed.stderr)
        );
        let report = pyhanko(&roots_path, &output, mode).unwrap_or_else(|e| panic!("{level}: {e}"));
        assert!(
            !report.is_empty() && report.iter().all(|s| s["bottom_line"] == true),
            "{level}: {report:?}"
        );
        let timestamped = report
            .iter()
            .filter(|s| s["kind"] == "signature")
            .all(|s| s["timestamp"] == "trusted");
        assert_eq!(timestamped, level != "b-b", "{level}: {report:?}");
    }

    // `pdf verify`: exit 0 and a JSON report on a good file, exit 2 on a tampered one.
    let good = dir.join("b-lta.pdf");
    let mut tampered_bytes = std::fs::read(&good).unwrap();
    let spot = tampered_bytes.len() / 3;
    tampered_bytes[spot] = tampered_bytes[spot].wrapping_add(1);
    let tampered = dir.join("tampered.pdf");
    std::fs::write(&tampered, tampered_bytes).unwrap();
    let (verified, refused_verify) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            (
                paraphe(&url, &["pdf", "verify", good.to_str().unwrap(), "--json"]),
                paraphe(&url, &["pdf", "verify", tampered.to_str().unwrap()]),
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(report["modified_after_last_signature"], false);
    assert_eq!(
        report["signatures"].as_array().map(Vec::len),
        Some(2),
        "a signature and a document time-stamp: {report}"
    );
    assert_eq!(refused_verify.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused_verify.stdout).contains("INVALIDE"));

    let refused = tokio::task::spawn_blocking(move || {
        paraphe(&url, &["pdf", "sign", "/nonexistent.pdf", "/tmp/never.pdf"])
    })
    .await
    .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("cannot read /nonexistent.pdf"));
}

/// An empty instance gets its first administrator from the command line: a link to choose
/// a password, which is a set-up link; an account that has a password gets no link.
#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn admin_create_prints_a_set_up_link_for_a_new_account(db: PgPool) {
    let url = database_url(&db).await;
    let created = tokio::task::spawn_blocking(move || {
        paraphe(
            &url,
            &[
                "admin",
                "create",
                "Boss@Plateforme.fr",
                "--first-name",
                "Béa",
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let stdout = String::from_utf8(created.stdout).unwrap();
    let token = stdout
        .split("/mot-de-passe/")
        .nth(1)
        .expect("a set-up link")
        .trim()
        .to_owned();
    let admin = sqlx::query!(
        "SELECT u.is_platform_admin, u.first_name, l.purpose FROM users u JOIN password_links l ON l.user_id = u.id
          WHERE u.email = 'boss@plateforme.fr' AND l.token_hash = sha256(convert_to($1, 'UTF8'))",
        token,
    )
    .fetch_one(&db)
    .await
    .expect("the link belongs to the new administrator");
    assert!(admin.is_platform_admin);
    assert_eq!(
        (admin.first_name.as_str(), admin.purpose.as_str()),
        ("Béa", "setup")
    );

    crate::common::user(&db, "has@password.fr", "Has", "Password").await;
    let url = database_url(&db).await;
    let existing =
        tokio::task::spawn_blocking(move || paraphe(&url, &["admin", "create", "has@password.fr"]))
            .await
            .unwrap();
    assert!(existing.status.success());
    assert!(!String::from_utf8_lossy(&existing.stdout).contains("/mot-de-passe/"));
    let bad = {
        let url = database_url(&db).await;
        tokio::task::spawn_blocking(move || paraphe(&url, &["admin", "create", "pas-un-email"]))
            .await
            .unwrap()
    };
    assert!(!bad.status.success());
}
