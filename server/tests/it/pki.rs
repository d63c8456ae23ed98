//! The instance's PKI as outside tools see it: OCSP and CRL through `openssl`, time-stamps
//! through `openssl ts`, against a real server; and the CAs kept across restarts, sealed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::TestServer;
use der::EncodePem;
use paraphe_server::keys::KeyEncryptionKey;
use paraphe_server::pki::{self, CaHierarchy, Level, PersonIdentity, PkiError, RevocationReason};
use sqlx::PgPool;
use x509_cert::Certificate;

struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("paraphe-pki-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn pem(&self, name: &str, certificates: &[&Certificate]) -> PathBuf {
        let pem: String = certificates
            .iter()
            .map(|c| c.to_pem(der::pem::LineEnding::LF).unwrap())
            .collect();
        self.write(name, pem.as_bytes())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

async fn openssl(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new("openssl")
            .args(&args)
            .output()
            .expect("openssl (scripts/test.sh installs it)")
    })
    .await
    .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

fn person() -> PersonIdentity {
    PersonIdentity {
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        email: "claire@client.fr".into(),
        serial_number: format!("PARAPHE-{}", uuid::Uuid::new_v4().simple()),
    }
}

async fn issue(server: &TestServer, level: Level) -> Certificate {
    let key = tokio::task::spawn_blocking(pki::generate_key)
        .await
        .unwrap()
        .unwrap();
    server
        .pki
        .issue_for_person(level, &person(), key.public())
        .await
        .unwrap()
}

async fn ask_ocsp(server: &TestServer, scratch: &Scratch, leaf: &Path, level: Level) -> String {
    let hierarchy = &server.pki.hierarchy;
    let issuer = scratch.pem("issuer.pem", &[&hierarchy.issuer(level).certificate]);
    let root = scratch.pem("root.pem", &[&hierarchy.root.certificate]);
    let output = openssl(vec![
        "ocsp".into(),
        "-issuer".into(),
        arg(&issuer),
        "-cert".into(),
        arg(leaf),
        "-url".into(),
        server.url("/pki/ocsp"),
        "-CAfile".into(),
        arg(&root),
        "-resp_text".into(),
    ])
    .await;
    text(&output)
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn openssl_ocsp_sees_a_certificate_good_then_revoked(db: PgPool) {
    let server = TestServer::start_with_own_pki(db).await;
    let scratch = Scratch::new();
    let certificate = issue(&server, Level::Lcp).await;
    let leaf = scratch.pem("leaf.pem", &[&certificate]);

    let answer = ask_ocsp(&server, &scratch, &leaf, Level::Lcp).await;
    assert!(answer.contains("Response verify OK"), "{answer}");
    assert!(answer.contains(": good"), "{answer}");
    // Signed by the CA's delegated responder, whose certificate comes with the answer.
    assert!(
        answer.contains("CN = Paraphe LCP OCSP Responder"),
        "{answer}"
    );
    assert!(answer.contains("OCSP Signing"), "{answer}");
    assert!(answer.contains("OCSP No Check"), "{answer}");

    server
        .pki
        .revoke(&certificate, RevocationReason::KeyCompromise)
        .await
        .unwrap();
    let answer = ask_ocsp(&server, &scratch, &leaf, Level::Lcp).await;
    assert!(answer.contains("Response verify OK"), "{answer}");
    assert!(answer.contains(": revoked"), "{answer}");
    assert!(answer.contains("Reason: keyCompromise"), "{answer}");

    let again = server
        .pki
        .revoke(&certificate, RevocationReason::Superseded)
        .await;
    assert!(matches!(again, Err(PkiError::AlreadyRevoked)), "{again:?}");

    // A certificate of another PKI cannot be revoked here.
    let other = CaHierarchy::generate("http://elsewhere.invalid").unwrap();
    let key = pki::generate_key().unwrap();
    let foreign = other
        .issue_for_person(Level::Lcp, &person(), key.public())
        .unwrap();
    let refused = server
        .pki
        .revoke(&foreign, RevocationReason::KeyCompromise)
        .await;
    assert!(
        matches!(refused, Err(PkiError::UnknownCertificate)),
        "{refused:?}"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn ocsp_answers_unknown_for_a_certificate_it_never_issued(db: PgPool) {
    let server = TestServer::start_with_own_pki(db).await;
    let scratch = Scratch::new();
    // Same CA, but issued outside the registry (as a forger holding the CA key would).
    let key = tokio::task::spawn_blocking(pki::generate_key)
        .await
        .unwrap()
        .unwrap();
    let stray = server
        .pki
        .hierarchy
        .issue_for_person(Level::Lcp, &person(), key.public())
        .unwrap();
    let leaf = scratch.pem("stray.pem", &[&stray]);
    let answer = ask_ocsp(&server, &scratch, &leaf, Level::Lcp).await;
    assert!(answer.contains(": unknown"), "{answer}");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn ocsp_refuses_garbage_and_foreign_cas(db: PgPool) {
    let server = TestServer::start_with_own_pki(db).await;
    let client = reqwest::Client::new();
    let garbage = client
        .post(server.url("/pki/ocsp"))
        .header("content-type", "application/ocsp-request")
        .body(b"not der".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 200);
    // OCSPResponse { responseStatus malformedRequest (1) }
    assert_eq!(
        garbage.bytes().await.unwrap().as_ref(),
        &[0x30, 0x03, 0x0a, 0x01, 0x01]
    );

    let wrong_type = client
        .post(server.url("/pki/ocsp"))
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);

    // A certificate of another PKI: this responder is not authoritative.
    let other = CaHierarchy::generate("http://elsewhere.invalid").unwrap();
    let key = pki::generate_key().unwrap();
    let foreign = other
        .issue_for_person(Level::Lcp, &person(), key.public())
        .unwrap();
    let scratch = Scratch::new();
    let issuer = scratch.pem("foreign-issuer.pem", &[&other.lcp.certificate]);
    let leaf = scratch.pem("foreign.pem", &[&foreign]);
    let output = openssl(vec![
        "ocsp".into(),
        "-issuer".into(),
        arg(&issuer),
        "-cert".into(),
        arg(&leaf),
        "-url".into(),
        server.url("/pki/ocsp"),
        "-noverify".into(),
    ])
    .await;
    let answer = text(&output);
    assert!(answer.contains("unauthorized"), "{answer}");
}

async fn fetch_crl(server: &TestServer, scratch: &Scratch, ca: &str) -> PathBuf {
    let response = reqwest::get(server.url(&format!("/pki/{ca}.crl")))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pkix-crl");
    scratch.write(&format!("{ca}.crl"), &response.bytes().await.unwrap())
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_crl_lists_a_revoked_certificate_at_once_and_openssl_verify_rejects_it(db: PgPool) {
    let server = TestServer::start_with_own_pki(db).await;
    let scratch = Scratch::new();
    let hierarchy = &server.pki.hierarchy;
    let certificate = issue(&server, Level::Qcp).await;
    let leaf = scratch.pem("leaf.pem", &[&certificate]);
    let chain = scratch.pem(
        "chain.pem",
        &[&hierarchy.qcp.certificate, &hierarchy.root.certificate],
    );
    let root_crl = fetch_crl(&server, &scratch, "root").await;

    let verify = |crl: PathBuf| {
        let (chain, leaf, root_crl) = (arg(&chain), arg(&leaf), arg(&root_crl));
        async move {
            text(
                &openssl(vec![
                    "verify".into(),
                    "-crl_check_all".into(),
                    "-CAfile".into(),
                    chain,
                    "-CRLfile".into(),
                    arg(&crl),
                    "-CRLfile".into(),
                    root_crl,
                    leaf,
                ])
                .await,
            )
        }
    };

    let crl = fetch_crl(&server, &scratch, "qcp").await;
    let before = verify(crl.clone()).await;
    assert!(before.contains(": OK"), "{before}");
    let listed = text(
        &openssl(vec![
            "crl".into(),
            "-inform".into(),
            "DER".into(),
            "-noout".into(),
            "-text".into(),
            "-in".into(),
            arg(&crl),
        ])
        .await,
    );
    assert!(listed.contains("No Revoked Certificates"), "{listed}");

    server
        .pki
        .revoke(&certificate, RevocationReason::CessationOfOperation)
        .await
        .unwrap();
    let crl = fetch_crl(&server, &scratch, "qcp").await;
    let after = verify(crl.clone()).await;
    assert!(after.contains("certificate revoked"), "{after}");
    let listed = text(
        &openssl(vec![
            "crl".into(),
            "-inform".into(),
            "DER".into(),
            "-noout".into(),
            "-text".into(),
            "-in".into(),
            arg(&crl),
        ])
        .await,
    );
    assert!(listed.contains("Cessation Of Operation"), "{listed}");

    // Signed by the issuing CA: openssl checks the CRL's signature against it.
    let signed = text(
        &openssl(vec![
            "crl".into(),
            "-inform".into(),
            "DER".into(),
            "-noout".into(),
            "-in".into(),
            arg(&crl),
            "-CAfile".into(),
            arg(&scratch.path("chain.pem")),
        ])
        .await,
    );
    assert!(signed.contains("verify OK"), "{signed}");

    let unknown = reqwest::get(server.url("/pki/nope.crl")).await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn openssl_ts_gets_a_time_stamp_it_verifies(db: PgPool) {
    let server = TestServer::start_with_own_pki(db).await;
    let scratch = Scratch::new();
    let data = scratch.write("document.bin", b"Bilan 2026 du Cabinet Demo");
    let query = scratch.path("request.tsq");
    let made = openssl(vec![
        "ts".into(),
        "-query".into(),
        "-data".into(),
        arg(&data),
        "-sha256".into(),
        "-cert".into(),
        "-out".into(),
        arg(&query),
    ])
    .await;
    assert!(made.status.success(), "{}", text(&made));

    let client = reqwest::Client::new();
    let reply = client
        .post(server.url("/pki/tsa"))
        .header("content-type", "application/timestamp-query")
        .body(std::fs::read(&query).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.headers()["content-type"],
        "application/timestamp-reply"
    );
    let reply = scratch.write("reply.tsr", &reply.bytes().await.unwrap());

    let shown = text(
        &openssl(vec![
            "ts".into(),
            "-reply".into(),
            "-in".into(),
            arg(&reply),
            "-text".into(),
        ])
        .await,
    );
    assert!(shown.contains("Status: Granted."), "{shown}");
    assert!(
        shown.contains("Policy OID: 1.3.6.1.4.1.99999.2.1"),
        "{shown}"
    );

    let root = scratch.pem("root.pem", &[&server.pki.hierarchy.root.certificate]);
    let verified = text(
        &openssl(vec![
            "ts".into(),
            "-verify".into(),
            "-data".into(),
            arg(&data),
            "-in".into(),
            arg(&reply),
            "-CAfile".into(),
            arg(&root),
        ])
        .await,
    );
    assert!(verified.contains("Verification: OK"), "{verified}");

    // Other data: the stamp does not match.
    let other = scratch.write("other.bin", b"Bilan 2026 modifie");
    let refused = text(
        &openssl(vec![
            "ts".into(),
            "-verify".into(),
            "-data".into(),
            arg(&other),
            "-in".into(),
            arg(&reply),
            "-CAfile".into(),
            arg(&root),
        ])
        .await,
    );
    assert!(refused.contains("Verification: FAILED"), "{refused}");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_bad_time_stamp_request_is_rejected_with_a_reason(db: PgPool) {
    let server = TestServer::start_with_own_pki(db).await;
    let client = reqwest::Client::new();
    let reply = client
        .post(server.url("/pki/tsa"))
        .header("content-type", "application/timestamp-query")
        .body(b"garbage".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let scratch = Scratch::new();
    let reply = scratch.write("rejected.tsr", &reply.bytes().await.unwrap());
    let shown = text(
        &openssl(vec![
            "ts".into(),
            "-reply".into(),
            "-in".into(),
            arg(&reply),
            "-text".into(),
        ])
        .await,
    );
    assert!(shown.contains("Status: Rejected"), "{shown}");
    assert!(shown.contains("malformed TimeStampReq"), "{shown}");

    let wrong_type = client
        .post(server.url("/pki/tsa"))
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_hierarchy_survives_a_restart_and_needs_its_key_encryption_key(db: PgPool) {
    let (kek, _) = KeyEncryptionKey::generate();
    let generated = std::sync::atomic::AtomicUsize::new(0);
    let generate = || {
        generated.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        CaHierarchy::generate("http://paraphe.test")
    };
    let first = pki::store::load_or_create(&db, &kek, "http://paraphe.test", None, generate)
        .await
        .unwrap();
    let second = pki::store::load_or_create(&db, &kek, "http://paraphe.test", None, generate)
        .await
        .unwrap();
    assert_eq!(
        generated.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "created once"
    );
    assert_eq!(first.root.certificate, second.root.certificate);
    assert_eq!(first.tsa.certificate, second.tsa.certificate);

    // No private key in clear in the database: the stored bytes are not the PKCS#8 DER.
    let stored: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT key_sealed FROM pki_authorities")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 6);
    // rsaEncryption's OID, present in every PKCS#8 RSA key.
    let rsa_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    for (sealed,) in &stored {
        use rsa::pkcs8::DecodePrivateKey;
        assert!(rsa::RsaPrivateKey::from_pkcs8_der(sealed).is_err());
        assert!(!sealed.windows(rsa_oid.len()).any(|w| w == rsa_oid));
    }

    let (wrong, _) = KeyEncryptionKey::generate();
    let refused =
        pki::store::load_or_create(&db, &wrong, "http://paraphe.test", None, generate).await;
    assert!(
        matches!(refused, Err(PkiError::Keys(_))),
        "a wrong KEK must not open the CA keys"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_instance_made_before_the_one_time_ca_gets_one_from_its_root_on_the_next_start(
    db: PgPool,
) {
    let (kek, _) = KeyEncryptionKey::generate();
    let first = pki::store::load_or_create(&db, &kek, "http://paraphe.test", None, || {
        CaHierarchy::generate("http://paraphe.test")
    })
    .await
    .unwrap();
    // As the instance was before: no one-time CA in the database.
    sqlx::query("DELETE FROM pki_authorities WHERE name = 'onetime'")
        .execute(&db)
        .await
        .unwrap();
    let serial = first
        .onetime
        .certificate
        .tbs_certificate
        .serial_number
        .as_bytes()
        .to_vec();
    sqlx::query("DELETE FROM pki_certificates WHERE issuer = 'root' AND serial = $1")
        .bind(&serial)
        .execute(&db)
        .await
        .unwrap();

    let upgraded = pki::store::load_or_create(&db, &kek, "http://paraphe.test", None, || {
        panic!("the hierarchy exists")
    })
    .await
    .unwrap();
    assert_eq!(
        upgraded.root.certificate, first.root.certificate,
        "same root"
    );
    assert_eq!(
        upgraded.lcp.certificate, first.lcp.certificate,
        "same LCP CA"
    );
    assert_ne!(
        upgraded.onetime.certificate, first.onetime.certificate,
        "a new one-time CA"
    );
    assert!(upgraded
        .onetime
        .certificate
        .tbs_certificate
        .subject
        .to_string()
        .contains("One-Time Signer CA"));
    assert_eq!(
        upgraded.onetime.certificate.tbs_certificate.issuer,
        upgraded.root.certificate.tbs_certificate.subject
    );
    // The root's registry knows it (OCSP, CRL), and the next start finds it.
    let (known,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pki_certificates WHERE issuer = 'root' AND serial = $1",
    )
    .bind(
        upgraded
            .onetime
            .certificate
            .tbs_certificate
            .serial_number
            .as_bytes(),
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(known, 1);
    let again = pki::store::load_or_create(&db, &kek, "http://paraphe.test", None, || {
        panic!("the hierarchy exists")
    })
    .await
    .unwrap();
    assert_eq!(again.onetime.certificate, upgraded.onetime.certificate);

    // Its certificates carry the one-time policy, and a chain to the root.
    let key = paraphe_server::pki::generate_key().unwrap();
    let certificate = again
        .issue_for_person(Level::OneTime, &person(), key.public())
        .unwrap();
    let chain = again.chain_above_certificate(&certificate).unwrap();
    assert_eq!(
        chain,
        [
            again.onetime.certificate.clone(),
            again.root.certificate.clone()
        ]
    );
    let policies = certificate
        .tbs_certificate
        .get::<x509_cert::ext::pkix::certpolicy::CertificatePolicies>()
        .unwrap()
        .unwrap()
        .1;
    assert_eq!(
        policies.0[0].policy_identifier.to_string(),
        "1.3.6.1.4.1.99999.1.4"
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn one_address_flooding_the_time_stamping_unit_is_told_to_wait_and_others_are_still_served(
    db: PgPool,
) {
    let server = TestServer::start_with_own_pki(db).await;
    let flooder = reqwest::Client::builder()
        .local_address(Some("127.0.0.1".parse().unwrap()))
        .build()
        .unwrap();
    let ask = |client: reqwest::Client| {
        let url = server.url("/pki/tsa");
        async move {
            client
                .post(url)
                .header("content-type", "application/timestamp-query")
                .body(b"garbage".to_vec())
                .send()
                .await
                .unwrap()
        }
    };
    let answers = futures_util::future::join_all((0..150).map(|_| ask(flooder.clone()))).await;
    let served = answers.iter().filter(|a| a.status() == 200).count();
    let refused: Vec<_> = answers.iter().filter(|a| a.status() == 429).collect();
    assert!(served >= 60, "the burst is served: {served}");
    assert!(
        !refused.is_empty(),
        "150 at once from one address: some must wait ({served} served)"
    );
    let retry_after: u64 = refused[0].headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry_after), "{retry_after}");

    // Another address has its own budget.
    let neighbour = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    assert_eq!(ask(neighbour).await.status(), 200);
}
