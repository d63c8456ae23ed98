//! The crate on its own, as a relying party and a service see it: what the hierarchy
//! issues, OCSP, CRLs and time-stamps read back with the `x509` crates, a PAdES signature
//! with the PKI's trust services, and a hierarchy kept in a store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use der::{Decode, Encode};
use paraphe_pades::{RawSigner, SoftwareKey};
use paraphe_pki::memory::{MemoryAuthorityStore, MemoryRegistry};
use paraphe_pki::store::load_or_create;
use paraphe_pki::{
    ocsp, remote, AuthorityName, Ca, CaHierarchy, CabinetIdentity, CertState, CertificateRegistry,
    Level, PersonIdentity, Pki, PkiError, RevocationReason,
};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha2::Sha256;
use x509_cert::ext::pkix::certpolicy::CertificatePolicies;
use x509_cert::Certificate;

const URL: &str = "http://paraphe.test/";

/// Six RSA keys take seconds: the tests share one hierarchy.
fn hierarchy() -> &'static CaHierarchy<SoftwareKey> {
    static HIERARCHY: OnceLock<CaHierarchy<SoftwareKey>> = OnceLock::new();
    HIERARCHY.get_or_init(|| CaHierarchy::generate(URL).expect("a hierarchy"))
}

fn pki() -> Pki<SoftwareKey, MemoryRegistry> {
    let hierarchy = hierarchy().clone();
    let registry = MemoryRegistry::for_hierarchy(&hierarchy);
    Pki::new(hierarchy, registry)
}

/// One key for every end entity of these tests: what matters is who certified it.
fn holder_key() -> &'static SoftwareKey {
    static KEY: OnceLock<SoftwareKey> = OnceLock::new();
    KEY.get_or_init(|| SoftwareKey::generate(2048).expect("a key"))
}

fn person(serial: &str) -> PersonIdentity {
    PersonIdentity {
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        email: "claire@client.fr".into(),
        serial_number: serial.into(),
    }
}

fn verifies(signer: &Certificate, message: &[u8], signature: &[u8]) -> bool {
    let spki = signer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .expect("spki");
    let key =
        VerifyingKey::<Sha256>::new(rsa::RsaPublicKey::from_public_key_der(&spki).expect("key"));
    Signature::try_from(signature).is_ok_and(|signature| key.verify(message, &signature).is_ok())
}

fn policy_of(certificate: &Certificate) -> String {
    let (_, policies) = certificate
        .tbs_certificate
        .get::<CertificatePolicies>()
        .expect("extensions")
        .expect("a policy");
    policies.0[0].policy_identifier.to_string()
}

#[test]
fn each_level_is_issued_by_its_ca_under_its_policy_and_chains_to_the_root() {
    let hierarchy = hierarchy();
    let key = holder_key().public_key().expect("public key");
    for level in Level::ALL {
        let certificate = match level {
            Level::Seal => hierarchy.issue_for_cabinet(
                &CabinetIdentity {
                    name: "Cabinet Demo".into(),
                    siren: "123456782".into(),
                },
                &key,
            ),
            level => hierarchy.issue_for_person(level, &person("PARAPHE-1"), &key),
        }
        .expect("issued");
        assert_eq!(hierarchy.issuer_of(&certificate), Some(level.ca()));
        assert_eq!(policy_of(&certificate), level.policy_oid().to_string());
        let chain = hierarchy
            .chain_above_certificate(&certificate)
            .expect("ours");
        assert_eq!(chain, hierarchy.chain_above(level));
        // Each link is signed by the next.
        let issuer = &chain[0];
        assert!(verifies(
            issuer,
            &certificate.tbs_certificate.to_der().expect("tbs"),
            certificate.signature.raw_bytes()
        ));
        assert!(verifies(
            &chain[1],
            &issuer.tbs_certificate.to_der().expect("tbs"),
            issuer.signature.raw_bytes()
        ));
    }
    let foreign = paraphe_pades::testing::ThrowawayCa::new("Elsewhere").expect("another root");
    assert_eq!(hierarchy.issuer_of(foreign.root()), None);
    assert!(hierarchy
        .lcp
        .certificate
        .tbs_certificate
        .subject
        .to_string()
        .contains("CN=Paraphe LCP CA"));
    assert_eq!(hierarchy.base_url(), "http://paraphe.test");
}

#[test]
fn names_nobody_could_certify_are_refused() {
    let hierarchy = hierarchy();
    let key = holder_key().public_key().expect("public key");
    let mut nameless = person("PARAPHE-2");
    nameless.last_name = "  ".into();
    assert!(matches!(
        hierarchy.issue_for_person(Level::Lcp, &nameless, &key),
        Err(PkiError::Name(_))
    ));
    let cabinet = CabinetIdentity {
        name: "Cabinet Demo".into(),
        siren: "12345".into(),
    };
    assert!(matches!(
        hierarchy.issue_for_cabinet(&cabinet, &key),
        Err(PkiError::Name(_))
    ));
}

/// The status of the single answer in a DER OCSP response, once its signature by the
/// responder certificate it carries is checked.
fn ocsp_status(response: &[u8]) -> x509_ocsp::CertStatus {
    let response = x509_ocsp::OcspResponse::from_der(response).expect("an OCSP response");
    let bytes = response.response_bytes.expect("a successful response");
    let basic = x509_ocsp::BasicOcspResponse::from_der(bytes.response.as_bytes()).expect("basic");
    let responder = &basic.certs.as_ref().expect("the responder's certificate")[0];
    assert!(verifies(
        responder,
        &basic.tbs_response_data.to_der().expect("tbs"),
        basic.signature.raw_bytes()
    ));
    basic.tbs_response_data.responses[0].cert_status
}

async fn ask(pki: &Pki<SoftwareKey, MemoryRegistry>, request: &[u8]) -> Vec<u8> {
    match pki.ocsp_lookup(request).await {
        Ok((query, states)) => pki.ocsp_answer(&query, &states),
        Err(error_response) => error_response,
    }
}

#[tokio::test]
async fn ocsp_says_good_then_revoked_and_unknown_for_what_the_registry_never_saw() {
    let pki = pki();
    let key = holder_key().public_key().expect("public key");
    let certificate = pki
        .issue_for_person(Level::Qcp, &person("PARAPHE-3"), &key)
        .await
        .expect("issued");
    let serial = certificate.tbs_certificate.serial_number.clone();
    let request = ocsp::request(&pki.hierarchy, Ca::Qcp, &serial).expect("request");
    assert!(matches!(
        ocsp_status(&ask(&pki, &request).await),
        x509_ocsp::CertStatus::Good(_)
    ));

    pki.revoke(&certificate, RevocationReason::Superseded)
        .await
        .expect("revoked");
    match ocsp_status(&ask(&pki, &request).await) {
        x509_ocsp::CertStatus::Revoked(info) => assert_eq!(
            info.revocation_reason,
            Some(x509_cert::ext::pkix::CrlReason::Superseded)
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        pki.revoke(&certificate, RevocationReason::KeyCompromise)
            .await,
        Err(PkiError::AlreadyRevoked)
    ));

    // Signed by the CA, but never recorded (as a forger holding its key would make).
    let stray = pki
        .hierarchy
        .issue_for_person(Level::Qcp, &person("PARAPHE-4"), &key)
        .expect("issued");
    let request = ocsp::request(
        &pki.hierarchy,
        Ca::Qcp,
        &stray.tbs_certificate.serial_number,
    )
    .expect("request");
    assert!(matches!(
        ocsp_status(&ask(&pki, &request).await),
        x509_ocsp::CertStatus::Unknown(_)
    ));
}

#[tokio::test]
async fn ocsp_refuses_garbage_and_what_other_cas_issued() {
    let pki = pki();
    // OCSPResponse { responseStatus malformedRequest (1) }
    assert_eq!(ask(&pki, b"not der").await, [0x30, 0x03, 0x0a, 0x01, 0x01]);

    let elsewhere = paraphe_pades::testing::ThrowawayCa::new("Elsewhere Root").expect("root");
    let (_, chain) = elsewhere
        .signer("Claire MARTIN")
        .expect("a foreign certificate");
    let foreign = &chain[0];
    let id = x509_ocsp::CertId::from_issuer::<sha1::Sha1>(
        elsewhere.root(),
        foreign.tbs_certificate.serial_number.clone(),
    )
    .expect("CertID");
    let request = x509_ocsp::builder::OcspRequestBuilder::default()
        .with_request(x509_ocsp::Request::new(id))
        .build()
        .to_der()
        .expect("request");
    // OCSPResponse { responseStatus unauthorized (6) }: not our CA, not our answer.
    assert_eq!(ask(&pki, &request).await, [0x30, 0x03, 0x0a, 0x01, 0x06]);
    assert!(matches!(
        pki.revoke(foreign, RevocationReason::Unspecified).await,
        Err(PkiError::UnknownCertificate)
    ));
}

/// The entries of `ca`'s current CRL, once its signature by the CA is checked.
async fn crl_entries(
    pki: &Pki<SoftwareKey, MemoryRegistry>,
    ca: Ca,
) -> Vec<x509_cert::crl::RevokedCert> {
    let der = pki.crl(ca).await.expect("CRL");
    let crl = x509_cert::crl::CertificateList::from_der(&der).expect("a CRL");
    assert!(verifies(
        &pki.hierarchy.authority(ca).certificate,
        &crl.tbs_cert_list.to_der().expect("tbs"),
        crl.signature.raw_bytes()
    ));
    crl.tbs_cert_list.revoked_certificates.unwrap_or_default()
}

#[tokio::test]
async fn the_crl_lists_what_was_revoked_at_once_signed_by_its_ca() {
    let pki = pki();
    let key = holder_key().public_key().expect("public key");
    assert!(crl_entries(&pki, Ca::Seal).await.is_empty());

    let cabinet = CabinetIdentity {
        name: "Cabinet Demo".into(),
        siren: "123456782".into(),
    };
    let seal = pki.issue_for_cabinet(&cabinet, &key).await.expect("issued");
    let kept = pki.issue_for_cabinet(&cabinet, &key).await.expect("issued");
    pki.revoke(&seal, RevocationReason::CessationOfOperation)
        .await
        .expect("revoked");
    let listed = crl_entries(&pki, Ca::Seal).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].serial_number, seal.tbs_certificate.serial_number);
    assert_ne!(listed[0].serial_number, kept.tbs_certificate.serial_number);
    // Another CA's list does not carry it.
    assert!(crl_entries(&pki, Ca::Lcp).await.is_empty());
}

#[test]
fn the_time_stamping_unit_answers_a_request_and_the_token_checks_out() {
    let pki = pki();
    let digest = [7u8; 32];
    let query = remote::Query::sha256(&digest).expect("request");
    let reply = pki.time_stamp(&query.der);
    let (_token, certificates) = query.read_reply(&reply).expect("a good token");
    assert!(certificates.contains(&pki.hierarchy.tsa.certificate));

    // Another request's nonce, or garbage: refused, with the reason.
    let other = remote::Query::sha256(&digest).expect("request");
    assert!(matches!(
        other.read_reply(&reply),
        Err(remote::RemoteTsaError::Token(_))
    ));
    match query.read_reply(&pki.time_stamp(b"garbage")) {
        Err(remote::RemoteTsaError::Refused { reasons, .. }) => {
            assert_eq!(reasons, "malformed TimeStampReq")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_pades_b_lta_signature_validates_with_the_trust_services_and_outlives_a_later_revocation()
{
    use paraphe_pades::{sign_at_level, text_pdf, validate, PadesLevel, SignatureRequest};
    let pki = pki();
    let key = holder_key();
    let claire = person("PARAPHE-5");
    let certificate = pki
        .issue_for_person(Level::Lcp, &claire, &key.public_key().expect("public key"))
        .await
        .expect("issued");
    let mut chain = vec![certificate.clone()];
    chain.extend(pki.hierarchy.chain_above(Level::Lcp));
    let pdf =
        text_pdf::render("Lettre de mission", &["Bon pour accord.".to_owned()]).expect("a PDF");
    let request = SignatureRequest {
        signer_name: claire.common_name(),
        reason: None,
        location: None,
        time: chrono::Utc::now(),
        stamp: None,
    };
    let signed = sign_at_level(&pdf, &request, key, &chain, PadesLevel::BLTA, &pki)
        .await
        .expect("signed");
    let mut report = validate(
        &signed,
        std::slice::from_ref(&pki.hierarchy.root.certificate),
    )
    .expect("report");
    assert!(report.all_valid(), "{report:#?}");
    pki.check_revocation(&mut report).await.expect("checked");
    assert_eq!(report.signatures[0].revoked, Some(false));
    assert_eq!(
        report.signatures[0].certificate_kind.as_deref(),
        Some(Level::Lcp.description_fr())
    );

    // Revoked after the time-stamp proved the signature existed: it still counts.
    pki.revoke(&certificate, RevocationReason::KeyCompromise)
        .await
        .expect("revoked");
    pki.check_revocation(&mut report).await.expect("checked");
    assert_eq!(report.signatures[0].revoked, Some(false), "{report:#?}");
    assert!(report.all_valid(), "{report:#?}");
}

fn no_new_key(name: AuthorityName) -> Result<SoftwareKey, PkiError> {
    panic!("no key should be made for {name}")
}

#[tokio::test]
async fn a_stored_hierarchy_is_made_once_then_found_and_its_authorities_are_registered() {
    let registry = MemoryRegistry::new();
    let store = MemoryAuthorityStore::new(registry.clone());
    let made = AtomicUsize::new(0);
    let generate = || {
        made.fetch_add(1, Ordering::SeqCst);
        Ok(hierarchy().clone())
    };
    let first = load_or_create(store.clone(), URL, no_new_key, generate)
        .await
        .expect("created");
    let again = load_or_create(store.clone(), URL, no_new_key, generate)
        .await
        .expect("found");
    assert_eq!(made.load(Ordering::SeqCst), 1, "created once");
    assert_eq!(first.root.certificate, again.root.certificate);
    assert_eq!(store.names(), AuthorityName::ALL);

    // OCSP and the root's CRL know the root's children.
    let children: Vec<_> = again
        .authorities()
        .iter()
        .filter(|(name, _)| *name != AuthorityName::Ca(Ca::Root))
        .map(|(_, authority)| authority.certificate.tbs_certificate.serial_number.clone())
        .collect();
    let states = registry.states(Ca::Root, &children).await.expect("states");
    assert_eq!(states.len(), 5);
    assert!(states.values().all(|state| *state == CertState::Good));
}

#[tokio::test]
async fn an_authority_added_later_is_made_from_the_stored_root_and_a_missing_one_is_an_error() {
    let registry = MemoryRegistry::new();
    let store = MemoryAuthorityStore::new(registry.clone());
    let first = load_or_create(store.clone(), URL, no_new_key, || Ok(hierarchy().clone()))
        .await
        .expect("created");

    // As a store filled before the one-time CA existed.
    store.remove(AuthorityName::Ca(Ca::OneTime));
    let keys = AtomicUsize::new(0);
    let upgraded = load_or_create(
        store.clone(),
        URL,
        |name| {
            assert_eq!(name, AuthorityName::Ca(Ca::OneTime));
            keys.fetch_add(1, Ordering::SeqCst);
            Ok(holder_key().clone())
        },
        || panic!("the hierarchy exists"),
    )
    .await
    .expect("upgraded");
    assert_eq!(keys.load(Ordering::SeqCst), 1);
    assert_eq!(upgraded.root.certificate, first.root.certificate);
    assert_ne!(upgraded.onetime.certificate, first.onetime.certificate);
    assert_eq!(
        upgraded.onetime.certificate.tbs_certificate.issuer,
        upgraded.root.certificate.tbs_certificate.subject
    );
    assert!(upgraded
        .onetime
        .certificate
        .tbs_certificate
        .subject
        .to_string()
        .contains("One-Time Signer CA"));
    let serial = upgraded
        .onetime
        .certificate
        .tbs_certificate
        .serial_number
        .clone();
    let states = registry
        .states(Ca::Root, std::slice::from_ref(&serial))
        .await
        .expect("states");
    assert_eq!(states.get(serial.as_bytes()), Some(&CertState::Good));
    let again = load_or_create(store.clone(), URL, no_new_key, || panic!("exists"))
        .await
        .expect("found");
    assert_eq!(again.onetime.certificate, upgraded.onetime.certificate);

    store.remove(AuthorityName::Ca(Ca::Lcp));
    match load_or_create(store.clone(), URL, no_new_key, || panic!("exists")).await {
        Err(PkiError::Incomplete(missing)) => assert_eq!(missing, "missing: lcp"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a hierarchy without its LCP CA"),
    }
}
