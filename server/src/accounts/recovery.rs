//! Links to choose a password: the set-up of an account someone else created (the platform
//! administrator, for a cabinet's accountant or for another administrator), and the reset
//! of a forgotten password.
//!
//! A link is a random token stored only as its SHA-256, valid once: 30 minutes for a reset,
//! 7 days for a set-up. Choosing the password closes every session of the account, so a
//! thief holding a session loses it. Asking for a reset answers the same whether or not
//! the email has an account, and sends at most [`MAX_RESETS_PER_HOUR`] emails an hour to
//! one account.

use crate::ids::UserId;
use chrono::{DateTime, Duration, Utc};
use paraphe_shared::{Email, NewPassword};
use sqlx::{PgConnection, PgPool};

use super::{emails, password, AccountsError};
use crate::platform_log::{self, LogActor, PlatformEvent, Subject};
use crate::request_meta::RequestMeta;
use crate::tokens;

pub const RESET_VALIDITY: Duration = Duration::minutes(30);
pub const SETUP_VALIDITY: Duration = Duration::days(7);
/// Reset emails sent to one account within an hour; more asks are answered the same and
/// send nothing, so nobody can flood a mailbox through the form.
pub const MAX_RESETS_PER_HOUR: i64 = 3;

/// Why the link was made: it changes only its validity and the words around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum LinkPurpose {
    Setup,
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Setup => "setup",
            LinkPurpose::Reset => "reset",
        }
    }

    fn validity(self) -> Duration {
        match self {
            LinkPurpose::Setup => SETUP_VALIDITY,
            LinkPurpose::Reset => RESET_VALIDITY,
        }
    }
}

/// A live link, as the page that opens it shows it.
#[derive(Debug, Clone)]
pub struct PasswordLink {
    pub user_id: UserId,
    pub email: String,
    pub first_name: String,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
}

/// The page that opens a link: `{public_url}/mot-de-passe/{token}`.
pub fn link_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/mot-de-passe/{token}")
}

/// Makes a link for `user_id`, in the caller's transaction; earlier live links of the
/// same purpose expire now (only the newest email works; kept, they still count against
/// [`MAX_RESETS_PER_HOUR`]). Returns the token.
pub async fn issue(
    conn: &mut PgConnection,
    user_id: UserId,
    purpose: LinkPurpose,
) -> Result<String, sqlx::Error> {
    sqlx::query!(
        "UPDATE password_links SET expires_at = now()
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()",
        user_id.as_uuid(),
        purpose as LinkPurpose,
    )
    .execute(&mut *conn)
    .await?;
    let (token, hash) = tokens::new_token();
    sqlx::query!(
        "INSERT INTO password_links (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
        hash,
        user_id.as_uuid(),
        purpose as LinkPurpose,
        Utc::now() + purpose.validity(),
    )
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// "Forgot my password": emails a reset link when `email` has an account, and answers
/// the same when it has none.
pub async fn request_reset(
    db: &PgPool,
    email: &Email,
    public_url: &str,
    meta: &RequestMeta,
) -> Result<(), AccountsError> {
    let mut tx = db.begin().await?;
    let Some(user) = sqlx::query!(
        r#"SELECT id AS "id: UserId", first_name, language FROM users WHERE email = $1 FOR UPDATE"#,
        email.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    let recent = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM password_links
            WHERE user_id = $1 AND purpose = 'reset' AND created_at > now() - interval '1 hour'"#,
        user.id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if recent >= MAX_RESETS_PER_HOUR {
        tracing::info!(user = %user.id, "password reset asked too often; no email sent");
        return Ok(());
    }
    let token = issue(&mut tx, user.id, LinkPurpose::Reset).await?;
    let language = super::parse_language(user.language.as_deref());
    let text = emails::password_reset(language, &user.first_name, &link_url(public_url, &token));
    crate::notifications::enqueue_email(&mut tx, email.as_str(), None, &text.subject, &text.body)
        .await?;
    platform_log::append(
        &mut tx,
        LogActor::User(user.id),
        Subject::user(user.id),
        meta,
        PlatformEvent::PasswordLinkSent {
            purpose: LinkPurpose::Reset.as_str(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

struct LinkRow {
    user_id: UserId,
    email: String,
    first_name: String,
    purpose: LinkPurpose,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

fn judge(row: Option<LinkRow>) -> Result<PasswordLink, AccountsError> {
    let row = row.ok_or(AccountsError::LinkInvalid)?;
    if row.used_at.is_some() {
        return Err(AccountsError::LinkUsed);
    }
    if row.expires_at <= Utc::now() {
        return Err(AccountsError::LinkExpired);
    }
    Ok(PasswordLink {
        user_id: row.user_id,
        email: row.email,
        first_name: row.first_name,
        purpose: row.purpose,
        expires_at: row.expires_at,
    })
}

/// What a link is for, or why it no longer works (`LinkInvalid`, `LinkUsed`, `LinkExpired`).
pub async fn inspect(db: &PgPool, token: &str) -> Result<PasswordLink, AccountsError> {
    let row = sqlx::query_as!(
        LinkRow,
        r#"SELECT l.user_id AS "user_id: UserId", u.email, u.first_name,
                  l.purpose AS "purpose: LinkPurpose", l.expires_at, l.used_at
             FROM password_links l JOIN users u ON u.id = l.user_id
            WHERE l.token_hash = $1"#,
        tokens::token_hash(token),
    )
    .fetch_optional(db)
    .await?;
    judge(row)
}

/// Sets the password a link allows, once; closes every session of the account.
pub async fn choose_password(
    db: &PgPool,
    token: &str,
    new_password: NewPassword,
    meta: &RequestMeta,
) -> Result<PasswordLink, AccountsError> {
    // Judged before hashing (tens of milliseconds) and again under the row lock.
    inspect(db, token).await?;
    let hash = password::hash(new_password.into_string()).await?;
    let mut tx = db.begin().await?;
    let row = sqlx::query_as!(
        LinkRow,
        r#"SELECT l.user_id AS "user_id: UserId", u.email, u.first_name,
                  l.purpose AS "purpose: LinkPurpose", l.expires_at, l.used_at
             FROM password_links l JOIN users u ON u.id = l.user_id
            WHERE l.token_hash = $1
              FOR UPDATE OF l"#,
        tokens::token_hash(token),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let link = judge(row)?;
    sqlx::query!(
        "UPDATE password_links SET used_at = now() WHERE token_hash = $1",
        tokens::token_hash(token),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        link.user_id.as_uuid(),
        hash,
    )
    .execute(&mut *tx)
    .await?;
    let closed = sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1",
        link.user_id.as_uuid()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let subject = Subject::user(link.user_id);
    let actor = LogActor::User(link.user_id);
    platform_log::append(
        &mut tx,
        actor,
        subject,
        meta,
        PlatformEvent::PasswordChosen {
            purpose: link.purpose.as_str(),
        },
    )
    .await?;
    super::sessions::record_closed(&mut tx, link.user_id, closed, meta).await?;
    tx.commit().await?;
    Ok(link)
}

/// Changes the password of the logged-in person, who proves they know the current one
/// (throttled like a login); every other session of the account is closed.
pub async fn change_password(
    db: &PgPool,
    user_id: UserId,
    keep_session: &[u8],
    current: String,
    new_password: NewPassword,
    meta: &RequestMeta,
) -> Result<(), AccountsError> {
    let email = sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", user_id.as_uuid())
        .fetch_optional(db)
        .await?
        .ok_or(AccountsError::InvalidCredentials)?;
    let user = super::check_password(db, &email, current, meta.ip.as_deref()).await?;
    if user.id != user_id {
        return Err(AccountsError::InvalidCredentials);
    }
    let hash = password::hash(new_password.into_string()).await?;
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        user_id.as_uuid(),
        hash
    )
    .execute(&mut *tx)
    .await?;
    // A reset link asked before the change must not undo it.
    sqlx::query!(
        "DELETE FROM password_links WHERE user_id = $1 AND used_at IS NULL",
        user_id.as_uuid()
    )
    .execute(&mut *tx)
    .await?;
    let closed = super::sessions::close_others_in(&mut tx, user_id, keep_session).await?;
    let actor = LogActor::User(user_id);
    let subject = Subject::user(user_id);
    platform_log::append(
        &mut tx,
        actor,
        subject,
        meta,
        PlatformEvent::PasswordChanged,
    )
    .await?;
    super::sessions::record_closed(&mut tx, user_id, closed, meta).await?;
    tx.commit().await?;
    Ok(())
}
