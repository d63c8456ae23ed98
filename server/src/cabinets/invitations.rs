//! Invitations: how people join a cabinet. The accountant invites a collaborator, with the
//! delegations they will hold, or another accountant, by email. The emailed link works
//! once, for [`VALIDITY`]; a resend makes a new link (the older one dies) and restarts the
//! clock; a withdrawn invitation's link says it no longer exists.
//!
//! Accepting needs the invited address: either a session of the account with that email
//! (logged in with a password or through single sign-on), or, when no account has it, a new
//! account made on the spot — holding the link proves the mailbox. An invitation is never
//! accepted by an account with another email: a forwarded link cannot enrol a stranger.
//!
//! Sending, resending, withdrawing and accepting are written to the platform log in the
//! transaction that does them.

use chrono::{DateTime, Duration, Utc};
use paraphe_shared::{Delegation, Email, Language, NewPassword, PersonName, Role};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{delegations_of, parse_role, CabinetScope};
use crate::accounts::{self, password, AccountsError};
use crate::ids::{CabinetId, UserId};
use crate::platform_log::{self, LogActor, PlatformEvent, Subject};
use crate::request_meta::RequestMeta;
use crate::tokens;

/// How long an invitation's link works after it was (re)sent.
pub const VALIDITY: Duration = Duration::days(7);
/// Emails one invitation may send (the first and the resends): enough for a lost email,
/// not a way to flood someone's mailbox from a cabinet.
pub const MAX_SENDS: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("cette personne est déjà membre du cabinet")]
    AlreadyMember,
    #[error("une invitation est déjà en attente pour cet e-mail : renvoyez-la ou retirez-la")]
    AlreadyInvited,
    #[error("cette invitation a déjà été envoyée {MAX_SENDS} fois")]
    TooManySends,
    #[error("introuvable")]
    NotFound,
    #[error("ce lien d'invitation n'existe pas ou a été retiré")]
    LinkInvalid,
    #[error("cette invitation a expiré : demandez au cabinet de vous la renvoyer")]
    LinkExpired,
    #[error("cette invitation a déjà été acceptée")]
    LinkUsed,
    #[error("ce cabinet a été fermé")]
    CabinetClosed,
    #[error("cette invitation est adressée à {invited} ; vous êtes connecté avec un autre compte")]
    OtherAccount { invited: String },
    #[error("un compte existe déjà avec cet e-mail : connectez-vous pour accepter l'invitation")]
    AccountExists,
    #[error(transparent)]
    Invalid(#[from] paraphe_shared::ValidationError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Who is invited and as what.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: Email,
    pub role: Role,
    /// A collaborator's delegations; an accountant holds them all by role.
    pub delegations: Vec<Delegation>,
    /// The emails' language; the inviting accountant's when `None`.
    pub language: Option<Language>,
}

/// An invitation not yet accepted nor withdrawn, as the cabinet's accountant sees it.
#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub delegations: Vec<Delegation>,
    pub invited_by_name: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: DateTime<Utc>,
    pub send_count: i32,
    pub expires_at: DateTime<Utc>,
}

/// An invitation as its link's page shows it to the invited person.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub cabinet_id: CabinetId,
    pub cabinet_name: String,
    pub invited_by_name: String,
    pub email: String,
    pub role: Role,
    pub delegations: Vec<Delegation>,
    pub expires_at: DateTime<Utc>,
    /// Whether an account has the invited email (the page then asks to log in, else it
    /// offers to create one).
    pub account_exists: bool,
}

/// The page that opens an invitation: `{public_url}/invitation/{token}`.
pub fn link_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/invitation/{token}")
}

struct PendingRow {
    id: Uuid,
    email: String,
    role: String,
    can_prepare: bool,
    can_sign: bool,
    can_seal: bool,
    invited_by_name: String,
    created_at: DateTime<Utc>,
    sent_at: DateTime<Utc>,
    send_count: i32,
    expires_at: DateTime<Utc>,
}

impl PendingRow {
    fn into_pending(self) -> Result<PendingInvitation, sqlx::Error> {
        let role = parse_role(&self.role)?;
        Ok(PendingInvitation {
            id: self.id,
            email: self.email,
            role,
            delegations: delegations_of(role, self.can_prepare, self.can_sign, self.can_seal),
            invited_by_name: self.invited_by_name,
            created_at: self.created_at,
            sent_at: self.sent_at,
            send_count: self.send_count,
            expires_at: self.expires_at,
        })
    }
}

/// The cabinet's open invitations (expired ones included: they can be resent), newest first.
pub async fn pending(
    db: &PgPool,
    scope: &CabinetScope,
) -> Result<Vec<PendingInvitation>, sqlx::Error> {
    let rows = sqlx::query_as!(
        PendingRow,
        r#"SELECT i.id, i.email, i.role, i.can_prepare, i.can_sign, i.can_seal,
                  u.first_name || ' ' || u.last_name AS "invited_by_name!",
                  i.created_at, i.sent_at, i.send_count, i.expires_at
             FROM invitations i JOIN users u ON u.id = i.invited_by
            WHERE i.cabinet_id = $1 AND i.accepted_at IS NULL AND i.withdrawn_at IS NULL
            ORDER BY i.created_at DESC, i.id"#,
        scope.cabinet_id().as_uuid(),
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(PendingRow::into_pending).collect()
}

async fn pending_one(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    id: Uuid,
) -> Result<PendingInvitation, InvitationError> {
    let row = sqlx::query_as!(
        PendingRow,
        r#"SELECT i.id, i.email, i.role, i.can_prepare, i.can_sign, i.can_seal,
                  u.first_name || ' ' || u.last_name AS "invited_by_name!",
                  i.created_at, i.sent_at, i.send_count, i.expires_at
             FROM invitations i JOIN users u ON u.id = i.invited_by
            WHERE i.cabinet_id = $1 AND i.id = $2 AND i.accepted_at IS NULL AND i.withdrawn_at IS NULL"#,
        scope.cabinet_id().as_uuid(),
        id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.ok_or(InvitationError::NotFound)?.into_pending()?)
}

/// Invites `new.email` into the scope's cabinet (the scope must be the accountant's) and
/// emails the link.
pub async fn invite(
    db: &PgPool,
    scope: &CabinetScope,
    new: NewInvitation,
    public_url: &str,
    meta: &RequestMeta,
) -> Result<PendingInvitation, InvitationError> {
    let mut tx = db.begin().await?;
    let already_member = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                          WHERE m.cabinet_id = $1 AND u.email = $2) AS "exists!""#,
        scope.cabinet_id().as_uuid(),
        new.email.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if already_member {
        return Err(InvitationError::AlreadyMember);
    }
    let language = match new.language {
        Some(language) => language,
        None => accounts::language_of(&mut tx, scope.user_id()).await?,
    };
    let collaborator = new.role == Role::Collaborator;
    let (token, hash) = tokens::new_token();
    let id = sqlx::query_scalar!(
        "INSERT INTO invitations (cabinet_id, email, role, can_prepare, can_sign, can_seal,
                                  token_hash, invited_by, language, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (cabinet_id, email) WHERE accepted_at IS NULL AND withdrawn_at IS NULL
         DO NOTHING RETURNING id",
        scope.cabinet_id().as_uuid(),
        new.email.as_str(),
        new.role.as_str(),
        collaborator && new.delegations.contains(&Delegation::Prepare),
        collaborator && new.delegations.contains(&Delegation::Sign),
        collaborator && new.delegations.contains(&Delegation::Seal),
        hash,
        scope.user_id().as_uuid(),
        language.code(),
        Utc::now() + VALIDITY,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(InvitationError::AlreadyInvited)?;
    send(&mut tx, scope, id, &token, public_url).await?;
    log(
        &mut tx,
        scope,
        meta,
        PlatformEvent::InvitationSent {
            email: new.email.as_str().to_owned(),
            role: new.role.as_str(),
            resend: false,
        },
    )
    .await?;
    let invitation = pending_one(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(invitation)
}

/// Sends the invitation's email again with a new link (the older link dies) valid for
/// another [`VALIDITY`]; `TooManySends` after [`MAX_SENDS`] emails.
pub async fn resend(
    db: &PgPool,
    scope: &CabinetScope,
    id: Uuid,
    public_url: &str,
    meta: &RequestMeta,
) -> Result<PendingInvitation, InvitationError> {
    let mut tx = db.begin().await?;
    let (token, hash) = tokens::new_token();
    let updated = sqlx::query!(
        r#"UPDATE invitations SET token_hash = $3, sent_at = now(), send_count = send_count + 1,
                  expires_at = $4
            WHERE cabinet_id = $1 AND id = $2 AND accepted_at IS NULL AND withdrawn_at IS NULL
        RETURNING email, role, send_count"#,
        scope.cabinet_id().as_uuid(),
        id,
        hash,
        Utc::now() + VALIDITY,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(InvitationError::NotFound)?;
    if updated.send_count > MAX_SENDS {
        return Err(InvitationError::TooManySends);
    }
    send(&mut tx, scope, id, &token, public_url).await?;
    let role = parse_role(&updated.role)?;
    log(
        &mut tx,
        scope,
        meta,
        PlatformEvent::InvitationSent {
            email: updated.email,
            role: role.as_str(),
            resend: true,
        },
    )
    .await?;
    let invitation = pending_one(&mut tx, scope, id).await?;
    tx.commit().await?;
    Ok(invitation)
}

/// Withdraws an open invitation: its link stops working at once.
pub async fn withdraw(
    db: &PgPool,
    scope: &CabinetScope,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), InvitationError> {
    let mut tx = db.begin().await?;
    let email = sqlx::query_scalar!(
        "UPDATE invitations SET withdrawn_at = now()
          WHERE cabinet_id = $1 AND id = $2 AND accepted_at IS NULL AND withdrawn_at IS NULL
        RETURNING email",
        scope.cabinet_id().as_uuid(),
        id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(InvitationError::NotFound)?;
    log(
        &mut tx,
        scope,
        meta,
        PlatformEvent::InvitationWithdrawn { email },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn send(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    id: Uuid,
    token: &str,
    public_url: &str,
) -> Result<(), InvitationError> {
    let row = sqlx::query!(
        r#"SELECT i.email, i.role, i.language, c.name AS cabinet_name,
                  u.first_name || ' ' || u.last_name AS "inviter!"
             FROM invitations i JOIN cabinets c ON c.id = i.cabinet_id
                  JOIN users u ON u.id = $3
            WHERE i.cabinet_id = $1 AND i.id = $2"#,
        scope.cabinet_id().as_uuid(),
        id,
        scope.user_id().as_uuid(),
    )
    .fetch_one(&mut *conn)
    .await?;
    let language = accounts::parse_language(Some(&row.language));
    let role = parse_role(&row.role)?;
    let text = super::emails::invitation(
        language,
        &row.inviter,
        &row.cabinet_name,
        role,
        &link_url(public_url, token),
    );
    crate::notifications::enqueue_email(
        conn,
        &row.email,
        Some(&row.inviter),
        &text.subject,
        &text.body,
    )
    .await?;
    Ok(())
}

async fn log(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    meta: &RequestMeta,
    event: PlatformEvent,
) -> Result<(), sqlx::Error> {
    platform_log::append(
        conn,
        LogActor::User(scope.user_id()),
        Subject::cabinet(scope.cabinet_id()),
        meta,
        event,
    )
    .await
}

struct LinkRow {
    id: Uuid,
    cabinet_id: CabinetId,
    cabinet_name: String,
    cabinet_closed: bool,
    invited_by_name: String,
    email: String,
    role: String,
    can_prepare: bool,
    can_sign: bool,
    can_seal: bool,
    expires_at: DateTime<Utc>,
    accepted: bool,
    withdrawn: bool,
    account_exists: bool,
}

/// Why a link does not work, or what it offers.
fn judge(row: Option<LinkRow>) -> Result<(Uuid, InvitationView), InvitationError> {
    let row = row.ok_or(InvitationError::LinkInvalid)?;
    if row.withdrawn {
        return Err(InvitationError::LinkInvalid);
    }
    if row.accepted {
        return Err(InvitationError::LinkUsed);
    }
    if row.cabinet_closed {
        return Err(InvitationError::CabinetClosed);
    }
    if row.expires_at <= Utc::now() {
        return Err(InvitationError::LinkExpired);
    }
    let role = parse_role(&row.role)?;
    Ok((
        row.id,
        InvitationView {
            cabinet_id: row.cabinet_id,
            cabinet_name: row.cabinet_name,
            invited_by_name: row.invited_by_name,
            email: row.email,
            role,
            delegations: delegations_of(role, row.can_prepare, row.can_sign, row.can_seal),
            expires_at: row.expires_at,
            account_exists: row.account_exists,
        },
    ))
}

async fn find_link(
    conn: &mut PgConnection,
    token: &str,
    lock: bool,
) -> Result<Option<LinkRow>, sqlx::Error> {
    // Two statements rather than a dynamic `FOR UPDATE`: the macros check fixed SQL.
    if lock {
        sqlx::query_as!(
            LinkRow,
            r#"SELECT i.id, i.cabinet_id AS "cabinet_id: CabinetId", c.name AS cabinet_name,
                      c.closed_at IS NOT NULL AS "cabinet_closed!",
                      u.first_name || ' ' || u.last_name AS "invited_by_name!",
                      i.email, i.role, i.can_prepare, i.can_sign, i.can_seal, i.expires_at,
                      i.accepted_at IS NOT NULL AS "accepted!", i.withdrawn_at IS NOT NULL AS "withdrawn!",
                      EXISTS (SELECT 1 FROM users a WHERE a.email = i.email) AS "account_exists!"
                 FROM invitations i JOIN cabinets c ON c.id = i.cabinet_id
                      JOIN users u ON u.id = i.invited_by
                WHERE i.token_hash = $1
                  FOR UPDATE OF i"#,
            tokens::token_hash(token),
        )
        .fetch_optional(conn)
        .await
    } else {
        sqlx::query_as!(
            LinkRow,
            r#"SELECT i.id, i.cabinet_id AS "cabinet_id: CabinetId", c.name AS cabinet_name,
                      c.closed_at IS NOT NULL AS "cabinet_closed!",
                      u.first_name || ' ' || u.last_name AS "invited_by_name!",
                      i.email, i.role, i.can_prepare, i.can_sign, i.can_seal, i.expires_at,
                      i.accepted_at IS NOT NULL AS "accepted!", i.withdrawn_at IS NOT NULL AS "withdrawn!",
                      EXISTS (SELECT 1 FROM users a WHERE a.email = i.email) AS "account_exists!"
                 FROM invitations i JOIN cabinets c ON c.id = i.cabinet_id
                      JOIN users u ON u.id = i.invited_by
                WHERE i.token_hash = $1"#,
            tokens::token_hash(token),
        )
        .fetch_optional(conn)
        .await
    }
}

/// What an invitation's link offers, or why it no longer works (`LinkInvalid` — unknown,
/// replaced by a resend, or withdrawn —, `LinkUsed`, `LinkExpired`, `CabinetClosed`).
pub async fn inspect(db: &PgPool, token: &str) -> Result<InvitationView, InvitationError> {
    let mut conn = db.acquire().await?;
    judge(find_link(&mut conn, token, false).await?).map(|(_, view)| view)
}

/// The logged-in `user_id` accepts: they join the cabinet with the invited role and
/// delegations. `OtherAccount` when their email is not the invited one.
pub async fn accept(
    db: &PgPool,
    token: &str,
    user_id: UserId,
    meta: &RequestMeta,
) -> Result<InvitationView, InvitationError> {
    let mut tx = db.begin().await?;
    let (id, view) = judge(find_link(&mut tx, token, true).await?)?;
    let email = sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", user_id.as_uuid())
        .fetch_one(&mut *tx)
        .await?;
    if email != view.email {
        return Err(InvitationError::OtherAccount {
            invited: view.email,
        });
    }
    join(&mut tx, id, &view, user_id, meta).await?;
    tx.commit().await?;
    Ok(view)
}

/// Someone without an account accepts: the account is made with the invited email (the
/// link proves the mailbox), the names and password they chose, and joins the cabinet.
/// `AccountExists` when an account has the email (they log in and [`accept`] instead).
pub async fn accept_with_new_account(
    db: &PgPool,
    token: &str,
    first_name: PersonName,
    last_name: PersonName,
    new_password: NewPassword,
    meta: &RequestMeta,
) -> Result<(UserId, InvitationView), InvitationError> {
    // Judged before hashing (tens of milliseconds) and again under the row lock.
    let seen = inspect(db, token).await?;
    if seen.account_exists {
        return Err(InvitationError::AccountExists);
    }
    let hash = password::hash(new_password.into_string()).await?;
    let mut tx = db.begin().await?;
    let (id, view) = judge(find_link(&mut tx, token, true).await?)?;
    let user_id = sqlx::query_scalar!(
        r#"INSERT INTO users (email, first_name, last_name, password_hash) VALUES ($1, $2, $3, $4)
           ON CONFLICT (email) DO NOTHING RETURNING id AS "id: UserId""#,
        view.email,
        first_name.as_str(),
        last_name.as_str(),
        hash,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(InvitationError::AccountExists)?;
    platform_log::append(
        &mut tx,
        LogActor::User(user_id),
        Subject::user(user_id),
        meta,
        PlatformEvent::PasswordChosen {
            purpose: "invitation",
        },
    )
    .await?;
    join(&mut tx, id, &view, user_id, meta).await?;
    tx.commit().await?;
    Ok((user_id, view))
}

async fn join(
    conn: &mut PgConnection,
    id: Uuid,
    view: &InvitationView,
    user_id: UserId,
    meta: &RequestMeta,
) -> Result<(), sqlx::Error> {
    // A membership that appeared meanwhile (an accountant invited twice by two cabinets'
    // paths) is kept as it is: the invitation never lowers a role.
    sqlx::query!(
        "INSERT INTO memberships (cabinet_id, user_id, role, can_prepare, can_sign, can_seal)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cabinet_id, user_id) DO NOTHING",
        view.cabinet_id.as_uuid(),
        user_id.as_uuid(),
        view.role.as_str(),
        view.role == Role::Collaborator && view.delegations.contains(&Delegation::Prepare),
        view.role == Role::Collaborator && view.delegations.contains(&Delegation::Sign),
        view.role == Role::Collaborator && view.delegations.contains(&Delegation::Seal),
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1",
        id,
        user_id.as_uuid(),
    )
    .execute(&mut *conn)
    .await?;
    platform_log::append(
        conn,
        LogActor::User(user_id),
        Subject {
            user_id: Some(user_id),
            cabinet_id: Some(view.cabinet_id),
        },
        meta,
        PlatformEvent::InvitationAccepted {
            role: view.role.as_str(),
        },
    )
    .await
}
