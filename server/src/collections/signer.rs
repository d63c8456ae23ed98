//! The signer's side, reached through a personal link (no account): open, read and accept,
//! receive a code by SMS, sign every document with it, or refuse.
//!
//! Level-1 signatures are made with a key generated for this signer alone and a one-time
//! certificate in the signer's name issued on the fly (see ARCHITECTURE.md for why not a
//! platform certificate). The key is made when the first code is sent, kept sealed under
//! the key-encryption key, and opened only by [`sign`] after the code matched: the
//! one-time code is the only door to it. It is erased once it signed.

use chrono::{DateTime, Duration, Utc};
use paraphe_shared::Language;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::prepare::invite;
use super::{
    emails, links, token_hash, CollectionError, CollectionRow, CollectionStatus, DocumentKind,
    Result, SignerRow, SignerStatus, SigningMode, SIGNER_COLUMNS,
};
use crate::audit::{self, Actor};
use crate::billing;
use crate::certificates::{self, CertificateError, CertificateRow};
use crate::codes;
use crate::keys::{KeyEncryptionKey, MemoryKey, SealedKey};
use crate::notifications;
use crate::pki::{Level, PersonIdentity, Pki};
use crate::request_meta::RequestMeta;
use crate::signing::{self, SignatureRequest, SigningIdentity};

/// A signing code's validity; the other rules are the platform's (`crate::codes`).
pub const CODE_VALIDITY_MINUTES: i64 = 30;

/// The signer behind a link, with whether a key or certificate is already set for them.
#[derive(sqlx::FromRow)]
struct LinkedSigner {
    #[sqlx(flatten)]
    signer: SignerRow,
    has_key: bool,
}

fn linked_signer_where(condition: &str) -> String {
    format!("SELECT {SIGNER_COLUMNS}, certificate IS NOT NULL AS has_key FROM signers WHERE {condition}")
}

/// Without locking: for reading only.
async fn signer_of_link(conn: &mut PgConnection, token: &str) -> Result<SignerRow> {
    #[derive(sqlx::FromRow)]
    struct Linked {
        #[sqlx(flatten)]
        signer: SignerRow,
        link_expires_at: DateTime<Utc>,
    }
    let linked: Linked = sqlx::query_as(&format!(
        "SELECT {SIGNER_COLUMNS}, l.expires_at AS link_expires_at
           FROM signer_links l JOIN signers ON signers.id = l.signer_id
          WHERE l.token_hash = $1"
    ))
    .bind(token_hash(token))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::LinkInvalid)?;
    if links::is_expired(linked.link_expires_at) {
        let collection = super::get(&mut *conn, linked.signer.collection_id).await?;
        return Err(expired_link(&collection));
    }
    Ok(linked.signer)
}

#[derive(sqlx::FromRow)]
struct LockedCollection {
    #[sqlx(flatten)]
    collection: CollectionRow,
    signer_id: Uuid,
    link_expires_at: DateTime<Utc>,
}

/// The signer and collection behind a link, the collection's row locked. The signer is
/// read after the lock is granted, so it is as the previous holder of the lock left it
/// (read in the locking statement, it could predate a signature that just committed).
async fn resolve_locked(
    conn: &mut PgConnection,
    token: &str,
) -> Result<(SignerRow, CollectionRow)> {
    let (linked, collection) = resolve_locked_with_key(conn, token).await?;
    Ok((linked.signer, collection))
}

async fn resolve_locked_with_key(
    conn: &mut PgConnection,
    token: &str,
) -> Result<(LinkedSigner, CollectionRow)> {
    let locked = lock_link(conn, token).await?;
    let signer = sqlx::query_as(&linked_signer_where("id = $1"))
        .bind(locked.signer_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((signer, locked.collection))
}

/// Locks the collection behind a link; the caller reads the signer afterwards.
async fn lock_link(conn: &mut PgConnection, token: &str) -> Result<LockedCollection> {
    sqlx::query_as(
        "SELECT c.*, l.signer_id, l.expires_at AS link_expires_at FROM signer_links l
         JOIN signers s ON s.id = l.signer_id
         JOIN collections c ON c.id = s.collection_id
         WHERE l.token_hash = $1
         FOR UPDATE OF c",
    )
    .bind(token_hash(token))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CollectionError::LinkInvalid)
    .and_then(|locked: LockedCollection| {
        if links::is_expired(locked.link_expires_at) {
            return Err(expired_link(&locked.collection));
        }
        Ok(locked)
    })
}

/// A link of an ended collection is dead, except a completed one's, which still downloads
/// the signed documents until they are purged.
fn ensure_live(collection: &CollectionRow) -> Result<()> {
    match collection.status() {
        CollectionStatus::Active => Ok(()),
        CollectionStatus::Completed if collection.purged_at.is_none() => Ok(()),
        status => Err(CollectionError::Closed(if collection.purged_at.is_some() {
            "archivée"
        } else {
            status.ended_as()
        })),
    }
}

/// What a link past its own expiry answers: an ended collection says so, rather than
/// "this link expired".
fn expired_link(collection: &CollectionRow) -> CollectionError {
    match ensure_live(collection) {
        Err(closed) => closed,
        Ok(()) => CollectionError::LinkExpired,
    }
}

/// Signing actions need a running collection and a signer whose turn it is.
fn ensure_can_act(collection: &CollectionRow, signer: &SignerRow) -> Result<()> {
    if collection.status() != CollectionStatus::Active {
        return Err(CollectionError::Closed(collection.status().ended_as()));
    }
    match signer.status() {
        SignerStatus::Invited => Ok(()),
        SignerStatus::Signed => Err(CollectionError::InvalidState("vous avez déjà signé".into())),
        SignerStatus::Refused => Err(CollectionError::InvalidState(
            "vous avez refusé de signer".into(),
        )),
        SignerStatus::Waiting => Err(CollectionError::InvalidState(
            "ce n'est pas encore votre tour de signer".into(),
        )),
    }
}

/// Opens the link: what the signer's page shows. The first opening is recorded.
pub async fn open(
    db: &PgPool,
    token: &str,
    meta: &RequestMeta,
) -> Result<(SignerRow, CollectionRow, bool)> {
    let mut tx = db.begin().await?;
    let (mut signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_live(&collection)?;
    let first_open = signer.opened_at.is_none() && collection.status() == CollectionStatus::Active;
    if first_open {
        signer = sqlx::query_as(&format!(
            "UPDATE signers SET opened_at = now() WHERE id = $1 RETURNING {SIGNER_COLUMNS}"
        ))
        .bind(signer.id)
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            collection.id,
            "opened",
            Actor::Signer(signer.id),
            meta,
            json!({ "signer": signer.id }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok((signer, collection, first_open))
}

/// "J'ai lu et j'accepte le(s) document(s)".
pub async fn accept(
    db: &PgPool,
    token: &str,
    meta: &RequestMeta,
) -> Result<(SignerRow, CollectionRow)> {
    let mut tx = db.begin().await?;
    let (mut signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    if signer.accepted_at.is_none() {
        signer = sqlx::query_as(&format!("UPDATE signers SET accepted_at = now(), opened_at = COALESCE(opened_at, now()) WHERE id = $1 RETURNING {SIGNER_COLUMNS}"))
            .bind(signer.id)
            .fetch_one(&mut *tx)
            .await?;
        let documents = super::documents(&mut tx, collection.id).await?;
        audit::append(&mut tx, collection.id, "documents_accepted", Actor::Signer(signer.id), meta, json!({
            "signer": signer.id,
            "documents": documents.iter().map(|d| json!({ "id": d.id, "sha256": hex::encode(&d.current_sha256), "pages": d.pages })).collect::<Vec<_>>(),
        }))
        .await?;
    }
    tx.commit().await?;
    Ok((signer, collection))
}

/// "+33612345678" → "+33 6 •• •• •• 78": enough for the signer to recognise their phone.
pub fn mobile_hint(mobile: &str) -> String {
    let tail: String = mobile
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}•••••{tail}", mobile.chars().take(4).collect::<String>())
}

pub struct CodeSent {
    pub expires_at: DateTime<Utc>,
    pub mobile_hint: String,
    pub signer: SignerRow,
    pub collection: CollectionRow,
}

fn key_label(signer_id: Uuid) -> String {
    format!("signer:{signer_id}")
}

/// A key and a one-time certificate (the name the preparer typed) for this signer alone, taken from the pool and recorded in
/// the caller's transaction; `None` when the pool is empty.
async fn signer_key_from_pool(
    conn: &mut PgConnection,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    signer: &SignerRow,
) -> Result<Option<(SealedKey, Vec<u8>)>> {
    let pooled = crate::keys::pool::take(&mut *conn, kek)
        .await
        .map_err(|e| CollectionError::Internal(e.into()))?;
    match pooled {
        Some(key) => Ok(Some(certify_signer_key(conn, pki, kek, signer, key).await?)),
        None => Ok(None),
    }
}

async fn certify_signer_key(
    conn: &mut PgConnection,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    signer: &SignerRow,
    key: MemoryKey,
) -> Result<(SealedKey, Vec<u8>)> {
    let person = PersonIdentity {
        first_name: signer.first_name.clone(),
        last_name: signer.last_name.clone(),
        email: signer.email.clone(),
        serial_number: format!("PARAPHE-S-{}", signer.id.simple()),
    };
    let certificate = pki
        .issue_for_person_in(conn, Level::OneTime, &person, key.public())
        .await
        .map_err(|e| CollectionError::Internal(e.into()))?;
    let der = crate::pki::certificate_der(&certificate)
        .map_err(|e| CollectionError::Internal(e.into()))?;
    let sealed = kek
        .seal(&key, &key_label(signer.id))
        .map_err(|e| CollectionError::Internal(e.into()))?;
    Ok((sealed, der))
}

/// The account whose certificates a signer may use: the member themself, or the person
/// with the signer's email who holds an account (someone who created a certificate).
pub async fn certificate_holder(
    conn: &mut PgConnection,
    user_id: Option<Uuid>,
    email: &str,
) -> Result<Option<Uuid>> {
    if user_id.is_some() {
        return Ok(user_id);
    }
    let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM users WHERE email = lower($1)")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.map(|(id,)| id))
}

/// The certificate a signer signs with when it is their own: cabinet members (who must
/// have enrolled) and every level-2 or level-3 signer. `None` for an outside level-1
/// signer, who gets a key and certificate for this signature alone.
async fn personal_certificate(
    conn: &mut PgConnection,
    signer: &SignerRow,
) -> Result<Option<CertificateRow>> {
    if signer.user_id.is_none() && signer.level == 1 {
        return Ok(None);
    }
    let needed = if signer.level == 3 {
        Level::Qcp
    } else {
        Level::Lcp
    };
    let live = match certificate_holder(conn, signer.user_id, &signer.email).await? {
        Some(holder) => certificates::live(conn, holder, needed).await?,
        None => None,
    };
    match live {
        Some(certificate) => Ok(Some(certificate)),
        None if signer.user_id.is_some() && needed == Level::Lcp => {
            Err(CertificateError::EnrolmentRequired.into())
        }
        None => Err(CollectionError::CertificateRequired(signer.level)),
    }
}

/// Whether this signer must create a certificate before signing: an outside signer at
/// level 2 or more without a live certificate of that level.
pub async fn needs_certificate(conn: &mut PgConnection, signer: &SignerRow) -> Result<bool> {
    if signer.level < 2 || signer.user_id.is_some() {
        return Ok(false);
    }
    Ok(matches!(
        personal_certificate(conn, signer).await,
        Err(CollectionError::CertificateRequired(_))
    ))
}

/// "Créer mon certificat": the account of an outside signer who must create one, made
/// from the link (the link is already their credential). Never an account someone logs in
/// to with a password or that belongs to a cabinet: those enrol after logging in.
pub async fn begin_certificate_creation(
    db: &PgPool,
    token: &str,
    meta: &RequestMeta,
) -> Result<Uuid> {
    let mut tx = db.begin().await?;
    let (signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    if signer.user_id.is_some() {
        return Err(CollectionError::InvalidState(
            "connectez-vous à votre compte pour créer votre certificat".into(),
        ));
    }
    if !needs_certificate(&mut tx, &signer).await? {
        return Err(CollectionError::InvalidState(
            "votre signature ne demande pas de nouveau certificat".into(),
        ));
    }
    let existing: Option<(Uuid, bool)> = sqlx::query_as(
        "SELECT u.id, (u.password_hash IS NOT NULL OR u.is_operator OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id))
         FROM users u WHERE u.email = lower($1)",
    )
    .bind(&signer.email)
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = match existing {
        Some((_, true)) => {
            return Err(CollectionError::InvalidState(
                "un compte existe à cette adresse : connectez-vous pour créer votre certificat"
                    .into(),
            ))
        }
        Some((id, false)) => id,
        None => {
            let (id,): (Uuid,) = sqlx::query_as("INSERT INTO users (email, first_name, last_name, mobile) VALUES (lower($1), $2, $3, $4) RETURNING id")
                .bind(&signer.email)
                .bind(&signer.first_name)
                .bind(&signer.last_name)
                .bind(&signer.mobile)
                .fetch_one(&mut *tx)
                .await?;
            id
        }
    };
    audit::append(
        &mut tx,
        collection.id,
        "certificate_creation_started",
        Actor::Signer(signer.id),
        meta,
        json!({ "signer": signer.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Sends a 6-digit code by SMS, valid 30 minutes; it replaces any earlier code.
pub async fn request_code(
    db: &PgPool,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    token: &str,
    meta: &RequestMeta,
) -> Result<CodeSent> {
    match send_code(db, pki, kek, token, meta, None).await? {
        Sending::Sent(sent) => Ok(*sent),
        Sending::NeedsKey => {
            // The pool ran dry: the key is made outside any transaction (it takes a while
            // and must not hold the collection's lock), then the request runs again.
            let key = tokio::task::spawn_blocking(crate::pki::generate_key)
                .await
                .map_err(|e| CollectionError::Internal(e.into()))?
                .map_err(|e| CollectionError::Internal(e.into()))?;
            match send_code(db, pki, kek, token, meta, Some(key)).await? {
                Sending::Sent(sent) => Ok(*sent),
                Sending::NeedsKey => Err(CollectionError::Internal(
                    "a freshly made key was not used".into(),
                )),
            }
        }
    }
}

enum Sending {
    Sent(Box<CodeSent>),
    NeedsKey,
}

/// One attempt at [`request_code`], in one transaction: every check comes before a key is
/// taken, so a refused request uses none.
async fn send_code(
    db: &PgPool,
    pki: &Pki,
    kek: &KeyEncryptionKey,
    token: &str,
    meta: &RequestMeta,
    made_key: Option<MemoryKey>,
) -> Result<Sending> {
    let mut tx = db.begin().await?;
    let (LinkedSigner { signer, has_key }, collection) =
        resolve_locked_with_key(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    if signer.accepted_at.is_none() {
        return Err(CollectionError::NotAccepted);
    }
    let personal = personal_certificate(&mut tx, &signer).await?;
    let (code, expires_at) = codes::issue(
        &mut tx,
        kek,
        codes::Holder::Signer(signer.id),
        Duration::minutes(CODE_VALIDITY_MINUTES),
    )
    .await?
    .ok_or(CollectionError::TooManyCodes)?;
    if let Some(certificate) = &personal {
        sqlx::query("UPDATE signers SET personal_certificate_id = $2, certificate = $3, key_nonce = NULL, key_sealed = NULL WHERE id = $1")
            .bind(signer.id)
            .bind(certificate.id)
            .bind(&certificate.certificate)
            .execute(&mut *tx)
            .await?;
    } else if !has_key {
        let new_key = match made_key {
            Some(key) => certify_signer_key(&mut tx, pki, kek, &signer, key).await?,
            None => match signer_key_from_pool(&mut tx, pki, kek, &signer).await? {
                Some(new_key) => new_key,
                None => return Ok(Sending::NeedsKey),
            },
        };
        let (sealed, certificate) = new_key;
        sqlx::query(
            "UPDATE signers SET key_nonce = $2, key_sealed = $3, certificate = $4 WHERE id = $1",
        )
        .bind(signer.id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .bind(&certificate)
        .execute(&mut *tx)
        .await?;
    }
    // Sole control: a code that unlocks the holder's own certificate goes to the mobile the
    // holder enrolled, whatever mobile the preparer typed for this collection.
    let mobile = match &personal {
        Some(certificate) => enrolled_mobile(&mut tx, certificate.user_id).await?,
        None => signer.mobile.clone(),
    };
    notifications::enqueue_sms(
        &mut tx,
        &mobile,
        &emails::code_sms(signer.language(), &code),
    )
    .await?;
    audit::append(
        &mut tx,
        collection.id,
        "code_sent",
        Actor::Signer(signer.id),
        meta,
        json!({ "signer": signer.id, "mobile": mobile_hint(&mobile) }),
    )
    .await?;
    tx.commit().await?;
    Ok(Sending::Sent(Box::new(CodeSent {
        expires_at,
        mobile_hint: mobile_hint(&mobile),
        signer,
        collection,
    })))
}

/// The mobile a certificate holder confirmed at enrolment (where the agreement's code went).
async fn enrolled_mobile(conn: &mut PgConnection, holder: Uuid) -> Result<String> {
    let mobile: Option<String> = sqlx::query_scalar("SELECT mobile FROM users WHERE id = $1")
        .bind(holder)
        .fetch_one(&mut *conn)
        .await?;
    mobile
        .filter(|m| !m.is_empty())
        .ok_or_else(|| CertificateError::EnrolmentRequired.into())
}

/// What a signature needs from the signer's row: the key (or the certificate of their
/// own), and the live code, read together.
#[derive(sqlx::FromRow)]
struct SigningMaterial {
    key_nonce: Option<Vec<u8>>,
    key_sealed: Option<Vec<u8>>,
    certificate: Option<Vec<u8>>,
    personal_certificate_id: Option<Uuid>,
    code_id: Option<Uuid>,
    code_hash: Option<Vec<u8>>,
    code_expires_at: Option<DateTime<Utc>>,
    code_failed_attempts: Option<i32>,
}

impl SigningMaterial {
    async fn read(conn: &mut PgConnection, signer_id: Uuid) -> Result<Self> {
        Ok(sqlx::query_as(
            "SELECT s.key_nonce, s.key_sealed, s.certificate, s.personal_certificate_id,
                    c.id AS code_id, c.code_hash, c.expires_at AS code_expires_at, c.failed_attempts AS code_failed_attempts
             FROM signers s
             LEFT JOIN LATERAL (SELECT id, code_hash, expires_at, failed_attempts FROM signing_codes
                                WHERE signer_id = s.id AND closed_at IS NULL ORDER BY sent_at DESC LIMIT 1) c ON true
             WHERE s.id = $1",
        )
        .bind(signer_id)
        .fetch_one(&mut *conn)
        .await?)
    }

    fn live_code(&mut self) -> Option<codes::LiveCode> {
        Some(codes::LiveCode {
            id: self.code_id?,
            code_hash: self.code_hash.take()?,
            expires_at: self.code_expires_at?,
            failed_attempts: self.code_failed_attempts?,
        })
    }
}

/// Checks `code` against the signer's live code. A failure is recorded (on the code and
/// in the trail) in `conn`'s transaction, which the caller commits before answering the
/// error; a code that matched is closed by the caller with the signature it allows.
async fn check_code(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    collection_id: Uuid,
    signer_id: Uuid,
    live: Option<codes::LiveCode>,
    code: &str,
    meta: &RequestMeta,
) -> Result<Result<(), CollectionError>> {
    let attempts = live.as_ref().map_or(0, |live| live.failed_attempts + 1);
    let refusal =
        match codes::check(conn, kek, codes::Holder::Signer(signer_id), live, code).await? {
            Ok(()) => return Ok(Ok(())),
            Err(refusal) => refusal,
        };
    let detail = match refusal {
        codes::Refusal::NotSent => return Ok(Err(CollectionError::OtpNotSent)),
        codes::Refusal::Expired => json!({ "signer": signer_id, "reason": "expired" }),
        codes::Refusal::Wrong(_) | codes::Refusal::Locked => {
            json!({ "signer": signer_id, "reason": "wrong", "attempt": attempts })
        }
    };
    audit::append(
        conn,
        collection_id,
        "code_failed",
        Actor::Signer(signer_id),
        meta,
        detail,
    )
    .await?;
    Ok(Err(match refusal {
        codes::Refusal::NotSent => CollectionError::OtpNotSent,
        codes::Refusal::Expired => CollectionError::OtpExpired,
        codes::Refusal::Wrong(left) => CollectionError::OtpInvalid(left),
        codes::Refusal::Locked => CollectionError::OtpLocked,
    }))
}

/// What a signature changed, for the events that follow the commit.
pub struct Signed {
    pub signer: SignerRow,
    pub collection: CollectionRow,
    pub invited_next: Option<Uuid>,
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
#[derive(sqlx::FromRow)]
struct CurrentDocument {
    id: Uuid,
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
    id: Uuid,
    filename: String,
    signed_revision: Vec<u8>,
    signature: signing::PreparedSignature,
}

/// A document signed and time-stamped, with the revision it was signed on.
struct StampedDocument {
    id: Uuid,
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
    let signers = super::signers(conn, collection.id).await?;
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
    let documents: Vec<CurrentDocument> = sqlx::query_as(
        "SELECT id, filename, kind, current_sha256, CASE WHEN kind = 'to_sign' THEN content END AS content
         FROM collection_documents WHERE collection_id = $1 ORDER BY position",
    )
    .bind(collection.id)
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
                sqlx::query("UPDATE collection_documents SET content = $2, current_sha256 = $3 WHERE id = $1")
                    .bind(signed.id)
                    .bind(&signed.bytes)
                    .bind(&sha256)
                    .execute(&mut *conn)
                    .await?;
                hashes.push(json!({ "id": signed.id, "filename": signed.filename, "sha256": hex::encode(&sha256) }));
                final_hashes.push(json!({ "id": signed.id, "sha256": hex::encode(&sha256) }));
            }
            None => final_hashes.push(
                json!({ "id": document.id, "sha256": hex::encode(&document.current_sha256) }),
            ),
        }
    }
    let signer: SignerRow = sqlx::query_as(&format!(
        "WITH code AS (UPDATE signing_codes SET closed_at = now() WHERE signer_id = $1 AND closed_at IS NULL)
         UPDATE signers SET status = 'signed', signed_at = now(), key_nonce = NULL, key_sealed = NULL WHERE id = $1
         RETURNING {SIGNER_COLUMNS}"
    ))
    .bind(signer.id)
    .fetch_one(&mut *conn)
    .await?;
    audit::append(
        conn,
        collection.id,
        "signed",
        Actor::Signer(signer.id),
        meta,
        json!({
            "signer": signer.id,
            "name": signer.full_name(),
            "level": signer.level,
            "certificate_serial": hex::encode(chain[0].tbs_certificate.serial_number.as_bytes()),
            "documents": hashes,
        }),
    )
    .await?;

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

/// The collection as completion left it, with what its emails need.
#[derive(sqlx::FromRow)]
struct CompletedCollection {
    #[sqlx(flatten)]
    collection: CollectionRow,
    cabinet_name: String,
    preparer_email: String,
    preparer_language: Option<String>,
}

/// Everybody signed: the collection ends and every party gets a link to the signed PDFs.
/// `documents` are the final hashes, for the trail.
async fn complete(
    conn: &mut PgConnection,
    issuer: links::LinkIssuer<'_>,
    collection: &CollectionRow,
    signers: &[SignerRow],
    documents: Vec<serde_json::Value>,
    meta: &RequestMeta,
) -> Result<CollectionRow> {
    let completed: CompletedCollection = sqlx::query_as(
        "UPDATE collections c SET status = 'completed', ended_at = now() WHERE id = $1
         RETURNING c.*, (SELECT name FROM cabinets WHERE id = c.cabinet_id) AS cabinet_name,
                   (SELECT email FROM users WHERE id = c.created_by) AS preparer_email,
                   (SELECT language FROM users WHERE id = c.created_by) AS preparer_language",
    )
    .bind(collection.id)
    .fetch_one(&mut *conn)
    .await?;
    // Downloads last as long as the documents: until the purge, for the links the signers
    // already hold as for the new ones.
    let signer_ids: Vec<Uuid> = signers.iter().map(|s| s.id).collect();
    let until_purge = Utc::now() + Duration::days(super::RETENTION_DAYS);
    links::extend_live(conn, &signer_ids, until_purge).await?;
    let tokens = links::completion(conn, &signer_ids, until_purge).await?;
    let mut texts = Vec::with_capacity(signers.len() + 1);
    for (signer, token) in signers.iter().zip(&tokens) {
        texts.push((
            signer.email.clone(),
            emails::completed(
                signer.language(),
                &collection.title,
                &issuer.signer_page(token),
            ),
        ));
    }
    if !signers.iter().any(|s| s.email == completed.preparer_email) {
        let language = completed
            .preparer_language
            .as_deref()
            .and_then(|code| code.parse().ok())
            .unwrap_or_default();
        texts.push((
            completed.preparer_email.clone(),
            emails::completed(
                language,
                &collection.title,
                &format!("{}/collections/{}", issuer.public_url, collection.id),
            ),
        ));
    }
    let outgoing: Vec<notifications::Email<'_>> = texts
        .iter()
        .map(|(to, text)| notifications::Email {
            to,
            subject: &text.subject,
            body: &text.body,
        })
        .collect();
    notifications::enqueue_emails(conn, Some(&completed.cabinet_name), &outgoing).await?;
    audit::append(
        conn,
        collection.id,
        "completed",
        Actor::System,
        meta,
        json!({ "documents": documents }),
    )
    .await?;
    Ok(completed.collection)
}

/// The cabinet's name (the emails' sender name), the preparer's email and language.
async fn cabinet_and_preparer(
    conn: &mut PgConnection,
    collection: &CollectionRow,
) -> Result<(String, String, Language)> {
    let (cabinet, email, language): (String, String, Option<String>) =
        sqlx::query_as("SELECT (SELECT name FROM cabinets WHERE id = $1), u.email, u.language FROM users u WHERE u.id = $2")
            .bind(collection.cabinet_id)
            .bind(collection.created_by)
            .fetch_one(&mut *conn)
            .await?;
    Ok((
        cabinet,
        email,
        language
            .and_then(|code| code.parse().ok())
            .unwrap_or_default(),
    ))
}

/// Refusal ends the collection for everybody; the preparer is told, nobody gets documents.
pub async fn refuse(
    db: &PgPool,
    public_url: &str,
    token: &str,
    reason: Option<&str>,
    meta: &RequestMeta,
) -> Result<(SignerRow, CollectionRow)> {
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(2000).collect::<String>());
    let mut tx = db.begin().await?;
    let (signer, collection) = resolve_locked(&mut tx, token).await?;
    ensure_can_act(&collection, &signer)?;
    let signer: SignerRow = sqlx::query_as(&format!(
        "UPDATE signers SET status = 'refused', refused_at = now(), refusal_reason = $2, key_nonce = NULL, key_sealed = NULL WHERE id = $1
         RETURNING {SIGNER_COLUMNS}"
    ))
    .bind(signer.id)
    .bind(&reason)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE signing_codes SET closed_at = now() WHERE signer_id = $1 AND closed_at IS NULL",
    )
    .bind(signer.id)
    .execute(&mut *tx)
    .await?;
    let collection: CollectionRow = sqlx::query_as(
        "UPDATE collections SET status = 'refused', ended_at = now() WHERE id = $1 RETURNING *",
    )
    .bind(collection.id)
    .fetch_one(&mut *tx)
    .await?;
    let (cabinet, preparer, preparer_language) = cabinet_and_preparer(&mut tx, &collection).await?;
    let text = emails::refused_to_preparer(
        preparer_language,
        &collection.title,
        &signer.full_name(),
        reason.as_deref(),
        &format!("{public_url}/collections/{}", collection.id),
    );
    notifications::enqueue_email(
        &mut tx,
        &preparer,
        Some(&cabinet),
        &text.subject,
        &text.body,
    )
    .await?;
    for other in super::signers(&mut tx, collection.id).await? {
        if other.id != signer.id && other.status() == SignerStatus::Invited {
            let text = emails::ended_to_signer(
                other.language(),
                &cabinet,
                &collection.title,
                emails::Ending::Refused,
            );
            notifications::enqueue_email(
                &mut tx,
                &other.email,
                Some(&cabinet),
                &text.subject,
                &text.body,
            )
            .await?;
        }
    }
    audit::append(
        &mut tx,
        collection.id,
        "refused",
        Actor::Signer(signer.id),
        meta,
        json!({ "signer": signer.id, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok((signer, collection))
}

/// A document the link's holder may read: while the collection runs, or its signed
/// version once completed (until purged).
pub async fn document(db: &PgPool, token: &str, document_id: Uuid) -> Result<(String, Vec<u8>)> {
    let mut conn = db.acquire().await?;
    let signer = signer_of_link(&mut conn, token).await?;
    let collection_id = signer.collection_id;
    ensure_live(&super::get(&mut conn, collection_id).await?)?;
    if signer.status() == SignerStatus::Waiting {
        return Err(CollectionError::InvalidState(
            "ce n'est pas encore votre tour".into(),
        ));
    }
    let row: Option<(String, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT filename, content FROM collection_documents WHERE id = $1 AND collection_id = $2",
    )
    .bind(document_id)
    .bind(collection_id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some((filename, Some(content))) => Ok((filename, content)),
        Some((_, None)) => Err(CollectionError::Closed("archivée")),
        None => Err(CollectionError::NotFound),
    }
}
