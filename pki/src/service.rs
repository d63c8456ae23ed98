//! [`Pki`]: a hierarchy at run time with the registry of what it issued. It is the door:
//! every issuance through it is recorded, so OCSP and CRLs know every certificate; it
//! keeps the delegated OCSP responders; and it lends the signing engine its trust
//! services (time-stamps and validation data for PAdES B-T to B-LTA).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use der::asn1::ObjectIdentifier;
use der::Encode;
use paraphe_pades::{TimeStamper, TrustServices, ValidationData, ValidationReport};
use rsa::RsaPublicKey;
use x509_cert::Certificate;

use crate::remote::RemoteTimeStamper;
use crate::{
    crl, ocsp, tsa, Authority, AuthorityKey, Ca, CaHierarchy, CabinetIdentity, CertState,
    CertificateRegistry, Level, PersonIdentity, PkiError, Revocation, RevocationReason,
};

/// A delegated OCSP responder is replaced when less than this is left of its week.
const OCSP_RESPONDER_RENEWAL: Duration = Duration::from_secs(2 * 24 * 3600);

/// The states the registry gave for an OCSP query's serials, by serial bytes.
pub type States = HashMap<Vec<u8>, CertState>;

/// The hierarchy (keys `K`) and the registry `R` of what it issued.
pub struct Pki<K, R> {
    pub hierarchy: CaHierarchy<K>,
    pub registry: R,
    /// Time-stamps come from there when set, from the hierarchy's own unit otherwise.
    remote_tsa: Option<Box<dyn RemoteTimeStamper>>,
    /// Each CA's current delegated OCSP responder, made on first need and replaced before
    /// it expires. Kept in memory only: each process has its own, all certified by the CA.
    responders: Mutex<HashMap<Ca, Authority<K>>>,
}

impl<K: AuthorityKey, R: CertificateRegistry> Pki<K, R> {
    pub fn new(hierarchy: CaHierarchy<K>, registry: R) -> Self {
        Pki {
            hierarchy,
            registry,
            remote_tsa: None,
            responders: Default::default(),
        }
    }

    /// Time-stamps from `tsa` instead of the hierarchy's own unit.
    pub fn with_remote_tsa(mut self, tsa: impl RemoteTimeStamper + 'static) -> Self {
        self.remote_tsa = Some(Box::new(tsa));
        self
    }

    /// Whether time-stamps come from an outside authority, across the network.
    pub fn time_stamps_remotely(&self) -> bool {
        self.remote_tsa.is_some()
    }

    /// What signatures are validated against: the root, and the roots of the outside
    /// time-stamping authority, if any.
    pub fn trust_anchors(&self) -> Vec<Certificate> {
        let mut anchors = vec![self.hierarchy.root.certificate.clone()];
        if let Some(tsa) = &self.remote_tsa {
            anchors.extend(tsa.anchors().iter().cloned());
        }
        anchors
    }

    /// The delegated responder that signs `ca`'s OCSP answers now. Making one (an RSA key,
    /// a certificate) takes a fraction of a second of this thread, once a week per CA.
    pub fn ocsp_responder(&self, ca: Ca) -> Result<Authority<K>, PkiError> {
        // A panic elsewhere while holding the lock leaves the map consistent (single inserts).
        let mut responders = self
            .responders
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let renew_after = SystemTime::now() + OCSP_RESPONDER_RENEWAL;
        if let Some(current) = responders.get(&ca) {
            if current
                .certificate
                .tbs_certificate
                .validity
                .not_after
                .to_system_time()
                > renew_after
            {
                return Ok(current.clone());
            }
        }
        let fresh = self.hierarchy.issue_ocsp_responder(ca)?;
        responders.insert(ca, fresh.clone());
        Ok(fresh)
    }

    /// Issues a person's certificate of `level` for `key`, and records it.
    pub async fn issue_for_person(
        &self,
        level: Level,
        person: &PersonIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        let certificate = self.hierarchy.issue_for_person(level, person, key)?;
        self.registry.record(level.ca(), &certificate).await?;
        Ok(certificate)
    }

    /// Issues a seal certificate for `key`, and records it.
    pub async fn issue_for_cabinet(
        &self,
        cabinet: &CabinetIdentity,
        key: &RsaPublicKey,
    ) -> Result<Certificate, PkiError> {
        let certificate = self.hierarchy.issue_for_cabinet(cabinet, key)?;
        self.registry.record(Ca::Seal, &certificate).await?;
        Ok(certificate)
    }

    /// Revokes a certificate this hierarchy issued; OCSP and the CRL say so at once.
    pub async fn revoke(
        &self,
        certificate: &Certificate,
        reason: RevocationReason,
    ) -> Result<Revocation, PkiError> {
        let issuer = self
            .issuer_of(certificate)
            .ok_or(PkiError::UnknownCertificate)?;
        self.registry
            .revoke(issuer, &certificate.tbs_certificate.serial_number, reason)
            .await
    }

    /// What a DER OCSP request asks and what the registry says of it; `Err` is the OCSP
    /// error response to send when there is nothing to sign.
    pub async fn ocsp_lookup(&self, request_der: &[u8]) -> Result<(ocsp::Query, States), Vec<u8>> {
        let query = ocsp::parse(&self.hierarchy, request_der)?;
        match self
            .registry
            .states(query.issuer, &query.serials(&self.hierarchy))
            .await
        {
            Ok(states) => Ok((query, states)),
            Err(error) => {
                tracing::error!(%error, "OCSP lookup failed");
                Err(ocsp::try_later())
            }
        }
    }

    /// The signed answer to a looked-up OCSP query (an RSA signature: a millisecond or two
    /// of a core, so callers serving the network run it off the async threads).
    pub fn ocsp_answer(&self, query: &ocsp::Query, states: &States) -> Vec<u8> {
        match self.ocsp_responder(query.issuer) {
            Ok(responder) => ocsp::answer(&self.hierarchy, &responder, query, states),
            Err(error) => {
                tracing::error!(%error, "no OCSP responder certificate");
                ocsp::try_later()
            }
        }
    }

    /// The current DER CRL of a CA.
    pub async fn crl(&self, ca: Ca) -> Result<Vec<u8>, PkiError> {
        let revoked = self.registry.revoked(ca).await?;
        crl::build(self.hierarchy.authority(ca), &revoked)
    }

    /// Which of our CAs issued `certificate`, if any.
    pub fn issuer_of(&self, certificate: &Certificate) -> Option<Ca> {
        self.hierarchy.issuer_of(certificate)
    }

    /// Everything a validator needs offline for these chains: the certificates, and a fresh
    /// OCSP response for each certificate below the root (PAdES B-LT's DSS).
    pub async fn validation_data(
        &self,
        chains: &[&[Certificate]],
    ) -> Result<ValidationData, PkiError> {
        let mut data = ValidationData::default();
        let root = &self.hierarchy.root.certificate;
        for certificate in chains.iter().flat_map(|chain| chain.iter()) {
            let der = certificate.to_der()?;
            if data.certificates.contains(&der) {
                continue;
            }
            data.certificates.push(der);
            if certificate == root {
                continue;
            }
            let Some(issuer) = self.issuer_of(certificate) else {
                continue;
            };
            let serial = &certificate.tbs_certificate.serial_number;
            let Some(id) = ocsp::cert_id(&self.hierarchy, issuer, serial) else {
                continue;
            };
            let states = self
                .registry
                .states(issuer, std::slice::from_ref(serial))
                .await?;
            let responder = self.ocsp_responder(issuer)?;
            data.ocsp_responses.push(ocsp::sign_answer(
                &self.hierarchy,
                &responder,
                issuer,
                &[id],
                None,
                &states,
            ));
            // The responder's certificate travels in each answer; in the DSS too, for
            // validators that look for certificates there only.
            let responder_der = responder.certificate.to_der()?;
            if !data.certificates.contains(&responder_der) {
                data.certificates.push(responder_der);
            }
        }
        Ok(data)
    }

    /// Fills `revoked` in a validation report for certificates this hierarchy issued:
    /// revoked at or before the time-stamped signing time. Without a time-stamp the
    /// claimed time proves nothing, so any revocation counts.
    /// It also says, from the policy a certificate of ours was issued under, what kind of
    /// certificate signed: one-time certificates vouch for no verified name.
    pub async fn check_revocation(&self, report: &mut ValidationReport) -> Result<(), PkiError> {
        for signature in &mut report.signatures {
            let Some(certificate) = &signature.signer_certificate else {
                continue;
            };
            signature.certificate_kind = signature
                .certificate_policies
                .iter()
                .filter_map(|oid| ObjectIdentifier::new(oid).ok())
                .find_map(|oid| Level::from_policy_oid(&oid))
                .map(|level| level.description_fr().to_owned());
            let Some(issuer) = self.issuer_of(certificate) else {
                continue;
            };
            let serial = &certificate.tbs_certificate.serial_number;
            let states = self
                .registry
                .states(issuer, std::slice::from_ref(serial))
                .await?;
            signature.revoked = match states.get(serial.as_bytes()) {
                None => {
                    signature
                        .problems
                        .push("certificate unknown to this instance's registry".into());
                    Some(true)
                }
                Some(CertState::Good) => Some(false),
                Some(CertState::Revoked(revocation)) => {
                    let revoked_before = signature
                        .time_stamp
                        .is_none_or(|stamped| revocation.at <= stamped);
                    if revoked_before {
                        signature.problems.push(format!(
                            "certificate revoked on {} ({})",
                            revocation.at,
                            revocation.reason.as_str()
                        ));
                    }
                    Some(revoked_before)
                }
            };
        }
        Ok(())
    }

    /// The time-stamping unit's chain (unit, root): its tokens need validation data too.
    /// For an outside authority, the certificates its latest token carried.
    pub fn tsa_chain(&self) -> Vec<Certificate> {
        match &self.remote_tsa {
            Some(tsa) => tsa.certificates(),
            None => vec![
                self.hierarchy.tsa.certificate.clone(),
                self.hierarchy.root.certificate.clone(),
            ],
        }
    }

    /// Answers a DER RFC 3161 request with the hierarchy's own unit (an RSA signature:
    /// callers serving the network run it off the async threads).
    pub fn time_stamp(&self, request_der: &[u8]) -> Vec<u8> {
        tsa::respond(&self.hierarchy, request_der)
    }
}

/// B-LT and B-LTA: the time-stamping unit's chain and the registry's revocation data.
#[async_trait::async_trait]
impl<K: AuthorityKey, R: CertificateRegistry> TrustServices for Pki<K, R> {
    fn tsa_chain(&self) -> Vec<Certificate> {
        Pki::tsa_chain(self)
    }

    async fn validation_data(
        &self,
        chains: &[&[Certificate]],
    ) -> Result<ValidationData, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Pki::validation_data(self, chains).await?)
    }
}

/// Time-stamps from the outside authority when there is one, from the hierarchy's own
/// unit in process otherwise.
#[async_trait::async_trait]
impl<K: AuthorityKey, R: CertificateRegistry> TimeStamper for Pki<K, R> {
    async fn stamp(&self, sha256_digest: &[u8]) -> Result<Vec<u8>, String> {
        match &self.remote_tsa {
            Some(tsa) => tsa.stamp(sha256_digest).await,
            None => tsa::stamp_sha256(&self.hierarchy, sha256_digest),
        }
    }
}
