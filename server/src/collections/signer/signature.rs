//! The signature itself: code checked, key opened, every document signed and time-stamped,
//! stored with the debit and what follows (the next signer invited, or completion) in one
//! transaction.

use chrono::Utc;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, AuditEvent, DocumentDigest, NamedDigest};
use crate::billing;
use crate::certificates::{self};
use crate::collections::invitations::invite;
use crate::collections::{
    links, CollectionError, CollectionRow, DocumentKind, Result, SignerRow, SignerStatus,
    SigningMode,
};
use crate::ids::{CollectionId, ContactId, DocumentId, SignerId, UserId};
use crate::keys::{KeyEncryptionKey, MemoryKey, SealedKey};
use crate::pki::Pki;
use crate::request_meta::RequestMeta;
use crate::signing::{self, SignatureRequest, SigningIdentity};

use super::code::{check_code, SigningMaterial};
use super::completion::complete;
use super::{ensure_can_act, lock_link, LockedCollection};
use crate::collections::signer_keys::key_label;

/// What a signature changed, for the events that follow the commit.
pub struct Signed {
    pub signer: SignerRow,
    pub collection: CollectionRow,
    pub invited_next: Option<SignerId>,
    pub completed: bool,
}

/// With the right code, signs every document of the collection (PAdES B-T), debits the
/// cabinet, and invites the next signer or completes the collection — all in one
/// transaction: after a crash the signature happened completely or not at all.
///
/// With an outside time-stamping authority, waiting for it inside that transaction would
/// hold the collection's lock and a database connection for a network round trip. The
/// signatures are then prepared under the lock, time-stamped with no lock held, and stored
/// by a second transaction that checks again and finds every document at the revision that
/// was signed; when another signer added a revision meanwhile, it starts over.
pub async fn sign(
    db: &PgPool,
    pki: &std::sync::Arc<Pki>,
    kek: &KeyEncryptionKey,
    public_url: &str,
    token: &str,
    code: &str,
    meta: &RequestMeta,
) -> Result<Signed> {
    let issuer = links::LinkIssuer { public_url, kek };
    if !pki.time_stamps_remotely() {
        let (mut tx, ready) = open_signature(db, pki, kek, token, code, meta).await?;
        let stamped = time_stamp(prepare_documents(&ready).await?, pki).await?;
        let signed = record_signature(&mut tx, issuer, ready, stamped, meta).await?;
        tx.commit().await?;
        return Ok(signed);
    }
    for _ in 0..MAX_SIGNING_ROUNDS {
        let (lock, ready) = open_signature(db, pki, kek, token, code, meta).await?;
        // Nothing written: dropping the transaction releases the lock.
        drop(lock);
        let stamped = time_stamp(prepare_documents(&ready).await?, pki).await?;
        let (mut tx, ready) = open_signature(db, pki, kek, token, code, meta).await?;
        let unchanged = stamped.iter().all(|doc| {
            ready.documents.iter().any(|current| {
                current.id == doc.id && current.current_sha256 == doc.signed_revision
            })
        });
        if unchanged {
            let signed = record_signature(&mut tx, issuer, ready, stamped, meta).await?;
            tx.commit().await?;
            return Ok(signed);
        }
    }
    Err(CollectionError::Internal(
        "the documents kept changing while they were time-stamped".into(),
    ))
}

/// A transaction holding the collection's lock, with everything checked for the signature.
/// A refusal is committed before it is answered: a wrong code counts.
async fn open_signature(
    db: &PgPool,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    token: &str,
    code: &str,
    meta: &RequestMeta,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, ReadyToSign)> {
    let mut tx = db.begin().await?;
    match begin_signature(&mut tx, pki, kek, token, code, meta).await? {
        Ok(ready) => Ok((tx, ready)),
        Err(refusal) => {
            tx.commit().await?;
            Err(refusal)
        }
    }
}

/// Rounds of [`sign`] with an outside authority before giving up: each round lost means
/// another signer of the same collection signed meanwhile.
const MAX_SIGNING_ROUNDS: usize = 5;

/// A document of the collection as the signature finds it; `content` only for those to sign.
struct CurrentDocument {
    id: DocumentId,
    filename: String,
    kind: DocumentKind,
    current_sha256: Vec<u8>,
    content: Option<Vec<u8>>,
}

/// Everything checked and opened for a signature, under the collection's lock.
struct ReadyToSign {
    collection: CollectionRow,
    signer: SignerRow,
    signers: Vec<SignerRow>,
    key: std::sync::Arc<MemoryKey>,
    chain: std::sync::Arc<Vec<x509_cert::Certificate>>,
    documents: Vec<CurrentDocument>,
}

/// A document's signature made, its time-stamp still to come.
struct PreparedDocument {
    id: DocumentId,
    filename: String,
    signed_revision: Vec<u8>,
    signature: signing::PreparedSignature,
}

/// A document signed and time-stamped, with the revision it was signed on.
struct StampedDocument {
    id: DocumentId,
    filename: String,
    signed_revision: Vec<u8>,
    bytes: Vec<u8>,
}

/// Locks the collection, reads its signers, checks the code, opens the key and reads the
/// documents. A refusal is recorded in `conn`'s transaction, for the caller to commit.
async fn begin_signature(
    conn: &mut PgConnection,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    token: &str,
    code: &str,
    meta: &RequestMeta,
) -> Result<Result<ReadyToSign, CollectionError>> {
    // Every signer of the collection, read once the lock is held: this one, and the others
    // for what follows the signature (the next to invite, or completion).
    let LockedCollection {
        collection,
        signer_id,
        ..
    } = lock_link(conn, token).await?;
    let signers = crate::collections::signers(conn, collection.id).await?;
    let signer = signers
        .iter()
        .find(|s| s.id == signer_id)
        .cloned()
        .ok_or(CollectionError::LinkInvalid)?;
    ensure_can_act(&collection, &signer)?;
    if signer.accepted_at.is_none() {
        return Err(CollectionError::NotAccepted);
    }
    let mut material = SigningMaterial::read(conn, signer.id).await?;
    if let Err(refusal) = check_code(
        conn,
        kek,
        collection.id,
        signer.id,
        material.live_code(),
        code,
        meta,
    )
    .await?
    {
        return Ok(Err(refusal));
    }
    let SigningMaterial {
        key_nonce,
        key_sealed,
        certificate,
        personal_certificate_id,
        ..
    } = material;
    let (key, chain) = match (personal_certificate_id, key_nonce, key_sealed, certificate) {
        // The holder's own key: refused if the certificate was revoked since the code was sent.
        (Some(certificate_id), ..) => {
            let holder = certificates::open_for_signing(conn, pki, kek, certificate_id).await?;
            (holder.key, holder.chain)
        }
        (None, Some(nonce), Some(ciphertext), Some(certificate)) => {
            let key = kek
                .open(&SealedKey { nonce, ciphertext }, &key_label(signer.id))
                .map_err(|e| CollectionError::Internal(e.into()))?;
            let certificate = <x509_cert::Certificate as der::Decode>::from_der(&certificate)
                .map_err(|e| CollectionError::Internal(e.into()))?;
            // By its issuer: keys certified before the one-time CA existed came from the LCP CA.
            let above = pki
                .hierarchy
                .chain_above_certificate(&certificate)
                .ok_or_else(|| {
                    CollectionError::Internal(
                        format!("signer {}'s certificate has no issuer here", signer.id).into(),
                    )
                })?;
            let mut chain = vec![certificate];
            chain.extend(above);
            (key, chain)
        }
        _ => {
            return Err(CollectionError::Internal(
                format!("signer {} has a code but no key", signer.id).into(),
            ))
        }
    };
    // Attachments too (without their content): their hashes go into the completion's entry.
    let documents = sqlx::query_as!(
        CurrentDocument,
        r#"SELECT id AS "id: DocumentId", filename, kind AS "kind: DocumentKind", current_sha256,
                  CASE WHEN kind = 'to_sign' THEN content END AS "content?"
             FROM collection_documents WHERE collection_id = $1 ORDER BY position"#,
        collection.id.as_uuid(),
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Ok(ReadyToSign {
        collection,
        signer,
        signers,
        key: std::sync::Arc::new(key),
        chain: std::sync::Arc::new(chain),
        documents,
    }))
}

/// The CPU part of every document's signature, on blocking threads.
async fn prepare_documents(ready: &ReadyToSign) -> Result<Vec<PreparedDocument>> {
    let request = SignatureRequest {
        signer_name: ready.signer.full_name(),
        reason: Some(format!("Signature de « {} »", ready.collection.title)),
        location: None,
        time: Utc::now(),
        stamp: ready.signer.stamp(),
    };
    let mut prepared = Vec::new();
    for document in ready
        .documents
        .iter()
        .filter(|d| d.kind == DocumentKind::ToSign)
    {
        let Some(content) = document.content.clone() else {
            return Err(CollectionError::Internal(
                format!("document {} has no content", document.id).into(),
            ));
        };
        let (key, chain, request) = (ready.key.clone(), ready.chain.clone(), request.clone());
        let signature = tokio::task::spawn_blocking(move || {
            signing::PreparedSignature::new(
                &content,
                &request,
                &SigningIdentity {
                    key: &*key,
                    chain: &chain,
                },
            )
        })
        .await
        .map_err(|e| CollectionError::Internal(e.into()))??;
        prepared.push(PreparedDocument {
            id: document.id,
            filename: document.filename.clone(),
            signed_revision: document.current_sha256.clone(),
            signature,
        });
    }
    Ok(prepared)
}

async fn time_stamp(
    prepared: Vec<PreparedDocument>,
    pki: &std::sync::Arc<Pki>,
) -> Result<Vec<StampedDocument>> {
    let mut stamped = Vec::with_capacity(prepared.len());
    for document in prepared {
        stamped.push(StampedDocument {
            id: document.id,
            filename: document.filename,
            signed_revision: document.signed_revision,
            bytes: document.signature.time_stamped(&**pki).await?,
        });
    }
    Ok(stamped)
}

/// Stores the signed documents and everything that follows a signature, in `conn`'s
/// transaction, which holds the collection's lock since [`begin_signature`].
async fn record_signature(
    conn: &mut PgConnection,
    issuer: links::LinkIssuer<'_>,
    ready: ReadyToSign,
    stamped: Vec<StampedDocument>,
    meta: &RequestMeta,
) -> Result<Signed> {
    let ReadyToSign {
        collection,
        signer,
        mut signers,
        chain,
        documents,
        ..
    } = ready;
    let mut hashes = Vec::new();
    let mut final_hashes = Vec::new();
    for document in &documents {
        match stamped.iter().find(|s| s.id == document.id) {
            Some(signed) => {
                let sha256 = Sha256::digest(&signed.bytes).to_vec();
                sqlx::query!(
                    "UPDATE collection_documents SET content = $2, current_sha256 = $3 WHERE id = $1",
                    signed.id.as_uuid(),
                    &signed.bytes,
                    &sha256,
                )
                .execute(&mut *conn)
                .await?;
                hashes.push(NamedDigest {
                    id: signed.id,
                    filename: signed.filename.clone(),
                    sha256: hex::encode(&sha256),
                });
                final_hashes.push(DocumentDigest {
                    id: signed.id,
                    sha256: hex::encode(&sha256),
                });
            }
            None => final_hashes.push(DocumentDigest {
                id: document.id,
                sha256: hex::encode(&document.current_sha256),
            }),
        }
    }
    // One statement: the code closed, the signer signed and the key erased, the row back.
    let signer = sqlx::query_as!(
        SignerRow,
        r#"WITH code AS (UPDATE signing_codes SET closed_at = now() WHERE signer_id = $1 AND closed_at IS NULL)
           UPDATE signers SET status = 'signed', signed_at = now(), key_nonce = NULL, key_sealed = NULL WHERE id = $1
               RETURNING id AS "id: SignerId", collection_id AS "collection_id: CollectionId", position, user_id AS "user_id: UserId", contact_id AS "contact_id: ContactId", first_name, last_name, email, mobile, level,
                   status AS "status: SignerStatus", invited_at, opened_at, accepted_at, signed_at, refused_at, refusal_reason,
                   stamp_page, stamp_x, stamp_y, stamp_width, stamp_height,
                   COALESCE(language, (SELECT u.language FROM users u WHERE u.id = signers.user_id)) AS language"#,
        signer.id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let signed = AuditEvent::Signed {
        signer: signer.id,
        name: signer.full_name(),
        level: signer.level,
        certificate_serial: hex::encode(chain[0].tbs_certificate.serial_number.as_bytes()),
        documents: hashes,
    };
    audit::append(conn, collection.id, Actor::Signer(signer.id), meta, signed).await?;

    if let Some(entry) = signers.iter_mut().find(|s| s.id == signer.id) {
        *entry = signer.clone();
    }
    let mut invited_next = None;
    let completed = signers.iter().all(|s| s.status() == SignerStatus::Signed);
    let collection = if completed {
        complete(conn, issuer, &collection, &signers, final_hashes, meta).await?
    } else {
        if collection.mode() == SigningMode::Sequential {
            if let Some(next) = signers.iter().find(|s| s.status() == SignerStatus::Waiting) {
                invite(conn, issuer, &collection, next, false, meta, Actor::System).await?;
                invited_next = Some(next.id);
            }
        }
        collection
    };
    // Last: the debit locks the cabinet's row, which every signature of the cabinet needs;
    // held only for the commit, the cabinet's signers do not queue behind each other.
    billing::debit_signatures(
        conn,
        collection.cabinet_id,
        collection.id,
        signer.id,
        stamped.len() as i64,
    )
    .await?;
    Ok(Signed {
        signer,
        collection,
        invited_next,
        completed,
    })
}
