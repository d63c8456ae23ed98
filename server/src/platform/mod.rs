//! The platform's administration: what an instance's administrators do without SQL —
//! create a cabinet with its accountant, close one, grant or withdraw the operator role,
//! and (from the command line) make the first administrator. Crediting a cabinet is
//! `billing::credit`, recorded in the ledger.
//!
//! Every change is written to the platform log (`platform_log`) in its own transaction.
//! Only platform administrators reach these functions: [`require_admin`] is the gate the
//! API layer passes first.

pub mod graphql;

use crate::ids::{CabinetId, UserId};
use chrono::{DateTime, Utc};
use paraphe_shared::{CabinetName, Email, PersonName, Role, Siren, ValidationError};
use sqlx::{PgConnection, PgPool};

use crate::accounts::{self, recovery};
use crate::platform_log::{self, LogActor, PlatformEvent, Subject};
use crate::request_meta::RequestMeta;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("réservé aux administrateurs de la plateforme")]
    NotAdmin,
    #[error("introuvable")]
    NotFound,
    #[error("un cabinet existe déjà avec ce SIREN")]
    SirenTaken,
    #[error(
        "ce cabinet a des collectes en cours : annulez-les ou attendez leur fin avant de le fermer"
    )]
    CollectionsRunning,
    #[error("ce cabinet est déjà fermé")]
    AlreadyClosed,
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The gate: `NotAdmin` unless `user_id` administers the platform.
pub async fn require_admin(db: &PgPool, user_id: UserId) -> Result<(), PlatformError> {
    if accounts::is_platform_admin(db, user_id).await? {
        Ok(())
    } else {
        Err(PlatformError::NotAdmin)
    }
}

/// A cabinet as the platform lists it.
#[derive(Debug, Clone)]
pub struct PlatformCabinet {
    pub id: CabinetId,
    pub name: String,
    pub siren: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub credit_balance_cents: i64,
    pub member_count: i64,
    /// The accountants' emails.
    pub accountants: Vec<String>,
}

/// Cabinets whose name or SIREN contains `search` (all of them without one), by name.
pub async fn cabinets(
    db: &PgPool,
    search: Option<&str>,
) -> Result<Vec<PlatformCabinet>, sqlx::Error> {
    let pattern = like_pattern(search);
    sqlx::query_as!(
        PlatformCabinet,
        r#"SELECT c.id AS "id: CabinetId", c.name, c.siren, c.created_at, c.closed_at, c.credit_balance_cents,
                  (SELECT count(*) FROM memberships m WHERE m.cabinet_id = c.id) AS "member_count!",
                  ARRAY(SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
                         WHERE m.cabinet_id = c.id AND m.role = 'accountant' ORDER BY u.email) AS "accountants!"
             FROM cabinets c
            WHERE $1::text IS NULL OR c.name ILIKE $1 OR c.siren LIKE $1
            ORDER BY c.closed_at IS NOT NULL, lower(c.name), c.id
            LIMIT 500"#,
        pattern,
    )
    .fetch_all(db)
    .await
}

pub async fn cabinet(
    conn: &mut PgConnection,
    cabinet_id: CabinetId,
) -> Result<PlatformCabinet, PlatformError> {
    sqlx::query_as!(
        PlatformCabinet,
        r#"SELECT c.id AS "id: CabinetId", c.name, c.siren, c.created_at, c.closed_at, c.credit_balance_cents,
                  (SELECT count(*) FROM memberships m WHERE m.cabinet_id = c.id) AS "member_count!",
                  ARRAY(SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
                         WHERE m.cabinet_id = c.id AND m.role = 'accountant' ORDER BY u.email) AS "accountants!"
             FROM cabinets c WHERE c.id = $1"#,
        cabinet_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(PlatformError::NotFound)
}

/// `%search%` for ILIKE with the user's `%`, `_` and `\` taken literally.
fn like_pattern(search: Option<&str>) -> Option<String> {
    let search = search.map(str::trim).filter(|s| !s.is_empty())?;
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Some(format!("%{escaped}%"))
}

/// The person who will be a new cabinet's accountant.
pub struct NewAccountant {
    pub email: Email,
    pub first_name: PersonName,
    pub last_name: PersonName,
}

pub struct NewCabinet {
    pub name: CabinetName,
    pub siren: Siren,
    pub accountant: NewAccountant,
}

/// Creates a cabinet and makes `accountant` its accountant: an existing account by that
/// email joins it, otherwise an account is created without a password and its holder is
/// emailed a set-up link (7 days). Either way they are told by email.
pub async fn create_cabinet(
    db: &PgPool,
    admin: UserId,
    new: NewCabinet,
    public_url: &str,
    meta: &RequestMeta,
) -> Result<PlatformCabinet, PlatformError> {
    let mut tx = db.begin().await?;
    let cabinet_id = sqlx::query_scalar!(
        r#"INSERT INTO cabinets (name, siren) VALUES ($1, $2) ON CONFLICT (siren) DO NOTHING
           RETURNING id AS "id: CabinetId""#,
        new.name.as_str(),
        new.siren.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(PlatformError::SirenTaken)?;
    let accountant = ensure_account(&mut tx, &new.accountant).await?;
    sqlx::query!(
        "INSERT INTO memberships (cabinet_id, user_id, role) VALUES ($1, $2, $3)",
        cabinet_id.as_uuid(),
        accountant.user_id.as_uuid(),
        Role::Accountant.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    let setup_link = match accountant.created {
        true => {
            let token =
                recovery::issue(&mut tx, accountant.user_id, recovery::LinkPurpose::Setup).await?;
            Some(recovery::link_url(public_url, &token))
        }
        false => None,
    };
    let language = accounts::language_of(&mut tx, accountant.user_id).await?;
    let text = accounts::emails::accountant_welcome(
        language,
        &accountant.first_name,
        new.name.as_str(),
        setup_link.as_deref(),
        &format!("{public_url}/"),
    );
    crate::notifications::enqueue_email(
        &mut tx,
        new.accountant.email.as_str(),
        None,
        &text.subject,
        &text.body,
    )
    .await?;
    let actor = LogActor::User(admin);
    let subject = Subject {
        user_id: Some(accountant.user_id),
        cabinet_id: Some(cabinet_id),
    };
    platform_log::append(
        &mut tx,
        actor,
        subject,
        meta,
        PlatformEvent::CabinetCreated {
            name: new.name.as_str().to_owned(),
            siren: new.siren.as_str().to_owned(),
        },
    )
    .await?;
    platform_log::append(
        &mut tx,
        actor,
        subject,
        meta,
        PlatformEvent::AccountantAssigned {
            email: new.accountant.email.as_str().to_owned(),
            created_account: accountant.created,
        },
    )
    .await?;
    let created = cabinet(&mut tx, cabinet_id).await?;
    tx.commit().await?;
    Ok(created)
}

struct Account {
    user_id: UserId,
    first_name: String,
    created: bool,
}

/// The account with this email, or a new one without a password.
async fn ensure_account(
    conn: &mut PgConnection,
    person: &NewAccountant,
) -> Result<Account, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"INSERT INTO users (email, first_name, last_name) VALUES ($1, $2, $3)
           ON CONFLICT (email) DO NOTHING RETURNING id AS "id: UserId""#,
        person.email.as_str(),
        person.first_name.as_str(),
        person.last_name.as_str(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        return Ok(Account {
            user_id: row.id,
            first_name: person.first_name.as_str().to_owned(),
            created: true,
        });
    }
    let existing = sqlx::query!(
        r#"SELECT id AS "id: UserId", first_name FROM users WHERE email = $1"#,
        person.email.as_str(),
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Account {
        user_id: existing.id,
        first_name: existing.first_name,
        created: false,
    })
}

/// Closes a cabinet: its members can no longer act for it (`CABINET_CLOSED`), it leaves
/// their switcher; its ledger and trails stay. Refused while collections are running.
pub async fn close_cabinet(
    db: &PgPool,
    admin: UserId,
    cabinet_id: CabinetId,
    meta: &RequestMeta,
) -> Result<PlatformCabinet, PlatformError> {
    let mut tx = db.begin().await?;
    let closed_at = sqlx::query_scalar!(
        "SELECT closed_at FROM cabinets WHERE id = $1 FOR UPDATE",
        cabinet_id.as_uuid()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(PlatformError::NotFound)?;
    if closed_at.is_some() {
        return Err(PlatformError::AlreadyClosed);
    }
    let running = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM collections WHERE cabinet_id = $1 AND status = 'active') AS "running!""#,
        cabinet_id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if running {
        return Err(PlatformError::CollectionsRunning);
    }
    sqlx::query!(
        "UPDATE cabinets SET closed_at = now() WHERE id = $1",
        cabinet_id.as_uuid()
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE sessions SET current_cabinet_id = NULL WHERE current_cabinet_id = $1",
        cabinet_id.as_uuid()
    )
    .execute(&mut *tx)
    .await?;
    platform_log::append(
        &mut tx,
        LogActor::User(admin),
        Subject::cabinet(cabinet_id),
        meta,
        PlatformEvent::CabinetClosed,
    )
    .await?;
    let closed = cabinet(&mut tx, cabinet_id).await?;
    tx.commit().await?;
    Ok(closed)
}

/// A person as the platform lists them.
#[derive(Debug, Clone)]
pub struct PlatformUser {
    pub id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_operator: bool,
    pub is_platform_admin: bool,
    /// Whether they chose a password (an account waiting for its set-up link has none).
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
}

/// People whose email or name contains `search`, by email: at most `limit` of them after
/// the email `after` (emails are unique, so a page never repeats or skips anyone when
/// accounts are added meanwhile).
pub async fn users(
    db: &PgPool,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PlatformUser>, sqlx::Error> {
    let pattern = like_pattern(search);
    sqlx::query_as!(
        PlatformUser,
        r#"SELECT id AS "id: UserId", email, first_name, last_name, is_operator, is_platform_admin,
                  password_hash IS NOT NULL AS "has_password!", created_at
             FROM users
            WHERE ($1::text IS NULL OR email ILIKE $1 OR first_name ILIKE $1 OR last_name ILIKE $1)
              AND ($2::text IS NULL OR email > $2)
            ORDER BY email
            LIMIT $3"#,
        pattern,
        after,
        limit,
    )
    .fetch_all(db)
    .await
}

/// How many people `users` would list for `search`, all pages together.
pub async fn count_users(db: &PgPool, search: Option<&str>) -> Result<i64, sqlx::Error> {
    let pattern = like_pattern(search);
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM users
            WHERE $1::text IS NULL OR email ILIKE $1 OR first_name ILIKE $1 OR last_name ILIKE $1"#,
        pattern,
    )
    .fetch_one(db)
    .await
}

async fn user(conn: &mut PgConnection, user_id: UserId) -> Result<PlatformUser, PlatformError> {
    sqlx::query_as!(
        PlatformUser,
        r#"SELECT id AS "id: UserId", email, first_name, last_name, is_operator, is_platform_admin,
                  password_hash IS NOT NULL AS "has_password!", created_at
             FROM users WHERE id = $1"#,
        user_id.as_uuid(),
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(PlatformError::NotFound)
}

/// Grants or withdraws the operator role (reviewing identity documents).
pub async fn set_operator(
    db: &PgPool,
    admin: UserId,
    user_id: UserId,
    operator: bool,
    meta: &RequestMeta,
) -> Result<PlatformUser, PlatformError> {
    let mut tx = db.begin().await?;
    let before = user(&mut tx, user_id).await?;
    if before.is_operator != operator {
        sqlx::query!(
            "UPDATE users SET is_operator = $2 WHERE id = $1",
            user_id.as_uuid(),
            operator
        )
        .execute(&mut *tx)
        .await?;
        let event = if operator {
            PlatformEvent::OperatorGranted
        } else {
            PlatformEvent::OperatorWithdrawn
        };
        platform_log::append(
            &mut tx,
            LogActor::User(admin),
            Subject::user(user_id),
            meta,
            event,
        )
        .await?;
    }
    let after = user(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(after)
}

/// What `paraphe-server admin create` did.
#[derive(Debug)]
pub struct AdminCreated {
    pub user_id: UserId,
    /// A set-up link's token, when the account has no password yet.
    pub setup_token: Option<String>,
}

/// Makes `email` a platform administrator (creating the account if needed), from the
/// command line. An account without a password gets a fresh set-up link; one with a
/// password keeps it (the link would let whoever reads the terminal take it over).
pub async fn create_admin(
    db: &PgPool,
    email: &Email,
    first_name: &PersonName,
    last_name: &PersonName,
) -> Result<AdminCreated, PlatformError> {
    let mut tx = db.begin().await?;
    let account = ensure_account(
        &mut tx,
        &NewAccountant {
            email: email.clone(),
            first_name: first_name.clone(),
            last_name: last_name.clone(),
        },
    )
    .await?;
    let has_password = sqlx::query_scalar!(
        r#"UPDATE users SET is_platform_admin = true WHERE id = $1
           RETURNING password_hash IS NOT NULL AS "has_password!""#,
        account.user_id.as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let setup_token = match has_password {
        true => None,
        false => {
            Some(recovery::issue(&mut tx, account.user_id, recovery::LinkPurpose::Setup).await?)
        }
    };
    platform_log::append(
        &mut tx,
        LogActor::System,
        Subject::user(account.user_id),
        &RequestMeta::default(),
        PlatformEvent::AdminGranted {
            email: email.as_str().to_owned(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(AdminCreated {
        user_id: account.user_id,
        setup_token,
    })
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn searches_take_wildcards_literally() {
        assert_eq!(
            like_pattern(Some(" 50%_off ")).as_deref(),
            Some("%50\\%\\_off%")
        );
        assert_eq!(like_pattern(Some("  ")), None);
        assert_eq!(like_pattern(None), None);
    }
}
