//! The proof file of a collection, for a dispute: one ZIP with the signed PDFs, the audit
//! trail (JSON, and a readable PDF sealed by the platform), the signers' certificates and
//! their revocation status now, and a manifest of every file's SHA-256 sealed by the
//! platform (detached CMS, time-stamped) so that nothing can be swapped afterwards.

use std::io::Write as _;
use std::sync::Arc;

use chrono::Utc;
use der::{Decode, EncodePem};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;
use x509_cert::Certificate;

use super::{CollectionError, Result};
use crate::audit;
use crate::ids::{CollectionId, UserId};
use crate::pki::{CabinetIdentity, CertState, CertificateRegistry as _, Level, Pki};
use crate::signing::{self, cms, PadesLevel, SignatureRequest};

/// Who seals proof files: the platform operator, as a legal person.
#[derive(Debug, Clone)]
pub struct Sealer {
    pub name: String,
    pub siren: String,
}

fn internal(e: impl Into<crate::BoxError>) -> CollectionError {
    CollectionError::Internal(e.into())
}

fn pem(certificate: &Certificate) -> Result<String> {
    certificate
        .to_pem(der::pem::LineEnding::LF)
        .map_err(internal)
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Records in the trail that `user_id` downloaded the proof file.
pub async fn record_download(
    db: &PgPool,
    collection_id: CollectionId,
    user_id: UserId,
    meta: &crate::request_meta::RequestMeta,
) -> Result<()> {
    let mut tx = db.begin().await?;
    super::lock(&mut tx, collection_id).await?;
    audit::append(
        &mut tx,
        collection_id,
        audit::Actor::User(user_id),
        meta,
        audit::AuditEvent::ProofDownloaded {},
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Builds the ZIP. Documents already purged are listed in the manifest as such.
pub async fn build(
    db: &PgPool,
    pki: &Arc<Pki>,
    sealer: &Sealer,
    collection_id: CollectionId,
) -> Result<Vec<u8>> {
    let mut conn = db.acquire().await?;
    let collection = super::get(&mut conn, collection_id).await?;
    let signers = super::signers(&mut conn, collection_id).await?;
    let documents: Vec<(i32, String, Option<Vec<u8>>)> = sqlx::query!(
        "SELECT position, filename, content FROM collection_documents WHERE collection_id = $1 ORDER BY position",
        collection_id.as_uuid(),
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| (row.position, row.filename, row.content))
    .collect();
    let certificates: Vec<(Uuid, Option<Vec<u8>>)> = sqlx::query!(
        "SELECT id, certificate FROM signers WHERE collection_id = $1 ORDER BY position",
        collection_id.as_uuid(),
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| (row.id, row.certificate))
    .collect();
    drop(conn);
    let entries = audit::trail(db, collection_id).await?;
    let chain_status = audit::verify(&entries);

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut purged = Vec::new();
    for (position, filename, content) in documents {
        let name = format!("documents/{position:02}-{}", safe_name(&filename));
        match content {
            Some(content) => files.push((name, content)),
            None => purged.push(name),
        }
    }

    let trail_json = json!({
        "collection": collection_id,
        "chain": format!("{chain_status:?}"),
        "entries": entries,
    });
    files.push((
        "audit-trail.json".into(),
        serde_json::to_vec_pretty(&trail_json).map_err(internal)?,
    ));

    // Certificates and their status at the time of this file.
    let mut statuses = Vec::new();
    for (signer_id, der) in certificates {
        let Some(der) = der else { continue };
        let certificate = Certificate::from_der(&der).map_err(internal)?;
        let serial = certificate.tbs_certificate.serial_number.clone();
        // Each certificate against the CA that issued it (one-time, LCP or QCP).
        let state = match pki.issuer_of(&certificate) {
            Some(issuer) => pki
                .registry
                .states(issuer, std::slice::from_ref(&serial))
                .await
                .map_err(internal)?,
            None => Default::default(),
        };
        let status = match state.get(serial.as_bytes()) {
            Some(CertState::Good) => json!({ "status": "good" }),
            Some(CertState::Revoked(r)) => {
                json!({ "status": "revoked", "at": r.at.to_rfc3339(), "reason": r.reason.as_str() })
            }
            None => json!({ "status": "unknown" }),
        };
        let serial_hex = hex::encode(serial.as_bytes());
        statuses.push(json!({ "signer": signer_id, "serial": serial_hex, "subject": certificate.tbs_certificate.subject.to_string(), "state": status }));
        files.push((
            format!("certificates/signer-{serial_hex}.pem"),
            pem(&certificate)?.into_bytes(),
        ));
    }
    for ca in crate::pki::Ca::ALL {
        files.push((
            format!("certificates/{}-ca.pem", ca.as_str()),
            pem(&pki.hierarchy.authority(ca).certificate)?.into_bytes(),
        ));
    }
    files.push((
        "certificates/tsa.pem".into(),
        pem(&pki.hierarchy.tsa.certificate)?.into_bytes(),
    ));
    files.push((
        "certificate-status.json".into(),
        serde_json::to_vec_pretty(
            &json!({ "checked_at": Utc::now().to_rfc3339(), "certificates": statuses }),
        )
        .map_err(internal)?,
    ));

    // The platform's seal: a key and a seal certificate made for this file.
    let key = tokio::task::spawn_blocking(crate::pki::generate_key)
        .await
        .map_err(internal)?
        .map_err(internal)?;
    let seal = pki
        .issue_for_cabinet(
            &CabinetIdentity {
                name: sealer.name.clone(),
                siren: sealer.siren.clone(),
            },
            key.public(),
        )
        .await
        .map_err(internal)?;
    let mut chain = vec![seal];
    chain.extend(pki.hierarchy.chain_above(Level::Seal));

    let mut lines = vec![
        format!("Demande : {} ({})", collection.title, collection.id),
        format!("Statut : {}", collection.status.as_str()),
        format!("Chaîne de preuve : {chain_status:?}"),
        String::new(),
    ];
    for signer in &signers {
        lines.push(format!(
            "Signataire {} : {} <{}> — {}",
            signer.position,
            signer.full_name(),
            signer.email,
            signer.status.as_str()
        ));
    }
    lines.push(String::new());
    for entry in &entries {
        lines.push(format!(
            "#{} {} — {} — {} — IP {} — {}",
            entry.seq,
            entry.at.format("%d/%m/%Y %H:%M:%S UTC"),
            entry.kind,
            entry.actor,
            entry.ip.as_deref().unwrap_or("-"),
            entry.details
        ));
        lines.push(format!("    empreinte {}", hex::encode(&entry.hash)));
    }
    let readable = signing::text_pdf::render("Journal de preuve Paraphe", &lines)?;
    let request = SignatureRequest {
        signer_name: sealer.name.clone(),
        reason: Some("Scellement du journal de preuve".into()),
        location: None,
        time: Utc::now(),
        stamp: None,
    };
    let sealed =
        signing::sign_at_level(&readable, &request, &key, &chain, PadesLevel::BT, &**pki).await?;
    files.push(("audit-trail.pdf".into(), sealed));

    let manifest = json!({
        "collection": collection_id,
        "title": collection.title,
        "status": collection.status.as_str(),
        "generated_at": Utc::now().to_rfc3339(),
        "audit_chain": format!("{chain_status:?}"),
        "audit_head": entries.last().map(|e| hex::encode(&e.hash)),
        "purged_documents": purged,
        "files": files.iter().map(|(name, bytes)| json!({ "name": name, "sha256": hex::encode(Sha256::digest(bytes)) })).collect::<Vec<_>>(),
    });
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(internal)?;
    let signature = cms::detached_time_stamped(&Sha256::digest(&manifest), &key, &chain, &**pki)
        .await
        .map_err(internal)?;
    files.push(("manifest.json".into(), manifest));
    files.push(("manifest.json.p7s".into(), signature));

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // PDFs are compressed already: stored entries keep the file simple to check by hand.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), options).map_err(internal)?;
        zip.write_all(bytes).map_err(internal)?;
    }
    Ok(zip.finish().map_err(internal)?.into_inner())
}
