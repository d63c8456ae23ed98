//! Enrolment and personal certificates through the API: profile, identity document read
//! by the real tesseract, subscription agreement signed with an SMS code, operator
//! approval, the LCP certificate issued; then signing a collection with it, and
//! revoking it (CRL at once, signing refused).

use std::time::Duration;

use crate::common::identity_documents::{card_mrz, front, render};
use crate::common::{
    error_code_of, firm, sample_pdf, sms_code, token_in, user, Client, SmtpSink, TestServer,
    PASSWORD,
};
use der::Decode;
use paraphe_server::ids::{CabinetId, UserId};
use serde_json::{json, Value};
use sha2::Digest as _;
use sqlx::PgPool;
use uuid::Uuid;

const ENROLMENT: &str = "{ myEnrolment { step agreementSignedAt verification { id status } certificate { id level status serial subject } } }";
const CONFIRM_PROFILE: &str = "mutation($i: ProfileInput!) { confirmProfile(input: $i) { step } }";
const ACCEPT_AGREEMENT: &str = "mutation { acceptAgreement { expiresAt mobileHint } }";
const SIGN_AGREEMENT: &str = "mutation($c: String!) { signAgreement(code: $c) { step } }";
const REVOKE: &str = "mutation($id: UUID!, $r: RevocationReasonInput!) { revokeMyCertificate(id: $id, reason: $r) { status revokedAt revocationReason } }";

const CREATE: &str = "mutation($c: UUID!) { createCollection(cabinetId: $c, title: \"Statuts\", message: \"\", mode: SEQUENTIAL) { id } }";
const ADD_DOCUMENT: &str =
    "mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }";
const ADD_SIGNER: &str = "mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id level } }";
const LAUNCH: &str = "mutation($id: UUID!) { launchCollection(id: $id) { status } }";
const ACCEPT: &str = "mutation($t: String!) { acceptDocuments(token: $t) { accepted } }";
const REQUEST_CODE: &str = "mutation($t: String!) { requestSigningCode(token: $t) { mobileHint } }";
const SIGN: &str =
    "mutation($t: String!, $c: String!) { sign(token: $t, code: $c) { signerStatus status } }";

const MOBILE: &str = "+33611112222";

fn other_than(code: &str) -> &'static str {
    if code == "000000" {
        "111111"
    } else {
        "000000"
    }
}

async fn step(client: &mut Client) -> Value {
    client.data(ENROLMENT, json!({})).await["myEnrolment"].clone()
}

/// A launched collection signed by the preparer themself at `level`; returns the link token.
async fn collection_signed_by_me(
    server: &TestServer,
    smtp: &SmtpSink,
    preparer: &mut Client,
    cabinet: Uuid,
    email: &str,
    level: i32,
) -> String {
    let id = preparer.data(CREATE, json!({ "c": cabinet })).await["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uploaded = preparer
        .upload(
            ADD_DOCUMENT,
            json!({ "id": id, "file": null }),
            "statuts.pdf",
            sample_pdf(),
        )
        .await;
    assert!(uploaded.get("errors").is_none(), "{uploaded}");
    let before = smtp
        .messages()
        .iter()
        .filter(|m| m.to == email && m.subject.contains("vous invite"))
        .count();
    preparer
        .data(
            ADD_SIGNER,
            json!({ "id": id, "s": { "me": true, "level": level } }),
        )
        .await;
    assert_eq!(
        preparer.data(LAUNCH, json!({ "id": id })).await["launchCollection"]["status"],
        "ACTIVE"
    );
    for _ in 0..200 {
        let invitations: Vec<_> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.to == email && m.subject.contains("vous invite"))
            .collect();
        if invitations.len() > before {
            return invitations[before].signer_token();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server;
    panic!("no invitation for {email}");
}

async fn checked(client: &mut Client, id: &str) -> String {
    for _ in 0..150 {
        let data = client
            .data(
                "query($id: UUID!) { identityVerification(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await;
        let status = data["identityVerification"]["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if status != "CHECKING" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the automatic checks never finished");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_accountant_enrols_signs_with_the_lcp_certificate_and_revokes_it(db: PgPool) {
    let smtp = SmtpSink::start();
    let server = TestServer::start_with_smtp(db.clone(), &smtp).await;
    let firm = firm(&db, "enr", true).await;
    paraphe_server::billing::credit(&db, CabinetId::from_uuid(firm.cabinet), 1000, "test", None)
        .await
        .unwrap();
    let mut claire = server.login(&firm.accountant_email, PASSWORD).await;

    // 1. The profile: the mobile is mandatory.
    assert_eq!(step(&mut claire).await["step"], "PROFILE");
    let profile = |mobile: &str| json!({ "i": { "firstName": "Claire", "lastName": "Expertenr", "mobile": mobile } });
    assert_eq!(
        claire.error_code(CONFIRM_PROFILE, profile("")).await,
        "VALIDATION"
    );
    assert_eq!(
        claire.error_code(CONFIRM_PROFILE, profile("06 12")).await,
        "VALIDATION"
    );
    assert_eq!(
        claire.error_code(ACCEPT_AGREEMENT, json!({})).await,
        "INVALID_STATE"
    );
    assert_eq!(
        claire.data(CONFIRM_PROFILE, profile(MOBILE)).await["confirmProfile"]["step"],
        "IDENTITY"
    );

    // Not enrolled yet: her own signature is refused.
    let token = collection_signed_by_me(
        &server,
        &smtp,
        &mut claire,
        firm.cabinet,
        &firm.accountant_email,
        1,
    )
    .await;
    let mut link = server.client();
    link.data(ACCEPT, json!({ "t": token })).await;
    assert_eq!(
        link.error_code(REQUEST_CODE, json!({ "t": token })).await,
        "ENROLMENT_REQUIRED"
    );

    // 2. The identity document.
    let start = "mutation($i: StartIdentityVerificationInput!) { startIdentityVerification(input: $i) { id } }";
    let declared = json!({ "i": { "documentType": "IDENTITY_CARD", "firstName": "Claire", "lastName": "Expertenr", "birthDate": "1990-05-15" } });
    let verification = claire.data(start, declared).await["startIdentityVerification"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let upload = "mutation($id: UUID!, $side: ImageSide!, $file: Upload!) { uploadIdentityImage(verificationId: $id, side: $side, file: $file) { id } }";
    let back = render(
        "REPUBLIQUE FRANCAISE",
        &card_mrz("X4RTBPFW4", "900515", "310101", "EXPERTENR<<CLAIRE"),
        "png",
    );
    for (side, bytes) in [("FRONT", front()), ("BACK", back)] {
        let response = claire
            .upload(
                upload,
                json!({ "id": verification, "side": side, "file": null }),
                "piece.png",
                bytes,
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
    }
    claire
        .data(
            "mutation($id: UUID!) { submitIdentityVerification(verificationId: $id) { status } }",
            json!({ "id": verification }),
        )
        .await;
    assert_eq!(
        step(&mut claire).await["step"],
        "AGREEMENT",
        "the agreement is signed while the document is checked"
    );

    // 3. The agreement, signed with the SMS code.
    let unsigned = reqwest::Client::new()
        .get(server.url("/api/enrolment/agreement.pdf"))
        .header("cookie", claire.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.headers()["content-type"], "application/pdf");
    let sent = claire.data(ACCEPT_AGREEMENT, json!({})).await;
    assert_eq!(sent["acceptAgreement"]["mobileHint"], "+336•••••22");
    let code = sms_code(&db, MOBILE).await;
    assert_eq!(
        claire
            .error_code(SIGN_AGREEMENT, json!({ "c": other_than(&code) }))
            .await,
        "OTP_INVALID"
    );
    assert_eq!(
        claire.data(SIGN_AGREEMENT, json!({ "c": code })).await["signAgreement"]["step"],
        "IN_PROGRESS"
    );
    assert_eq!(
        claire
            .error_code(SIGN_AGREEMENT, json!({ "c": code }))
            .await,
        "INVALID_STATE",
        "signed once"
    );
    smtp.wait_for(&firm.accountant_email, "en cours de traitement")
        .await;
    let agreement = reqwest::Client::new()
        .get(server.url("/api/enrolment/agreement.pdf"))
        .header("cookie", claire.cookie.clone().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let report = paraphe_server::signing::validate(
        &agreement,
        std::slice::from_ref(&server.pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert!(report.all_valid(), "{report:?}");
    assert!(
        report.signatures[0]
            .signer
            .as_deref()
            .unwrap_or_default()
            .contains("CN=Claire EXPERTENR"),
        "{report:?}"
    );
    assert!(report.signatures[0].time_stamp.is_some(), "B-T at least");
    // Nobody has checked her name yet: the agreement's certificate is a one-time one, from
    // its own CA under its own policy, never an LCP certificate.
    assert_eq!(
        report.signatures[0].certificate_policies,
        ["1.3.6.1.4.1.99999.1.4"],
        "{report:?}"
    );
    let issuer = report.signatures[0]
        .signer_certificate
        .as_ref()
        .unwrap()
        .tbs_certificate
        .issuer
        .to_string();
    assert!(issuer.contains("One-Time Signer CA"), "{issuer}");

    // 4. The operator approves; Claire confirms the extracted data; the certificate is issued.
    assert_eq!(checked(&mut claire, &verification).await, "IN_REVIEW");
    let operator = user(&db, "olga@paraphe.fr", "Olga", "Operatrice").await;
    sqlx::query("UPDATE users SET is_operator = true WHERE id = $1")
        .bind(operator)
        .execute(&db)
        .await
        .unwrap();
    let mut olga = server.login("olga@paraphe.fr", PASSWORD).await;
    olga.data(
        "mutation($id: UUID!) { approveIdentityVerification(id: $id) { status } }",
        json!({ "id": verification }),
    )
    .await;
    assert_eq!(
        step(&mut claire).await["step"],
        "IN_PROGRESS",
        "waiting for Claire's confirmation"
    );
    claire
        .data(
            "mutation($id: UUID!) { confirmIdentityData(id: $id, correct: true) { status } }",
            json!({ "id": verification }),
        )
        .await;
    let enrolment = step(&mut claire).await;
    assert_eq!(enrolment["step"], "COMPLETED", "{enrolment}");
    assert_eq!(enrolment["certificate"]["level"], "LCP");
    assert_eq!(enrolment["certificate"]["status"], "VALID");
    assert!(
        enrolment["certificate"]["subject"]
            .as_str()
            .unwrap()
            .contains("Claire EXPERTENR"),
        "{enrolment}"
    );
    smtp.wait_for(&firm.accountant_email, "Félicitations").await;
    assert_eq!(
        claire.error_code(CONFIRM_PROFILE, profile(MOBILE)).await,
        "INVALID_STATE",
        "the name is certified now"
    );

    // "Ma signature personnelle": listed, downloadable by its holder only.
    let certificates = claire
        .data(
            "{ myCertificates { id level status serial notBefore notAfter issuer downloadUrl } }",
            json!({}),
        )
        .await["myCertificates"]
        .clone();
    assert_eq!(certificates.as_array().unwrap().len(), 1);
    let certificate_id = certificates[0]["id"].as_str().unwrap().to_owned();
    assert!(
        certificates[0]["issuer"].as_str().unwrap().contains("LCP"),
        "{certificates}"
    );
    let download_url = server.url(certificates[0]["downloadUrl"].as_str().unwrap());
    let pem = reqwest::Client::new()
        .get(&download_url)
        .header("cookie", claire.cookie.clone().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let stranger = server.login(&firm.collaborator_email, PASSWORD).await;
    let refused = reqwest::Client::new()
        .get(&download_url)
        .header("cookie", stranger.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);

    // Her signature now uses her own certificate.
    assert!(
        link.data(REQUEST_CODE, json!({ "t": token })).await["requestSigningCode"]["mobileHint"]
            .is_string()
    );
    let signed = link
        .data(
            SIGN,
            json!({ "t": token, "c": sms_code(&db, MOBILE).await }),
        )
        .await;
    assert_eq!(signed["sign"]["status"], "COMPLETED");
    let (pdf,): (Vec<u8>,) = sqlx::query_as("SELECT d.content FROM collection_documents d JOIN signers s ON s.collection_id = d.collection_id WHERE s.user_id = $1 AND s.status = 'signed'")
        .bind(firm.accountant)
        .fetch_one(&db)
        .await
        .unwrap();
    let report = paraphe_server::signing::validate(
        &pdf,
        std::slice::from_ref(&server.pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert!(report.all_valid(), "{report:?}");
    let signer_serial = hex::encode_upper(
        report.signatures[0]
            .signer_certificate
            .as_ref()
            .unwrap()
            .tbs_certificate
            .serial_number
            .as_bytes(),
    );
    assert_eq!(signer_serial, certificates[0]["serial"].as_str().unwrap());
    let mut report = report;
    server.pki.check_revocation(&mut report).await.unwrap();
    assert_eq!(
        report.signatures[0].certificate_policies,
        ["1.3.6.1.4.1.99999.1.1"]
    );
    assert!(
        report.signatures[0]
            .certificate_kind
            .as_deref()
            .unwrap_or_default()
            .contains("identité vérifiée"),
        "{report:?}"
    );

    // Level 2 is open to her now; level 3 needs a qualified certificate.
    let id = claire.data(CREATE, json!({ "c": firm.cabinet })).await["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        claire
            .error_code(
                ADD_SIGNER,
                json!({ "id": id, "s": { "me": true, "level": 3 } })
            )
            .await,
        "CERTIFICATE_REQUIRED"
    );
    let token = collection_signed_by_me(
        &server,
        &smtp,
        &mut claire,
        firm.cabinet,
        &firm.accountant_email,
        2,
    )
    .await;

    // Revoked between the code and the signature: the signature is refused.
    link.data(ACCEPT, json!({ "t": token })).await;
    link.data(REQUEST_CODE, json!({ "t": token })).await;
    let revoked = claire
        .data(
            REVOKE,
            json!({ "id": certificate_id, "r": "KEY_COMPROMISE" }),
        )
        .await["revokeMyCertificate"]
        .clone();
    assert_eq!(revoked["status"], "REVOKED");
    assert_eq!(revoked["revocationReason"], "key_compromise");
    assert_eq!(
        claire
            .error_code(
                REVOKE,
                json!({ "id": certificate_id, "r": "KEY_COMPROMISE" })
            )
            .await,
        "INVALID_STATE"
    );
    let mut bob = server.login(&firm.collaborator_email, PASSWORD).await;
    assert_eq!(
        bob.error_code(REVOKE, json!({ "id": certificate_id, "r": "UNSPECIFIED" }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        link.error_code(
            SIGN,
            json!({ "t": token, "c": sms_code(&db, MOBILE).await })
        )
        .await,
        "CERTIFICATE_REVOKED"
    );
    assert_eq!(
        link.error_code(REQUEST_CODE, json!({ "t": token })).await,
        "ENROLMENT_REQUIRED"
    );
    smtp.wait_for(&firm.accountant_email, "révoqué").await;

    // The CRL lists it at once.
    let crl = reqwest::get(server.url("/pki/lcp.crl"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let crl = x509_cert::crl::CertificateList::from_der(&crl).unwrap();
    let listed = crl
        .tbs_cert_list
        .revoked_certificates
        .unwrap_or_default()
        .iter()
        .any(|r| hex::encode_upper(r.serial_number.as_bytes()) == signer_serial);
    assert!(listed, "the revoked certificate is in the CRL");
    // Every step is in the enrolment log.
    let kinds: Vec<(String,)> =
        sqlx::query_as("SELECT kind FROM enrolment_events WHERE user_id = $1 ORDER BY id")
            .bind(firm.accountant)
            .fetch_all(&db)
            .await
            .unwrap();
    let kinds: Vec<&str> = kinds.iter().map(|(k,)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "profile_confirmed",
            "agreement_accepted",
            "agreement_code_failed",
            "agreement_signed",
            "certificate_issued",
            "certificate_revoked"
        ]
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn the_agreement_code_expires_dies_after_five_wrong_entries_and_is_rate_limited(db: PgPool) {
    let server = TestServer::start(db.clone()).await;
    let alice = user(&db, "alice@example.fr", "Alice", "Martin").await;
    let mut client = server.login("alice@example.fr", PASSWORD).await;
    client
        .data(
            CONFIRM_PROFILE,
            json!({ "i": { "firstName": "Alice", "lastName": "Martin", "mobile": MOBILE } }),
        )
        .await;
    assert_eq!(
        client.error_code(ACCEPT_AGREEMENT, json!({})).await,
        "INVALID_STATE",
        "identity first"
    );
    assert_eq!(
        client
            .error_code(SIGN_AGREEMENT, json!({ "c": "123456" }))
            .await,
        "INVALID_STATE"
    );
    // A document already with the operator is enough to go on to the agreement.
    sqlx::query(
        "INSERT INTO identity_verifications (user_id, purpose, document_type, first_name, last_name, birth_date, status, submitted_at)
         VALUES ($1, 'lcp', 'passport', 'Alice', 'Martin', '1990-05-15', 'in_review', now())",
    )
    .bind(alice)
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(step(&mut client).await["step"], "AGREEMENT");
    assert_eq!(
        client
            .error_code(SIGN_AGREEMENT, json!({ "c": "123456" }))
            .await,
        "OTP_NOT_SENT"
    );

    client.data(ACCEPT_AGREEMENT, json!({})).await;
    sqlx::query("UPDATE user_codes SET expires_at = now() - interval '1 second'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        client
            .error_code(SIGN_AGREEMENT, json!({ "c": sms_code(&db, MOBILE).await }))
            .await,
        "OTP_EXPIRED"
    );

    client.data(ACCEPT_AGREEMENT, json!({})).await;
    let code = sms_code(&db, MOBILE).await;
    for attempt in 1..=4 {
        let response = client
            .gql(SIGN_AGREEMENT, json!({ "c": other_than(&code) }))
            .await;
        assert_eq!(error_code_of(&response), "OTP_INVALID", "attempt {attempt}");
    }
    assert_eq!(
        client
            .error_code(SIGN_AGREEMENT, json!({ "c": other_than(&code) }))
            .await,
        "OTP_LOCKED"
    );
    assert_eq!(
        client
            .error_code(SIGN_AGREEMENT, json!({ "c": code }))
            .await,
        "OTP_NOT_SENT",
        "the code died with the fifth failure"
    );

    client.data(ACCEPT_AGREEMENT, json!({})).await;
    assert_eq!(
        client.error_code(ACCEPT_AGREEMENT, json!({})).await,
        "RATE_LIMITED",
        "three codes a quarter of an hour"
    );
    let (signed,): (bool,) =
        sqlx::query_as("SELECT agreement_signed_at IS NOT NULL FROM enrolments WHERE user_id = $1")
            .bind(alice)
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(!signed);
}

/// An LCP certificate issued directly, as enrolment would (the enrolment test covers the path).
async fn enrol(server: &TestServer, user_id: Uuid, first: &str, last: &str, mobile: &str) {
    sqlx::query("UPDATE users SET mobile = $2 WHERE id = $1")
        .bind(user_id)
        .bind(mobile)
        .execute(&server.db)
        .await
        .unwrap();
    let mut conn = server.db.acquire().await.unwrap();
    let user_id = UserId::from_uuid(user_id);
    let person = paraphe_server::certificates::person_of(&mut conn, user_id, first, last)
        .await
        .unwrap();
    let kek = paraphe_server::config::Config::for_tests(String::new()).key_encryption_key;
    let certificate = paraphe_server::certificates::issue(
        &mut conn,
        &server.pki,
        &kek,
        user_id,
        paraphe_server::pki::Level::Lcp,
        &person,
        None,
    )
    .await
    .unwrap();
    sqlx::query("INSERT INTO enrolments (user_id, profile_confirmed_at, certificate_id, completed_at) VALUES ($1, now(), $2, now())")
        .bind(user_id)
        .bind(certificate.id)
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn latest_email_code(db: &PgPool, to: &str) -> String {
    let (body,): (String,) = sqlx::query_as("SELECT body FROM outbox WHERE channel = 'email' AND recipient = $1 ORDER BY id DESC LIMIT 1").bind(to).fetch_one(db).await.unwrap();
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("no code in the email")
        .to_owned()
}

const QCP: &str = "id step cabinetName priceCents verification { id status }";

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_qualified_certificate_is_paid_by_the_cabinet_opened_by_email_code_and_signed_by_sms(
    db: PgPool,
) {
    let server = TestServer::start(db.clone()).await;
    let firm = firm(&db, "qcp", true).await;
    let other = firm_other(&db).await;
    enrol(&server, firm.accountant, "Claire", "Expertqcp", MOBILE).await;
    let mut claire = server.login(&firm.accountant_email, PASSWORD).await;
    let start =
        format!("mutation($c: UUID!) {{ startQcpSubscription(cabinetId: $c) {{ {QCP} }} }}");

    // The credit is checked before anything else: nothing created, nothing sent.
    assert_eq!(
        claire
            .error_code(&start, json!({ "c": firm.cabinet }))
            .await,
        "INSUFFICIENT_CREDIT"
    );
    paraphe_server::billing::credit(&db, CabinetId::from_uuid(firm.cabinet), 1000, "test", None)
        .await
        .unwrap();
    assert_eq!(
        claire
            .error_code(&start, json!({ "c": firm.cabinet }))
            .await,
        "INSUFFICIENT_CREDIT",
        "10 € is not 20 €"
    );
    let (requests, emails): (i64, i64) = sqlx::query_as("SELECT (SELECT count(*) FROM qcp_requests), (SELECT count(*) FROM outbox WHERE channel = 'email')").fetch_one(&db).await.unwrap();
    assert_eq!((requests, emails), (0, 0));
    paraphe_server::billing::credit(&db, CabinetId::from_uuid(firm.cabinet), 2000, "test", None)
        .await
        .unwrap();
    assert_eq!(
        claire.error_code(&start, json!({ "c": other })).await,
        "NOT_FOUND",
        "only a cabinet of hers pays"
    );
    let mut hugo = server.login(&firm.collaborator_email, PASSWORD).await;
    // A collaborator who does not sign for the cabinet does not spend its credit (he used
    // to pass: membership was all that was checked).
    assert_eq!(
        hugo.error_code(&start, json!({ "c": firm.cabinet })).await,
        "FORBIDDEN"
    );
    sqlx::query("UPDATE memberships SET can_sign = true WHERE user_id = $1")
        .bind(firm.collaborator)
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        hugo.error_code(&start, json!({ "c": firm.cabinet })).await,
        "ENROLMENT_REQUIRED",
        "the QCP comes after the LCP"
    );

    // Access by an email code valid 3 minutes.
    let started =
        claire.data(&start, json!({ "c": firm.cabinet })).await["startQcpSubscription"].clone();
    assert_eq!(started["step"], "ACCESS");
    assert_eq!(started["priceCents"], 2000);
    let id = started["id"].as_str().unwrap().to_owned();
    let open = format!("mutation($id: UUID!, $c: String!) {{ openQcpSubscription(id: $id, code: $c) {{ {QCP} }} }}");
    let code = latest_email_code(&db, &firm.accountant_email).await;
    assert_eq!(
        claire
            .error_code(&open, json!({ "id": id, "c": other_than(&code) }))
            .await,
        "OTP_INVALID"
    );
    sqlx::query("UPDATE user_codes SET expires_at = now() - interval '1 second' WHERE purpose = 'qcp_access'").execute(&db).await.unwrap();
    assert_eq!(
        claire
            .error_code(&open, json!({ "id": id, "c": code }))
            .await,
        "OTP_EXPIRED"
    );
    claire
        .data(
            "mutation($id: UUID!) { resendQcpAccessCode(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    let code = latest_email_code(&db, &firm.accountant_email).await;
    assert_eq!(
        hugo.error_code(&open, json!({ "id": id, "c": code })).await,
        "NOT_FOUND",
        "her request only"
    );
    assert_eq!(
        claire.data(&open, json!({ "id": id, "c": code })).await["openQcpSubscription"]["step"],
        "DETAILS"
    );

    // Name and mobile as on the LCP, and both consents.
    let details = format!("mutation($id: UUID!, $i: QcpDetailsInput!) {{ confirmQcpDetails(id: $id, input: $i) {{ {QCP} }} }}");
    let input = |mobile: &str, consent: bool| json!({ "firstName": "claire", "lastName": "EXPERTQCP", "mobile": mobile, "acceptTerms": true, "acceptPrivacyPolicy": consent });
    assert_eq!(
        claire
            .error_code(
                &details,
                json!({ "id": id, "i": input("+33699999999", true) })
            )
            .await,
        "VALIDATION"
    );
    assert_eq!(
        claire
            .error_code(&details, json!({ "id": id, "i": input(MOBILE, false) }))
            .await,
        "VALIDATION"
    );
    assert_eq!(
        claire
            .data(&details, json!({ "id": id, "i": input(MOBILE, true) }))
            .await["confirmQcpDetails"]["step"],
        "IDENTITY"
    );
    let request_code = "mutation($id: UUID!) { requestQcpSigningCode(id: $id) { mobileHint } }";
    assert_eq!(
        claire.error_code(request_code, json!({ "id": id })).await,
        "INVALID_STATE",
        "identity first"
    );

    // Identity again, for the qualified certificate (approved here by hand; the identity tests cover the checks).
    let (verification,): (Uuid,) = sqlx::query_as(
        "INSERT INTO identity_verifications (user_id, purpose, document_type, first_name, last_name, birth_date, status, submitted_at, decided_at)
         VALUES ($1, 'qcp', 'passport', 'Claire', 'Expertqcp', '1990-05-15', 'approved', now(), now()) RETURNING id",
    )
    .bind(firm.accountant)
    .fetch_one(&db)
    .await
    .unwrap();
    let mine = format!("{{ myQcpSubscription {{ {QCP} }} }}");
    assert_eq!(
        claire.data(&mine, json!({})).await["myQcpSubscription"]["step"],
        "CONFIRM_DATA"
    );
    claire
        .data(
            "mutation($id: UUID!) { confirmIdentityData(id: $id, correct: true) { status } }",
            json!({ "id": verification }),
        )
        .await;
    assert_eq!(
        claire.data(&mine, json!({})).await["myQcpSubscription"]["step"],
        "SIGN"
    );

    // The request signed with an SMS code valid 3 minutes: 20 € debited, QCP issued.
    let sign = format!(
        "mutation($id: UUID!, $c: String!) {{ signQcpRequest(id: $id, code: $c) {{ {QCP} }} }}"
    );
    claire.data(request_code, json!({ "id": id })).await;
    sqlx::query("UPDATE user_codes SET expires_at = now() - interval '1 second' WHERE purpose = 'qcp_request'").execute(&db).await.unwrap();
    assert_eq!(
        claire
            .error_code(&sign, json!({ "id": id, "c": sms_code(&db, MOBILE).await }))
            .await,
        "OTP_EXPIRED"
    );
    claire.data(request_code, json!({ "id": id })).await;
    let code = sms_code(&db, MOBILE).await;
    assert_eq!(
        claire
            .error_code(&sign, json!({ "id": id, "c": other_than(&code) }))
            .await,
        "OTP_INVALID"
    );
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(
        paraphe_server::billing::balance(&mut conn, CabinetId::from_uuid(firm.cabinet))
            .await
            .unwrap(),
        3000,
        "nothing debited before the signature"
    );
    assert_eq!(
        claire.data(&sign, json!({ "id": id, "c": code })).await["signQcpRequest"]["step"],
        "ISSUED"
    );
    assert_eq!(
        paraphe_server::billing::balance(&mut conn, CabinetId::from_uuid(firm.cabinet))
            .await
            .unwrap(),
        1000
    );
    let certificates = claire
        .data("{ myCertificates { level status } }", json!({}))
        .await["myCertificates"]
        .clone();
    assert_eq!(
        certificates,
        json!([{ "level": "QCP", "status": "VALID" }, { "level": "LCP", "status": "VALID" }])
    );
    let (pdf, body): (Vec<u8>, String) = sqlx::query_as(
        "SELECT q.request_pdf, (SELECT body FROM outbox WHERE channel = 'email' ORDER BY id DESC LIMIT 1) FROM qcp_requests q WHERE q.id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(body.contains("CLAIRE EXPERTQCP a bien été émis"), "{body}");
    let report = paraphe_server::signing::validate(
        &pdf,
        std::slice::from_ref(&server.pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert!(
        report.all_valid(),
        "the request is signed with her LCP: {report:?}"
    );

    // Level 3 is open to her now.
    let collection = claire.data(CREATE, json!({ "c": firm.cabinet })).await["createCollection"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        claire
            .data(
                ADD_SIGNER,
                json!({ "id": collection, "s": { "me": true, "level": 3 } })
            )
            .await["addSigner"]["level"],
        3
    );

    // Another cabinet cannot learn whether she holds one: level 3 is for a cabinet's own
    // members, and an outsider at level 3 is refused alike, holder or not.
    // `firm_other`'s accountant.
    let mut stranger = server.login("ec-autre@cabinet-autre.fr", PASSWORD).await;
    let theirs = stranger.data(CREATE, json!({ "c": other })).await["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let asked = |email: &str| json!({ "id": theirs, "s": { "firstName": "Claire", "lastName": "Expertqcp", "email": email, "mobile": "+33611111111", "level": 3 } });
    let holder = stranger
        .gql(ADD_SIGNER, asked(&firm.accountant_email))
        .await;
    let nobody = stranger
        .gql(ADD_SIGNER, asked("personne@ailleurs.fr"))
        .await;
    assert_eq!(
        crate::common::error_code_of(&holder),
        "CERTIFICATE_REQUIRED",
        "{holder}"
    );
    assert_eq!(
        holder["errors"][0]["message"], nobody["errors"][0]["message"],
        "the same answer for a holder and for anyone"
    );
}

async fn firm_other(db: &PgPool) -> Uuid {
    firm(db, "autre", true).await.cabinet
}

/// The whole enrolment through the API, as the wizard drives it: profile, a card read by
/// tesseract, the agreement signed by SMS code, an operator's approval, the data confirmed.
async fn enrol_through_the_wizard(
    server: &TestServer,
    client: &mut Client,
    first: &str,
    last: &str,
    mobile: &str,
    mrz_names: &str,
) {
    client
        .data(
            CONFIRM_PROFILE,
            json!({ "i": { "firstName": first, "lastName": last, "mobile": mobile } }),
        )
        .await;
    let start = "mutation($i: StartIdentityVerificationInput!) { startIdentityVerification(input: $i) { id } }";
    let declared = json!({ "i": { "documentType": "IDENTITY_CARD", "firstName": first, "lastName": last, "birthDate": "1990-05-15" } });
    let verification = client.data(start, declared).await["startIdentityVerification"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let upload = "mutation($id: UUID!, $side: ImageSide!, $file: Upload!) { uploadIdentityImage(verificationId: $id, side: $side, file: $file) { id } }";
    let back = render(
        "REPUBLIQUE FRANCAISE",
        &card_mrz("X4RTBPFW4", "900515", "310101", mrz_names),
        "png",
    );
    for (side, bytes) in [("FRONT", front()), ("BACK", back)] {
        let response = client
            .upload(
                upload,
                json!({ "id": verification, "side": side, "file": null }),
                "piece.png",
                bytes,
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
    }
    client
        .data(
            "mutation($id: UUID!) { submitIdentityVerification(verificationId: $id) { status } }",
            json!({ "id": verification }),
        )
        .await;
    client.data(ACCEPT_AGREEMENT, json!({})).await;
    client
        .data(
            SIGN_AGREEMENT,
            json!({ "c": sms_code(&server.db, mobile).await }),
        )
        .await;
    assert_eq!(checked(client, &verification).await, "IN_REVIEW");
    let operator_email = format!("operateur-{}@paraphe.fr", Uuid::new_v4().simple());
    let operator = user(&server.db, &operator_email, "Olga", "Operatrice").await;
    sqlx::query("UPDATE users SET is_operator = true WHERE id = $1")
        .bind(operator)
        .execute(&server.db)
        .await
        .unwrap();
    server
        .login(&operator_email, PASSWORD)
        .await
        .data(
            "mutation($id: UUID!) { approveIdentityVerification(id: $id) { status } }",
            json!({ "id": verification }),
        )
        .await;
    client
        .data(
            "mutation($id: UUID!) { confirmIdentityData(id: $id, correct: true) { status } }",
            json!({ "id": verification }),
        )
        .await;
    assert_eq!(step(client).await["step"], "COMPLETED");
}

const SESSION: &str =
    "query($t: String!) { signingSession(token: $t) { certificateRequired signerStatus status } }";
const BEGIN: &str = "mutation($t: String!) { beginCertificateCreation(token: $t) }";

async fn outside_signer_collection(
    server: &TestServer,
    smtp: &SmtpSink,
    preparer: &mut Client,
    cabinet: Uuid,
    email: &str,
    mobile: &str,
) -> String {
    let id = preparer.data(CREATE, json!({ "c": cabinet })).await["createCollection"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    preparer
        .upload(
            ADD_DOCUMENT,
            json!({ "id": id, "file": null }),
            "statuts.pdf",
            sample_pdf(),
        )
        .await;
    let before = smtp.messages().iter().filter(|m| m.to == email).count();
    let nina = json!({ "firstName": "Nina", "lastName": "Roux", "email": email, "mobile": mobile, "level": 2 });
    assert_eq!(
        preparer
            .data(ADD_SIGNER, json!({ "id": id, "s": nina }))
            .await["addSigner"]["level"],
        2,
        "level 2 for someone without a certificate yet"
    );
    preparer.data(LAUNCH, json!({ "id": id })).await;
    for _ in 0..200 {
        let mails: Vec<_> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.to == email)
            .collect();
        if mails.len() > before {
            let _ = server;
            return mails[before].body.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no invitation");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn an_outside_signer_asked_for_level_2_creates_a_certificate_from_the_link_and_reuses_it(
    db: PgPool,
) {
    let smtp = SmtpSink::start();
    let server = TestServer::start_with_smtp(db.clone(), &smtp).await;
    let firm = firm(&db, "ext", true).await;
    paraphe_server::billing::credit(&db, CabinetId::from_uuid(firm.cabinet), 1000, "test", None)
        .await
        .unwrap();
    let mut preparer = server.login(&firm.accountant_email, PASSWORD).await;

    // The invitation says a certificate comes first; the link leads to its creation.
    let invitation = outside_signer_collection(
        &server,
        &smtp,
        &mut preparer,
        firm.cabinet,
        "nina@client.fr",
        "+33677777777",
    )
    .await;
    assert!(
        invitation.contains("certificat électronique à votre nom"),
        "{invitation}"
    );
    let token = token_in(&invitation);
    let mut nina = server.client();
    assert_eq!(
        nina.data(SESSION, json!({ "t": token })).await["signingSession"]["certificateRequired"],
        true
    );
    nina.data(ACCEPT, json!({ "t": token })).await;
    assert_eq!(
        nina.error_code(REQUEST_CODE, json!({ "t": token })).await,
        "CERTIFICATE_REQUIRED"
    );
    assert_eq!(
        nina.error_code(BEGIN, json!({ "t": "forged" })).await,
        "LINK_INVALID"
    );
    assert_eq!(
        nina.data(BEGIN, json!({ "t": token })).await["beginCertificateCreation"],
        true
    );
    assert!(
        nina.cookie.is_some(),
        "the link opens a session for the certificate account"
    );
    let profile = nina
        .data(
            "{ me { user { email firstName lastName mobile } memberships { cabinetId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        profile["me"]["user"],
        json!({ "email": "nina@client.fr", "firstName": "Nina", "lastName": "Roux", "mobile": "+33677777777" })
    );
    assert_eq!(
        profile["me"]["memberships"],
        json!([]),
        "an account of no cabinet"
    );
    enrol_through_the_wizard(
        &server,
        &mut nina,
        "Nina",
        "Roux",
        "+33677777777",
        "ROUX<<NINA",
    )
    .await;
    // Two informational emails on the way.
    smtp.wait_for("nina@client.fr", "en cours de traitement")
        .await;
    smtp.wait_for("nina@client.fr", "Félicitations").await;

    // Then the normal signing flow, with her certificate.
    assert_eq!(
        nina.data(SESSION, json!({ "t": token })).await["signingSession"]["certificateRequired"],
        false
    );
    nina.data(REQUEST_CODE, json!({ "t": token })).await;
    let signed = nina
        .data(
            SIGN,
            json!({ "t": token, "c": sms_code(&db, "+33677777777").await }),
        )
        .await;
    assert_eq!(signed["sign"]["status"], "COMPLETED");
    let serial = nina.data("{ myCertificates { serial } }", json!({})).await["myCertificates"][0]
        ["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    let (pdf,): (Vec<u8>,) = sqlx::query_as("SELECT d.content FROM collection_documents d JOIN signers s ON s.collection_id = d.collection_id WHERE s.email = 'nina@client.fr'")
        .fetch_one(&db)
        .await
        .unwrap();
    let report = paraphe_server::signing::validate(
        &pdf,
        std::slice::from_ref(&server.pki.hierarchy.root.certificate),
    )
    .unwrap();
    assert!(report.all_valid(), "{report:?}");
    assert_eq!(
        hex::encode_upper(
            report.signatures[0]
                .signer_certificate
                .as_ref()
                .unwrap()
                .tbs_certificate
                .serial_number
                .as_bytes()
        ),
        serial
    );

    // Another cabinet asks her later: the certificate is reused, nothing to create.
    let other = firm_with_credit(&db, "ext2").await;
    let mut other_preparer = server.login(&other.accountant_email, PASSWORD).await;
    // It typed another mobile: the code that unlocks her certificate still goes to the one
    // she enrolled (sole control), never to whoever the preparer named.
    let invitation = outside_signer_collection(
        &server,
        &smtp,
        &mut other_preparer,
        other.cabinet,
        "nina@client.fr",
        "+33688888888",
    )
    .await;
    assert!(!invitation.contains("certificat électronique à votre nom"));
    let token = token_in(&invitation);
    let mut link = server.client();
    assert_eq!(
        link.data(SESSION, json!({ "t": token })).await["signingSession"]["certificateRequired"],
        false
    );
    assert_eq!(
        link.error_code(BEGIN, json!({ "t": token })).await,
        "INVALID_STATE"
    );
    link.data(ACCEPT, json!({ "t": token })).await;
    let sent = link.data(REQUEST_CODE, json!({ "t": token })).await;
    assert!(
        sent.to_string().contains("+336•••••77"),
        "the hint shows the enrolled mobile: {sent}"
    );
    let (typed,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM outbox WHERE channel = 'sms' AND recipient = '+33688888888'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(typed, 0, "no code to the mobile the preparer typed");
    let code = sms_code(&db, "+33677777777").await;
    // What the database keeps is a keyed MAC: the code cannot be found again by trying the
    // million codes against a plain hash.
    let (signer_id, stored): (Uuid, Vec<u8>) = sqlx::query_as(
        "SELECT c.signer_id, c.code_hash FROM signing_codes c WHERE c.closed_at IS NULL ORDER BY c.sent_at DESC LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let plain: Vec<u8> = sha2::Sha256::new()
        .chain_update(signer_id.as_bytes())
        .chain_update(code.as_bytes())
        .finalize()
        .to_vec();
    assert_ne!(stored, plain);
    let signed = link.data(SIGN, json!({ "t": token, "c": code })).await;
    assert_eq!(signed["sign"]["status"], "COMPLETED");

    // A link never opens an account that logs in with a password.
    let invitation = outside_signer_collection(
        &server,
        &smtp,
        &mut preparer,
        firm.cabinet,
        &other.collaborator_email,
        "+33677777777",
    )
    .await;
    assert_eq!(
        server
            .client()
            .error_code(BEGIN, json!({ "t": token_in(&invitation) }))
            .await,
        "INVALID_STATE"
    );
}

async fn firm_with_credit(db: &PgPool, tag: &str) -> crate::common::Firm {
    let firm = firm(db, tag, true).await;
    paraphe_server::billing::credit(db, CabinetId::from_uuid(firm.cabinet), 1000, "test", None)
        .await
        .unwrap();
    firm
}
