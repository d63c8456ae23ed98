//! Validation of every signature of any PDF: for each signature field, is it intact (the
//! digest of its ByteRange), cryptographically valid, chained to a trust anchor, time-stamped,
//! and which revision it covers; and is the document modified after the last signature
//! (validation data and document time-stamps excepted). Revocation is added by the caller
//! that knows the registry (`Pki::check_revocation`).
//!
//! Supported algorithms are Paraphe's own and the common case: SHA-256 digests and RSA
//! PKCS#1 v1.5 signatures. Anything else is reported as a problem, never as valid.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::referenced::OwnedToRef;
use der::{Decode, Encode, Reader};
use lopdf::{Dictionary, Document, Object, ObjectId};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_tsp::TstInfo;

use super::oids::{
    ID_CT_TST_INFO, ID_MESSAGE_DIGEST, ID_SHA256, ID_SIGNATURE_TIME_STAMP_TOKEN, RSA_ENCRYPTION,
    SHA256_WITH_RSA,
};

/// A certificate in the `/DSS` decodes to a few kilobytes; more is not a certificate.
const MAX_CERTIFICATE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    Signature,
    DocumentTimeStamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    pub field: String,
    pub kind: SignatureKind,
    /// The signer's (or the time-stamping unit's) certificate subject.
    pub signer: Option<String>,
    /// The bytes covered still hash to the signed digest.
    pub intact: bool,
    /// The signature value verifies with the signer's certificate.
    pub cryptographically_valid: bool,
    /// The signer's certificate chains, signature by signature, to a trust anchor, and was
    /// within its validity at signing time.
    pub trusted: bool,
    /// Filled by the caller that knows revocation: `Some(true)` revoked before signing time.
    pub revoked: Option<bool>,
    /// The certificate policies (dotted OIDs) the signer's certificate was issued under:
    /// what its authority says it vouches for.
    pub certificate_policies: Vec<String>,
    /// Filled by the caller that knows the policies: what kind of certificate this is, in
    /// words (a verified identity, or a name nobody checked).
    pub certificate_kind: Option<String>,
    /// The verified time-stamp's time (a signature time-stamp, or the document time-stamp itself).
    pub time_stamp: Option<DateTime<Utc>>,
    /// The time the signature claims (`/M`), or the time-stamp's.
    pub signing_time: Option<DateTime<Utc>>,
    /// 1-based revision of the file this signature covers.
    pub revision: usize,
    /// The ByteRange covers the whole revision but the signature value itself.
    pub covers_whole_revision: bool,
    pub problems: Vec<String>,
    #[serde(skip)]
    pub signer_certificate: Option<Certificate>,
}

impl SignatureReport {
    pub fn is_valid(&self) -> bool {
        self.intact
            && self.cryptographically_valid
            && self.trusted
            && self.covers_whole_revision
            && self.revoked != Some(true)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    pub signatures: Vec<SignatureReport>,
    /// Bytes after the last signature other than validation data (`/DSS`).
    pub modified_after_last_signature: bool,
    pub revisions: usize,
}

impl ValidationReport {
    /// Every signature valid and nothing changed after the last: what `pdf verify` exits 0 on.
    pub fn all_valid(&self) -> bool {
        !self.signatures.is_empty()
            && self.signatures.iter().all(SignatureReport::is_valid)
            && !self.modified_after_last_signature
    }
}

/// Validates every signature of `pdf` against `trust_anchors`.
pub fn validate(
    pdf: &[u8],
    trust_anchors: &[Certificate],
) -> Result<ValidationReport, super::PdfError> {
    let doc =
        super::pdf::load_untrusted(pdf).map_err(|e| super::PdfError::Invalid(e.to_string()))?;
    let revision_ends = revision_ends(pdf);
    let dss_certificates = dss_certificates(&doc);
    let mut signatures = Vec::new();
    for (field, value) in signature_fields(&doc) {
        signatures.push(check_signature(
            pdf,
            &field,
            &value,
            trust_anchors,
            &dss_certificates,
            &revision_ends,
        ));
    }
    // In signing order, whatever order the form lists its fields in.
    signatures.sort_by_key(|s| s.revision);
    let last_end = signatures
        .iter()
        .filter_map(|s| revision_ends.get(s.revision.wrapping_sub(1)).copied())
        .max()
        .unwrap_or(0);
    let modified_after_last_signature = !signatures.is_empty()
        && last_end < pdf.len()
        && !only_validation_data_after(pdf, last_end, &doc);
    Ok(ValidationReport {
        signatures,
        modified_after_last_signature,
        revisions: revision_ends.len(),
    })
}

/// Offsets just past each `%%EOF` (and its end of line): where each revision ends.
fn revision_ends(pdf: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0;
    while let Some(pos) = find(&pdf[at..], b"%%EOF") {
        let mut end = at + pos + 5;
        while end < pdf.len() && (pdf[end] == b'\r' || pdf[end] == b'\n') {
            end += 1;
        }
        ends.push(end);
        at = end;
    }
    ends
}

/// SIMD substring search: a naive scan of a 10 MB file costs more than hashing it.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn resolve<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

/// (field name, signature dictionary) of every signature field, kids included.
fn signature_fields(doc: &Document) -> Vec<(String, Dictionary)> {
    let mut found = Vec::new();
    let Some(form) = doc
        .catalog()
        .ok()
        .and_then(|catalog| catalog.get(b"AcroForm").ok())
        .and_then(|form| resolve(doc, form))
        .and_then(|form| form.as_dict().ok())
    else {
        return found;
    };
    let mut stack: Vec<(Object, String, u8)> = form
        .get(b"Fields")
        .ok()
        .and_then(|fields| resolve(doc, fields))
        .and_then(|fields| fields.as_array().ok())
        .map(|fields| {
            fields
                .iter()
                .map(|f| (f.clone(), String::new(), 0))
                .collect()
        })
        .unwrap_or_default();
    let mut seen: HashSet<ObjectId> = HashSet::new();
    while let Some((object, parent_name, depth)) = stack.pop() {
        if let Object::Reference(id) = object {
            if !seen.insert(id) {
                continue;
            }
        }
        let Some(field) = resolve(doc, &object).and_then(|f| f.as_dict().ok()) else {
            continue;
        };
        let partial = field
            .get(b"T")
            .ok()
            .and_then(|t| t.as_str().ok())
            .map(|t| String::from_utf8_lossy(t).into_owned());
        let name = match (parent_name.is_empty(), partial) {
            (_, None) => parent_name.clone(),
            (true, Some(partial)) => partial,
            (false, Some(partial)) => format!("{parent_name}.{partial}"),
        };
        let is_signature =
            field.get(b"FT").ok().and_then(|ft| ft.as_name().ok()) == Some(b"Sig".as_slice());
        if is_signature {
            if let Some(value) = field
                .get(b"V")
                .ok()
                .and_then(|v| resolve(doc, v))
                .and_then(|v| v.as_dict().ok())
            {
                found.push((name.clone(), value.clone()));
            }
        }
        if depth < 8 {
            if let Some(kids) = field
                .get(b"Kids")
                .ok()
                .and_then(|k| resolve(doc, k))
                .and_then(|k| k.as_array().ok())
            {
                stack.extend(
                    kids.iter()
                        .map(|kid| (kid.clone(), name.clone(), depth + 1)),
                );
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn dss_certificates(doc: &Document) -> Vec<Certificate> {
    let Some(dss) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"DSS").ok())
        .and_then(|d| resolve(doc, d))
        .and_then(|d| d.as_dict().ok())
    else {
        return Vec::new();
    };
    let Some(certs) = dss
        .get(b"Certs")
        .ok()
        .and_then(|c| resolve(doc, c))
        .and_then(|c| c.as_array().ok())
    else {
        return Vec::new();
    };
    certs
        .iter()
        .filter_map(|c| resolve(doc, c))
        .filter_map(|c| c.as_stream().ok())
        .filter_map(|s| s.get_plain_content_with_limit(MAX_CERTIFICATE_BYTES).ok())
        .filter_map(|der| Certificate::from_der(&der).ok())
        .collect()
}

/// The DER object at the start of `bytes` (a `/Contents` is zero-padded).
fn der_prefix(bytes: &[u8]) -> Option<&[u8]> {
    let reader = der::SliceReader::new(bytes).ok()?;
    let header = reader.peek_header().ok()?;
    let total = (header.encoded_len().ok()? + header.length).ok()?;
    bytes.get(..usize::try_from(total).ok()?)
}

fn check_signature(
    pdf: &[u8],
    field: &str,
    value: &Dictionary,
    anchors: &[Certificate],
    extra_certificates: &[Certificate],
    revision_ends: &[usize],
) -> SignatureReport {
    let kind = match value.get(b"SubFilter").ok().and_then(|s| s.as_name().ok()) {
        Some(b"ETSI.RFC3161") => SignatureKind::DocumentTimeStamp,
        _ => SignatureKind::Signature,
    };
    let mut report = SignatureReport {
        field: field.to_owned(),
        kind,
        signer: None,
        intact: false,
        cryptographically_valid: false,
        trusted: false,
        revoked: None,
        certificate_policies: Vec::new(),
        certificate_kind: None,
        time_stamp: None,
        signing_time: value
            .get(b"M")
            .ok()
            .and_then(|m| m.as_str().ok())
            .and_then(parse_pdf_date),
        revision: 0,
        covers_whole_revision: false,
        problems: Vec::new(),
        signer_certificate: None,
    };
    let range: Vec<usize> = value
        .get(b"ByteRange")
        .ok()
        .and_then(|r| r.as_array().ok())
        .map(|r| {
            r.iter()
                .filter_map(|n| n.as_i64().ok())
                .filter_map(|n| usize::try_from(n).ok())
                .collect()
        })
        .unwrap_or_default();
    let [a, b, c, d] = range[..] else {
        report.problems.push("ByteRange absent or malformed".into());
        return report;
    };
    let Some(end) = c
        .checked_add(d)
        .filter(|end| a == 0 && b <= c && *end <= pdf.len())
    else {
        report.problems.push("ByteRange outside the file".into());
        return report;
    };
    report.revision = revision_ends
        .iter()
        .position(|e| *e >= end)
        .map(|i| i + 1)
        .unwrap_or(revision_ends.len());
    // The gap must be exactly the hex string `<...>` of /Contents, and the range must end
    // where a revision ends.
    let gap_is_contents = c > b && pdf.get(b) == Some(&b'<') && pdf.get(c - 1) == Some(&b'>');
    report.covers_whole_revision = gap_is_contents && revision_ends.contains(&end);
    if !report.covers_whole_revision {
        report
            .problems
            .push("the ByteRange does not cover its whole revision".into());
    }
    let mut hasher = Sha256::new();
    hasher.update(&pdf[a..a + b]);
    hasher.update(&pdf[c..end]);
    let content_digest = hasher.finalize().to_vec();

    let contents = value
        .get(b"Contents")
        .ok()
        .and_then(|c| c.as_str().ok())
        .unwrap_or_default();
    let Some(der) = der_prefix(contents) else {
        report.problems.push("Contents is not a CMS object".into());
        return report;
    };
    let checked = match kind {
        SignatureKind::Signature => {
            check_cms(der, Some(&content_digest), anchors, extra_certificates)
        }
        SignatureKind::DocumentTimeStamp => {
            check_time_stamp_token(der, &content_digest, anchors, extra_certificates)
        }
    };
    match checked {
        Ok(cms) => {
            report.signer = Some(cms.signer_certificate.tbs_certificate.subject.to_string());
            report.intact = cms.digest_matches;
            report.cryptographically_valid = cms.signature_verifies;
            report.time_stamp = cms.time_stamp;
            if cms.time_stamp.is_some() {
                report.signing_time = cms.time_stamp;
            }
            let at = report.signing_time.unwrap_or_else(Utc::now);
            match chain_to_anchor(
                &cms.signer_certificate,
                &cms.certificates,
                extra_certificates,
                anchors,
                at,
            ) {
                Ok(()) => report.trusted = true,
                Err(problem) => report.problems.push(problem),
            }
            report.problems.extend(cms.problems);
            report.certificate_policies = certificate_policies(&cms.signer_certificate);
            report.signer_certificate = Some(cms.signer_certificate);
        }
        Err(problem) => report.problems.push(problem),
    }
    if !report.intact && report.problems.is_empty() {
        report
            .problems
            .push("the document was changed after this signature".into());
    }
    report
}

/// The policy OIDs of a certificate's certificatePolicies extension (none if absent or
/// unreadable: a relying party then knows nothing of what it vouches for).
fn certificate_policies(certificate: &Certificate) -> Vec<String> {
    use x509_cert::ext::pkix::certpolicy::CertificatePolicies;
    match certificate.tbs_certificate.get::<CertificatePolicies>() {
        Ok(Some((_, policies))) => policies
            .0
            .iter()
            .map(|policy| policy.policy_identifier.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) struct CmsCheck {
    signer_certificate: Certificate,
    certificates: Vec<Certificate>,
    digest_matches: bool,
    signature_verifies: bool,
    time_stamp: Option<DateTime<Utc>>,
    problems: Vec<String>,
}

fn signed_data(der: &[u8]) -> Result<SignedData, String> {
    let info = ContentInfo::from_der(der).map_err(|e| format!("not a CMS ContentInfo: {e}"))?;
    info.content
        .decode_as::<SignedData>()
        .map_err(|e| format!("not a CMS SignedData: {e}"))
}

fn verify_rsa_sha256(
    certificate: &Certificate,
    algorithm: &ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    if *algorithm != SHA256_WITH_RSA && *algorithm != RSA_ENCRYPTION {
        return Err(format!("unsupported signature algorithm {algorithm}"));
    }
    let key = VerifyingKey::<Sha256>::try_from(
        certificate
            .tbs_certificate
            .subject_public_key_info
            .owned_to_ref(),
    )
    .map_err(|e| format!("unsupported public key: {e}"))?;
    let signature = Signature::try_from(signature).map_err(|e| e.to_string())?;
    key.verify(message, &signature)
        .map_err(|_| "the signature value does not verify".to_owned())
}

/// Checks a SignedData: the signer's certificate, the message digest against
/// `content_digest` (detached) or against its own encapsulated content, the signature over
/// the signed attributes, and a signature time-stamp if any.
pub(super) fn check_cms(
    der: &[u8],
    content_digest: Option<&[u8]>,
    anchors: &[Certificate],
    extra: &[Certificate],
) -> Result<CmsCheck, String> {
    let data = signed_data(der)?;
    let certificates: Vec<Certificate> = data
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|choice| match choice {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let signer_info: &SignerInfo = data.signer_infos.0.iter().next().ok_or("no SignerInfo")?;
    let signer_certificate = match &signer_info.sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => certificates
            .iter()
            .chain(extra)
            .find(|c| {
                c.tbs_certificate.issuer == id.issuer
                    && c.tbs_certificate.serial_number == id.serial_number
            })
            .cloned(),
        SignerIdentifier::SubjectKeyIdentifier(_) => certificates.first().cloned(),
    }
    .ok_or("the signer's certificate is not in the signature")?;

    let mut problems = Vec::new();
    if signer_info.digest_alg.oid != ID_SHA256 {
        return Err(format!(
            "unsupported digest algorithm {}",
            signer_info.digest_alg.oid
        ));
    }
    let expected_digest = match content_digest {
        Some(digest) => digest.to_vec(),
        None => {
            let content = data
                .encap_content_info
                .econtent
                .as_ref()
                .ok_or("no encapsulated content")?;
            Sha256::digest(content.value()).to_vec()
        }
    };
    let signed_attributes = signer_info
        .signed_attrs
        .as_ref()
        .ok_or("no signed attributes")?;
    let message_digest = signed_attributes
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or("no message-digest attribute")?;
    let digest_matches = message_digest.as_bytes() == expected_digest.as_slice();
    let signed = signed_attributes.to_der().map_err(|e| e.to_string())?;
    let signature_verifies = match verify_rsa_sha256(
        &signer_certificate,
        &signer_info.signature_algorithm.oid,
        &signed,
        signer_info.signature.as_bytes(),
    ) {
        Ok(()) => true,
        Err(problem) => {
            problems.push(problem);
            false
        }
    };

    let mut time_stamp = None;
    if let Some(token) = signer_info
        .unsigned_attrs
        .as_ref()
        .and_then(|attrs| {
            attrs
                .iter()
                .find(|a| a.oid == ID_SIGNATURE_TIME_STAMP_TOKEN)
        })
        .and_then(|a| a.values.iter().next())
    {
        let imprint = Sha256::digest(signer_info.signature.as_bytes()).to_vec();
        match token
            .to_der()
            .map_err(|e| e.to_string())
            .and_then(|der| check_time_stamp_token(&der, &imprint, anchors, extra))
        {
            Ok(stamp) if stamp.digest_matches && stamp.signature_verifies => {
                let tsa_certificates = stamp.certificates.clone();
                match chain_to_anchor(
                    &stamp.signer_certificate,
                    &tsa_certificates,
                    extra,
                    anchors,
                    stamp.time_stamp.unwrap_or_else(Utc::now),
                ) {
                    Ok(()) => time_stamp = stamp.time_stamp,
                    Err(problem) => problems.push(format!("signature time-stamp: {problem}")),
                }
            }
            Ok(_) => problems.push("the signature time-stamp does not match the signature".into()),
            Err(problem) => problems.push(format!("signature time-stamp: {problem}")),
        }
    }
    Ok(CmsCheck {
        signer_certificate,
        certificates,
        digest_matches,
        signature_verifies,
        time_stamp,
        problems,
    })
}

/// Checks an RFC 3161 token over `imprint` (SHA-256); `time_stamp` is its genTime.
fn check_time_stamp_token(
    der: &[u8],
    imprint: &[u8],
    anchors: &[Certificate],
    extra: &[Certificate],
) -> Result<CmsCheck, String> {
    let data = signed_data(der)?;
    if data.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("not a time-stamp token".into());
    }
    let content = data
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("empty time-stamp token")?;
    let info =
        TstInfo::from_der(content.value()).map_err(|e| format!("unreadable TSTInfo: {e}"))?;
    let mut check = check_cms(der, None, anchors, extra)?;
    let imprint_matches = info.message_imprint.hash_algorithm.oid == ID_SHA256
        && info.message_imprint.hashed_message.as_bytes() == imprint;
    check.digest_matches = check.digest_matches && imprint_matches;
    check.time_stamp = Some(DateTime::<Utc>::from(info.gen_time.to_system_time()));
    Ok(check)
}

/// Checks a token an outside time-stamping authority sent for `imprint` (SHA-256): over
/// this imprint, with the `nonce` of our request, and signed by the certificate it
/// carries. Whether that authority is trusted is for validators to say. Answers the
/// certificates the token carries.
pub fn check_outside_time_stamp(
    der: &[u8],
    imprint: &[u8],
    nonce: &der::asn1::Int,
) -> Result<Vec<Certificate>, String> {
    let data = signed_data(der)?;
    let content = data
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("empty time-stamp token")?;
    let info =
        TstInfo::from_der(content.value()).map_err(|e| format!("unreadable TSTInfo: {e}"))?;
    if info.nonce.as_ref() != Some(nonce) {
        return Err("the time-stamp token does not answer our request (nonce)".into());
    }
    let check = check_time_stamp_token(der, imprint, &[], &[])?;
    if !check.digest_matches {
        return Err("the time-stamp token is not over the digest asked for".into());
    }
    if !check.signature_verifies {
        return Err(format!(
            "the time-stamp token's signature does not verify: {}",
            check.problems.join("; ")
        ));
    }
    Ok(check.certificates)
}

/// Walks from `certificate` up to a trust anchor, checking each signature and validity at `at`.
fn chain_to_anchor(
    certificate: &Certificate,
    carried: &[Certificate],
    extra: &[Certificate],
    anchors: &[Certificate],
    at: DateTime<Utc>,
) -> Result<(), String> {
    let mut current = certificate.clone();
    for _ in 0..8 {
        let validity = &current.tbs_certificate.validity;
        let (from, to) = (
            DateTime::<Utc>::from(validity.not_before.to_system_time()),
            DateTime::<Utc>::from(validity.not_after.to_system_time()),
        );
        if at < from || at > to {
            return Err(format!(
                "certificate {} not valid at {at}",
                current.tbs_certificate.subject
            ));
        }
        if anchors.contains(&current) {
            return Ok(());
        }
        let tbs = current
            .tbs_certificate
            .to_der()
            .map_err(|e| e.to_string())?;
        let signature = current
            .signature
            .as_bytes()
            .ok_or("certificate signature is not whole bytes")?;
        // Several CAs may share a name (two instances, a renewed key): the issuer is the
        // one whose key verifies, not the first with the right subject.
        let mut candidates = anchors
            .iter()
            .chain(carried)
            .chain(extra)
            .filter(|candidate| {
                candidate.tbs_certificate.subject == current.tbs_certificate.issuer
                    && **candidate != current
            })
            .peekable();
        if candidates.peek().is_none() {
            return Err(format!(
                "no trusted issuer for {}",
                current.tbs_certificate.subject
            ));
        }
        let mut problem = String::new();
        let issuer = candidates
            .find(|issuer| {
                match verify_rsa_sha256(issuer, &current.signature_algorithm.oid, &tbs, signature) {
                    Ok(()) => true,
                    Err(found) => {
                        problem = found;
                        false
                    }
                }
            })
            .ok_or_else(|| format!("certificate {}: {problem}", current.tbs_certificate.subject))?;
        current = issuer.clone();
    }
    Err("certificate chain too long".into())
}

/// `D:YYYYMMDDHHmmSS` with an optional offset, as PDF dates are written.
fn parse_pdf_date(raw: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(raw).ok()?.trim_start_matches("D:");
    let digits: String = text.chars().take(14).collect();
    let naive = chrono::NaiveDateTime::parse_from_str(&digits, "%Y%m%d%H%M%S").ok()?;
    let rest = &text[digits.len()..];
    let offset_minutes = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let numbers: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i64 = numbers.get(0..2)?.parse().ok()?;
            let minutes: i64 = numbers.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
            let total = hours * 60 + minutes;
            if sign == '-' {
                -total
            } else {
                total
            }
        }
        _ => 0,
    };
    Some(naive.and_utc() - chrono::Duration::minutes(offset_minutes))
}

/// True when every object changed or added after `end` is validation data: the `/DSS`
/// dictionary, what it references, and the catalog gaining `/DSS` and nothing else.
fn only_validation_data_after(pdf: &[u8], end: usize, latest: &Document) -> bool {
    let Ok(signed) = super::pdf::load_untrusted(&pdf[..end]) else {
        return false;
    };
    let Ok(latest_root) = latest.trailer.get(b"Root").and_then(Object::as_reference) else {
        return false;
    };
    let mut allowed: BTreeSet<ObjectId> = BTreeSet::new();
    if let Ok(Object::Reference(dss_id)) = latest
        .get_dictionary(latest_root)
        .and_then(|root| root.get(b"DSS"))
    {
        allowed.insert(*dss_id);
        if let Ok(dss) = latest.get_dictionary(*dss_id) {
            for (_, value) in dss.iter() {
                let items = match resolve(latest, value) {
                    Some(Object::Array(items)) => items.clone(),
                    _ => Vec::new(),
                };
                if let Object::Reference(id) = value {
                    allowed.insert(*id);
                }
                allowed.extend(items.iter().filter_map(|item| item.as_reference().ok()));
            }
        }
    }
    for (id, object) in &latest.objects {
        let before = signed.objects.get(id);
        if before == Some(object) || allowed.contains(id) {
            continue;
        }
        if *id == latest_root {
            let (Ok(now), Some(Ok(then))) = (object.as_dict(), before.map(Object::as_dict)) else {
                return false;
            };
            let mut now = now.clone();
            let mut then = then.clone();
            now.remove(b"DSS");
            then.remove(b"DSS");
            if now == then {
                continue;
            }
        }
        // Cross-reference streams of later revisions are bookkeeping, not content.
        if object.as_stream().is_ok_and(|s| {
            s.dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"XRef".as_slice())
        }) {
            continue;
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_read_with_their_offset() {
        let utc = parse_pdf_date(b"D:20261123101500+01'00'").expect("date");
        assert_eq!(utc.to_rfc3339(), "2026-11-23T09:15:00+00:00");
        assert_eq!(
            parse_pdf_date(b"D:20261123101500Z")
                .expect("date")
                .to_rfc3339(),
            "2026-11-23T10:15:00+00:00"
        );
        assert!(parse_pdf_date(b"yesterday").is_none());
    }

    #[test]
    fn revisions_end_after_each_eof_marker() {
        let pdf = b"%PDF-1.7\n...%%EOF\n more %%EOF\r\n";
        assert_eq!(revision_ends(pdf), vec![18, 31]);
    }

    #[test]
    fn a_padded_contents_yields_its_der_object() {
        let padded = [0x30, 0x03, 0x02, 0x01, 0x05, 0x00, 0x00, 0x00];
        assert_eq!(der_prefix(&padded), Some(&padded[..5]));
        assert_eq!(der_prefix(&[0xff]), None);
    }
}
