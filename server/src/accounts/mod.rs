//! People and how they prove who they are.
//!
//! A login method (password here; single sign-on through OpenID Connect in `oidc/`, with
//! `external_identities`) only has to find a user id: [`sessions::open`] then issues the
//! cookie the same way for every method.

pub mod cleanup;
pub mod emails;
pub mod graphql;
pub mod oidc;
pub mod password;
pub mod recovery;
pub mod sessions;

use paraphe_shared::{Email, Language, PersonName, PhoneE164};
use sqlx::PgPool;

pub use sessions::Viewer;

use crate::ids::UserId;

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("e-mail ou mot de passe incorrect")]
    InvalidCredentials,
    #[error("trop de tentatives de connexion ; réessayez dans quelques minutes")]
    TooManyAttempts,
    #[error("un compte existe déjà avec cet e-mail")]
    EmailTaken,
    #[error(transparent)]
    Invalid(#[from] paraphe_shared::ValidationError),
    #[error("ce lien n'existe pas")]
    LinkInvalid,
    #[error("ce lien a expiré : demandez-en un nouveau")]
    LinkExpired,
    #[error("ce lien a déjà servi : demandez-en un nouveau")]
    LinkUsed,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub mobile: Option<String>,
    /// Reviews identity documents in the back office.
    pub is_operator: bool,
    /// The language chosen in the app (`fr`, `en`); `None`: not chosen, French is used.
    pub language: Option<String>,
}

/// A stored language code; French when none is stored (or an unknown one, which the
/// column's CHECK forbids).
pub fn parse_language(stored: Option<&str>) -> Language {
    stored
        .and_then(|code| code.parse().ok())
        .unwrap_or_default()
}

/// The language a user reads, for what the server writes to them.
pub async fn language_of(
    conn: &mut sqlx::PgConnection,
    user_id: UserId,
) -> Result<Language, sqlx::Error> {
    let stored = sqlx::query_scalar!(
        "SELECT language FROM users WHERE id = $1",
        user_id.as_uuid()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(parse_language(stored.flatten().as_deref()))
}

/// Whether the person runs the platform (credits cabinets, reads the development outbox).
pub async fn is_platform_admin(db: &PgPool, user_id: UserId) -> Result<bool, sqlx::Error> {
    let admin = sqlx::query_scalar!(
        "SELECT is_platform_admin FROM users WHERE id = $1",
        user_id.as_uuid()
    )
    .fetch_optional(db)
    .await?;
    Ok(admin.unwrap_or(false))
}

/// Keeps the language a person chose in the app, for every device and every email after.
pub async fn set_language(
    db: &PgPool,
    user_id: UserId,
    language: Language,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET language = $2 WHERE id = $1",
        user_id.as_uuid(),
        language.code(),
    )
    .execute(db)
    .await?;
    Ok(())
}

pub struct NewUser {
    pub email: Email,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub mobile: Option<PhoneE164>,
    pub password: Option<String>,
}

pub async fn user_by_id(db: &PgPool, id: UserId) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"SELECT id AS "id: UserId", email, first_name, last_name, mobile, is_operator, language FROM users WHERE id = $1"#,
        id.as_uuid(),
    )
    .fetch_optional(db)
    .await
}

pub async fn user_by_email(db: &PgPool, email: &Email) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"SELECT id AS "id: UserId", email, first_name, last_name, mobile, is_operator, language FROM users WHERE email = $1"#,
        email.as_str(),
    )
    .fetch_optional(db)
    .await
}

pub async fn create_user(db: &PgPool, new: NewUser) -> Result<User, AccountsError> {
    let password_hash = match new.password {
        Some(password) => Some(password::hash(password).await?),
        None => None,
    };
    let inserted = sqlx::query_as!(
        User,
        r#"INSERT INTO users (email, first_name, last_name, mobile, password_hash)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO NOTHING
         RETURNING id AS "id: UserId", email, first_name, last_name, mobile, is_operator, language"#,
        new.email.as_str(),
        new.first_name.as_str(),
        new.last_name.as_str(),
        new.mobile.as_ref().map(PhoneE164::as_str),
        password_hash,
    )
    .fetch_optional(db)
    .await?;
    inserted.ok_or(AccountsError::EmailTaken)
}

/// Wrong passwords allowed per email from one address within [`FAILURE_WINDOW_MINUTES`]
/// before logins for that email from that address are refused with `RATE_LIMITED`: a
/// stranger guessing from elsewhere cannot lock the account's owner out.
pub const MAX_LOGIN_FAILURES: i64 = 10;
/// Wrong passwords allowed from one address, whatever the emails, in the same window:
/// one machine cannot spray guesses over many accounts.
pub const MAX_LOGIN_FAILURES_PER_ADDRESS: i64 = 50;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// Checks an email and password; the same work and the same answer whether the email is
/// unknown or the password wrong, so neither timing nor message reveals accounts.
///
/// Guesses are throttled per email and address, and per address. The attempt is counted
/// and recorded in one transaction under advisory locks (address, then email) *before*
/// the password is checked, and withdrawn when it was right: thirty parallel guesses are
/// thirty rows, not ten counts read before any was written.
pub async fn check_password(
    db: &PgPool,
    email: &str,
    password: String,
    ip: Option<&str>,
) -> Result<User, AccountsError> {
    let throttle_key = email.trim().to_lowercase();
    let mut tx = db.begin().await?;
    // `pg_advisory_xact_lock` returns `void`, which the macros only take with a type override.
    sqlx::query_scalar!(
        r#"SELECT pg_advisory_xact_lock(hashtext('login-ip:' || COALESCE($1, ''))) AS "locked: ()""#,
        ip,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query_scalar!(
        r#"SELECT pg_advisory_xact_lock(hashtext('login-email:' || $1)) AS "locked: ()""#,
        &throttle_key,
    )
    .fetch_one(&mut *tx)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE email = $1 AND ip IS NOT DISTINCT FROM $2) AS "for_email!",
                count(*) FILTER (WHERE ip = $2) AS "for_address!"
           FROM login_failures
          WHERE failed_at > now() - make_interval(mins => $3::int) AND (email = $1 OR ip = $2)"#,
        &throttle_key,
        ip,
        FAILURE_WINDOW_MINUTES as i32,
    )
    .fetch_one(&mut *tx)
    .await?;
    if counts.for_email >= MAX_LOGIN_FAILURES
        || counts.for_address >= MAX_LOGIN_FAILURES_PER_ADDRESS
    {
        return Err(AccountsError::TooManyAttempts);
    }
    let attempt = sqlx::query_scalar!(
        "INSERT INTO login_failures (email, ip) VALUES ($1, $2) RETURNING id",
        &throttle_key,
        ip,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let result = verify_credentials(db, email, password).await;
    if !matches!(result, Err(AccountsError::InvalidCredentials)) {
        sqlx::query!("DELETE FROM login_failures WHERE id = $1", attempt)
            .execute(db)
            .await?;
    }
    result
}

async fn verify_credentials(
    db: &PgPool,
    email: &str,
    password: String,
) -> Result<User, AccountsError> {
    let row: Option<(UserId, Option<String>)> = match Email::parse(email) {
        Ok(email) => sqlx::query!(
            r#"SELECT id AS "id: UserId", password_hash FROM users WHERE email = $1"#,
            email.as_str(),
        )
        .fetch_optional(db)
        .await?
        .map(|row| (row.id, row.password_hash)),
        Err(_) => None,
    };
    let (user_id, stored) = match row {
        Some((id, hash)) => (Some(id), hash),
        None => (None, None),
    };
    let matches = password::verify(stored, password).await?;
    match (user_id, matches) {
        (Some(id), true) => user_by_id(db, id)
            .await?
            .ok_or(AccountsError::InvalidCredentials),
        _ => Err(AccountsError::InvalidCredentials),
    }
}
