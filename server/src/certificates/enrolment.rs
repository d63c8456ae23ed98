//! The first-login wizard (SPEC §2): confirm the profile (mobile mandatory), verify the
//! identity, sign the subscription agreement with an SMS code, wait for the operator,
//! confirm the extracted data, receive the LCP certificate. It resumes where the user
//! left it: the step is computed from what is stored, never kept apart from it.

use chrono::{DateTime, Utc};
use paraphe_shared::Language;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::codes::{self, Purpose};
use super::{agreement, emails, CertificateError, CertificateRow, Result};
use crate::config::Config;
use crate::identity::verification::{self, VerificationRow};
use crate::identity::VerificationStatus;
use crate::ids::{CertificateId, UserId};
use crate::keys::KeyEncryptionKey;
use crate::notifications;
use crate::pki::{Level, Pki};
use crate::request_meta::RequestMeta;
use crate::signing::{self, PadesLevel, SignatureRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentStep {
    /// Confirm first name, last name and mobile.
    Profile,
    /// Send an identity document (again, after a rejection or disputed data).
    Identity,
    /// Read and sign the subscription agreement.
    Agreement,
    /// Waiting for the operator, or for the holder to confirm the extracted data.
    InProgress,
    /// The certificate is issued.
    Completed,
}

#[derive(Debug, Clone, Default)]
pub struct EnrolmentRow {
    pub profile_confirmed_at: Option<DateTime<Utc>>,
    pub agreement_accepted_at: Option<DateTime<Utc>>,
    pub agreement_signed_at: Option<DateTime<Utc>>,
    pub certificate_id: Option<CertificateId>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub struct Enrolment {
    pub step: EnrolmentStep,
    pub row: EnrolmentRow,
    pub verification: Option<VerificationRow>,
    pub certificate: Option<CertificateRow>,
}

async fn row(conn: &mut PgConnection, user_id: UserId) -> Result<EnrolmentRow> {
    Ok(sqlx::query_as!(
        EnrolmentRow,
        r#"SELECT profile_confirmed_at, agreement_accepted_at, agreement_signed_at,
                certificate_id AS "certificate_id: CertificateId", completed_at
           FROM enrolments WHERE user_id = $1"#,
        user_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or_default())
}

/// Locks the user's enrolment row (creating it): one step at a time per user.
async fn lock(conn: &mut PgConnection, user_id: UserId) -> Result<EnrolmentRow> {
    sqlx::query!(
        "INSERT INTO enrolments (user_id) VALUES ($1) ON CONFLICT DO NOTHING",
        user_id.as_uuid(),
    )
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_as!(
        EnrolmentRow,
        r#"SELECT profile_confirmed_at, agreement_accepted_at, agreement_signed_at,
                certificate_id AS "certificate_id: CertificateId", completed_at
           FROM enrolments WHERE user_id = $1 FOR UPDATE"#,
        user_id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// The latest verification made for the LCP certificate.
async fn lcp_verification(
    conn: &mut PgConnection,
    user_id: UserId,
) -> Result<Option<VerificationRow>> {
    verification::latest_for(conn, user_id, "lcp")
        .await
        .map_err(|e| CertificateError::Internal(e.into()))
}

fn step_of(row: &EnrolmentRow, verification: Option<&VerificationRow>) -> EnrolmentStep {
    if row.certificate_id.is_some() {
        return EnrolmentStep::Completed;
    }
    if row.profile_confirmed_at.is_none() {
        return EnrolmentStep::Profile;
    }
    let identity_sent = verification.is_some_and(|v| {
        matches!(
            v.status(),
            VerificationStatus::Checking
                | VerificationStatus::InReview
                | VerificationStatus::Approved
                | VerificationStatus::Confirmed
        )
    });
    if !identity_sent {
        return EnrolmentStep::Identity;
    }
    if row.agreement_signed_at.is_none() {
        return EnrolmentStep::Agreement;
    }
    EnrolmentStep::InProgress
}

pub async fn state(db: &PgPool, user_id: UserId) -> Result<Enrolment> {
    let mut conn = db.acquire().await?;
    let row = row(&mut conn, user_id).await?;
    let verification = lcp_verification(&mut conn, user_id).await?;
    let certificate = match row.certificate_id {
        Some(id) => Some(
            super::by_id(&mut conn, id)
                .await?
                .ok_or(CertificateError::Database(sqlx::Error::RowNotFound))?,
        ),
        None => None,
    };
    Ok(Enrolment {
        step: step_of(&row, verification.as_ref()),
        row,
        verification,
        certificate,
    })
}

pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    pub mobile: String,
}

/// Step 1: the profile inherited from the identity provider, confirmed; the mobile is
/// mandatory (it receives the codes).
pub async fn confirm_profile(
    db: &PgPool,
    user_id: UserId,
    profile: Profile,
    meta: &RequestMeta,
) -> Result<()> {
    let invalid = |e: paraphe_shared::ValidationError| CertificateError::Validation(e.to_string());
    let first_name = paraphe_shared::PersonName::parse(&profile.first_name).map_err(invalid)?;
    let last_name = paraphe_shared::PersonName::parse(&profile.last_name).map_err(invalid)?;
    if profile.mobile.trim().is_empty() {
        return Err(CertificateError::Validation(
            "le téléphone mobile est obligatoire : il reçoit vos codes de signature".into(),
        ));
    }
    let mobile = paraphe_shared::PhoneE164::parse(&profile.mobile).map_err(invalid)?;
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, user_id).await?;
    if row.certificate_id.is_some() {
        return Err(CertificateError::InvalidState(
            "votre certificat est émis : votre identité ne peut plus changer ici".into(),
        ));
    }
    sqlx::query!(
        "UPDATE users SET first_name = $2, last_name = $3, mobile = $4 WHERE id = $1",
        user_id.as_uuid(),
        first_name.as_str(),
        last_name.as_str(),
        mobile.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE enrolments SET profile_confirmed_at = now(), updated_at = now() WHERE user_id = $1",
        user_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    super::log(&mut tx, user_id, "profile_confirmed", meta, json!({ "firstName": first_name.as_str(), "lastName": last_name.as_str(), "mobile": mobile.as_str() })).await?;
    tx.commit().await?;
    Ok(())
}

struct Holder {
    first_name: String,
    last_name: String,
    email: String,
    mobile: String,
    language: Language,
}

async fn holder(conn: &mut PgConnection, user_id: UserId) -> Result<Holder> {
    let user = sqlx::query!(
        "SELECT first_name, last_name, email, mobile, language FROM users WHERE id = $1",
        user_id.as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let mobile = user.mobile.ok_or_else(|| {
        CertificateError::InvalidState(
            "confirmez d'abord votre profil et votre téléphone mobile".into(),
        )
    })?;
    Ok(Holder {
        first_name: user.first_name,
        last_name: user.last_name,
        email: user.email,
        mobile,
        language: crate::accounts::parse_language(user.language.as_deref()),
    })
}

impl Holder {
    fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name.to_uppercase())
    }
}

/// The agreement as it stands: signed if it is, otherwise the text to sign.
pub async fn agreement_pdf(db: &PgPool, user_id: UserId) -> Result<Vec<u8>> {
    let mut conn = db.acquire().await?;
    let signed = sqlx::query_scalar!(
        "SELECT agreement_pdf FROM enrolments WHERE user_id = $1",
        user_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(Some(pdf)) = signed {
        return Ok(pdf);
    }
    let holder = holder(&mut conn, user_id).await?;
    let today = crate::texts::date(holder.language, Utc::now());
    Ok(agreement::render(
        holder.language,
        &holder.name(),
        &holder.email,
        &holder.mobile,
        &today,
    )?)
}

pub struct CodeSent {
    pub expires_at: DateTime<Utc>,
    pub mobile_hint: String,
}

async fn ensure_step(
    conn: &mut PgConnection,
    user_id: UserId,
    row: &EnrolmentRow,
    expected: EnrolmentStep,
) -> Result<()> {
    let verification = lcp_verification(conn, user_id).await?;
    let step = step_of(row, verification.as_ref());
    if step != expected {
        return Err(CertificateError::InvalidState(match step {
            EnrolmentStep::Profile => "confirmez d'abord votre profil".into(),
            EnrolmentStep::Identity => "vérifiez d'abord votre identité".into(),
            EnrolmentStep::Agreement => "signez d'abord l'accord de souscription".into(),
            EnrolmentStep::InProgress => "l'accord de souscription est déjà signé".into(),
            EnrolmentStep::Completed => "votre enregistrement est terminé".into(),
        }));
    }
    Ok(())
}

/// "J'ai lu et j'accepte": sends the SMS code that signs the agreement (30 minutes).
pub async fn accept_agreement(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    meta: &RequestMeta,
) -> Result<CodeSent> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, user_id).await?;
    ensure_step(&mut tx, user_id, &row, EnrolmentStep::Agreement).await?;
    let holder = holder(&mut tx, user_id).await?;
    let (code, expires_at) = codes::issue(&mut tx, kek, user_id, Purpose::Agreement).await?;
    notifications::enqueue_sms(
        &mut tx,
        &holder.mobile,
        &emails::agreement_code_sms(holder.language, &code),
    )
    .await?;
    sqlx::query!(
        "UPDATE enrolments SET agreement_accepted_at = now(), updated_at = now() WHERE user_id = $1",
        user_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    let mobile_hint = crate::codes::mobile_hint(&holder.mobile);
    super::log(
        &mut tx,
        user_id,
        "agreement_accepted",
        meta,
        json!({ "version": agreement::VERSION, "mobile": mobile_hint }),
    )
    .await?;
    tx.commit().await?;
    Ok(CodeSent {
        expires_at,
        mobile_hint,
    })
}

/// The code signs the agreement: a PAdES B-T signature in the holder's name, with a key
/// made for this signature alone (the holder's own certificate does not exist yet), kept
/// with the enrolment. A wrong code is counted and committed before the refusal.
pub async fn sign_agreement(
    db: &PgPool,
    pki: &Pki,
    config: &Config,
    user_id: UserId,
    code: &str,
    meta: &RequestMeta,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, user_id).await?;
    ensure_step(&mut tx, user_id, &row, EnrolmentStep::Agreement).await?;
    if let Err(refusal) = codes::check(
        &mut tx,
        &config.key_encryption_key,
        user_id,
        Purpose::Agreement,
        code,
    )
    .await?
    {
        super::log(
            &mut tx,
            user_id,
            "agreement_code_failed",
            meta,
            json!({ "reason": refusal.to_string() }),
        )
        .await?;
        tx.commit().await?;
        return Err(refusal);
    }
    let holder = holder(&mut tx, user_id).await?;
    let now = Utc::now();
    let unsigned = agreement::render(
        holder.language,
        &holder.name(),
        &holder.email,
        &holder.mobile,
        &crate::texts::date(holder.language, now),
    )?;
    let key = super::generate_key().await?;
    let person = super::person_of(&mut tx, user_id, &holder.first_name, &holder.last_name).await?;
    // Nobody has checked this name yet: a one-time certificate, not an LCP one.
    let certificate = pki
        .issue_for_person(Level::OneTime, &person, key.public())
        .await?;
    let mut chain = vec![certificate];
    chain.extend(pki.hierarchy.chain_above(Level::OneTime));
    let request = SignatureRequest {
        signer_name: holder.name(),
        reason: Some("Accord de souscription".into()),
        location: None,
        time: now,
        stamp: None,
    };
    let signed =
        signing::sign_at_level(&unsigned, &request, &key, &chain, PadesLevel::BT, pki).await?;
    let sha256 = Sha256::digest(&signed).to_vec();
    sqlx::query!(
        "UPDATE enrolments SET agreement_signed_at = now(), agreement_pdf = $2, agreement_sha256 = $3, updated_at = now() WHERE user_id = $1",
        user_id.as_uuid(),
        &signed,
        &sha256,
    )
    .execute(&mut *tx)
    .await?;
    super::log(&mut tx, user_id, "agreement_signed", meta, json!({ "version": agreement::VERSION, "language": holder.language.code(), "sha256": hex::encode(&sha256) })).await?;
    let text = emails::request_in_progress(holder.language, &holder.first_name);
    notifications::enqueue_email(&mut tx, &holder.email, None, &text.subject, &text.body).await?;
    tx.commit().await?;
    issue_when_ready(db, pki, config, user_id).await?;
    Ok(())
}

/// Issues the LCP certificate once everything is there: agreement signed, identity
/// approved by the operator and confirmed by the holder. Called after each of the last
/// two; idempotent.
pub async fn issue_when_ready(
    db: &PgPool,
    pki: &Pki,
    config: &Config,
    user_id: UserId,
) -> Result<Option<CertificateRow>> {
    let mut tx = db.begin().await?;
    let row = lock(&mut tx, user_id).await?;
    if row.certificate_id.is_some() || row.agreement_signed_at.is_none() {
        return Ok(None);
    }
    let Some(verification) = lcp_verification(&mut tx, user_id)
        .await?
        .filter(|v| v.status() == VerificationStatus::Confirmed)
    else {
        return Ok(None);
    };
    // The certificate names the person as verified: the declaration the document matched.
    let person = super::person_of(
        &mut tx,
        user_id,
        &verification.first_name,
        &verification.last_name,
    )
    .await?;
    let certificate = super::issue(
        &mut tx,
        pki,
        &config.key_encryption_key,
        user_id,
        Level::Lcp,
        &person,
        Some(verification.id),
    )
    .await?;
    sqlx::query!(
        "UPDATE enrolments SET certificate_id = $2, completed_at = now(), updated_at = now() WHERE user_id = $1",
        user_id.as_uuid(),
        certificate.id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    let language = crate::accounts::language_of(&mut tx, user_id).await?;
    let text = emails::congratulations(language, &verification.first_name, &config.public_url);
    notifications::enqueue_email(&mut tx, &person.email, None, &text.subject, &text.body).await?;
    tx.commit().await?;
    Ok(Some(certificate))
}
