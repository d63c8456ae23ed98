//! The platform area's API: platform administrators only (`FORBIDDEN` for anyone else).

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use paraphe_shared::{CabinetName, Email, PersonName, Siren};
use uuid::Uuid;

use super::{NewAccountant, NewCabinet, PlatformCabinet, PlatformError, PlatformUser};
use crate::graphql::context::ContextExt;
use crate::graphql::error::{ApiError, ApiResult};
use crate::ids::{CabinetId, UserId};
use crate::platform_log::{self, LogEntry};

/// A cabinet as the platform's administrators see it.
#[derive(SimpleObject)]
#[graphql(name = "PlatformCabinet")]
pub struct PlatformCabinetGql {
    id: Uuid,
    name: String,
    siren: Option<String>,
    created_at: DateTime<Utc>,
    /// When the platform closed it; `null` while it is open.
    closed_at: Option<DateTime<Utc>>,
    credit_balance_cents: i64,
    member_count: i64,
    /// Its accountants' emails.
    accountants: Vec<String>,
}

impl From<PlatformCabinet> for PlatformCabinetGql {
    fn from(c: PlatformCabinet) -> Self {
        PlatformCabinetGql {
            id: c.id.into_uuid(),
            name: c.name,
            siren: c.siren,
            created_at: c.created_at,
            closed_at: c.closed_at,
            credit_balance_cents: c.credit_balance_cents,
            member_count: c.member_count,
            accountants: c.accountants,
        }
    }
}

/// A person as the platform's administrators see them.
#[derive(SimpleObject)]
#[graphql(name = "PlatformUser")]
pub struct PlatformUserGql {
    id: Uuid,
    email: String,
    first_name: String,
    last_name: String,
    is_operator: bool,
    is_platform_admin: bool,
    /// Whether they chose a password (an account waiting for its set-up link has none).
    has_password: bool,
    created_at: DateTime<Utc>,
}

impl From<PlatformUser> for PlatformUserGql {
    fn from(u: PlatformUser) -> Self {
        PlatformUserGql {
            id: u.id.into_uuid(),
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            is_operator: u.is_operator,
            is_platform_admin: u.is_platform_admin,
            has_password: u.has_password,
            created_at: u.created_at,
        }
    }
}

/// An entry of the platform's log.
#[derive(SimpleObject)]
#[graphql(name = "PlatformEvent")]
pub struct PlatformEventGql {
    id: ID,
    at: DateTime<Utc>,
    /// `cabinet_created`, `accountant_assigned`, `cabinet_closed`, `operator_granted`,
    /// `operator_withdrawn`, `admin_granted`, `password_link_sent`, `password_chosen`,
    /// `password_changed`, `sessions_closed`, `invitation_sent`, `invitation_withdrawn`,
    /// `invitation_accepted`.
    kind: String,
    /// `user:<id>` or `system` (the server's command line).
    actor: String,
    user_id: Option<Uuid>,
    cabinet_id: Option<Uuid>,
    /// The entry's details as a JSON object.
    details: String,
    ip: Option<String>,
}

impl From<LogEntry> for PlatformEventGql {
    fn from(e: LogEntry) -> Self {
        PlatformEventGql {
            id: ID(e.id.to_string()),
            at: e.at,
            kind: e.kind,
            actor: e.actor,
            user_id: e.user_id,
            cabinet_id: e.cabinet_id,
            details: e.details.to_string(),
            ip: e.ip,
        }
    }
}

/// The most people one page of `platformUsers` gives.
pub const MAX_USERS_PAGE: i32 = 200;

#[derive(SimpleObject)]
pub struct UsersTotal {
    /// How many people match the search (all of them without one), all pages together.
    pub total_count: i64,
}

async fn admin(ctx: &Context<'_>) -> ApiResult<UserId> {
    let user_id = ctx.viewer()?.user_id;
    super::require_admin(ctx.db(), user_id).await?;
    Ok(user_id)
}

#[derive(Default)]
pub struct PlatformQuery;

#[Object]
impl PlatformQuery {
    /// Every cabinet of the instance (open ones first), or those whose name or SIREN
    /// contains `search`.
    async fn platform_cabinets(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
    ) -> ApiResult<Vec<PlatformCabinetGql>> {
        admin(ctx).await?;
        let cabinets = super::cabinets(ctx.db(), search.as_deref()).await?;
        Ok(cabinets.into_iter().map(Into::into).collect())
    }

    /// People with an account, by email; `search` in the email or the name. `first` (1 to
    /// 200) after the cursor `after` (an edge's cursor: the email it ends on).
    async fn platform_users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        #[graphql(default = 50)] first: i32,
        after: Option<String>,
    ) -> ApiResult<Connection<String, PlatformUserGql, UsersTotal, EmptyFields>> {
        admin(ctx).await?;
        if !(1..=MAX_USERS_PAGE).contains(&first) {
            return Err(ApiError::validation(format!(
                "`first` doit être entre 1 et {MAX_USERS_PAGE}"
            )));
        }
        let search = search.as_deref();
        let mut users =
            super::users(ctx.db(), search, after.as_deref(), i64::from(first) + 1).await?;
        let total_count = super::count_users(ctx.db(), search).await?;
        let has_next = users.len() > first as usize;
        users.truncate(first as usize);
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            UsersTotal { total_count },
        );
        connection.edges.extend(
            users
                .into_iter()
                .map(|user| Edge::new(user.email.clone(), user.into())),
        );
        Ok(connection)
    }

    /// The platform's log, newest first: `first` entries (at most 200) before the entry
    /// `before`.
    async fn platform_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
        before: Option<ID>,
    ) -> ApiResult<Vec<PlatformEventGql>> {
        admin(ctx).await?;
        let before = match before {
            Some(id) => Some(
                id.parse::<i64>()
                    .map_err(|_| ApiError::validation("curseur invalide"))?,
            ),
            None => None,
        };
        let mut conn = ctx.db().acquire().await?;
        let entries =
            platform_log::latest(&mut conn, before, i64::from(first.clamp(1, 200))).await?;
        Ok(entries.into_iter().map(Into::into).collect())
    }
}

/// A new cabinet and the accountant who will own it.
#[derive(InputObject)]
pub struct CreateCabinetInput {
    name: String,
    /// 9 digits (spaces allowed), checked with the Luhn key.
    siren: String,
    accountant_email: String,
    accountant_first_name: String,
    accountant_last_name: String,
}

impl TryFrom<CreateCabinetInput> for NewCabinet {
    type Error = PlatformError;
    fn try_from(input: CreateCabinetInput) -> Result<Self, PlatformError> {
        Ok(NewCabinet {
            name: CabinetName::parse(&input.name)?,
            siren: Siren::parse(&input.siren)?,
            accountant: NewAccountant {
                email: Email::parse(&input.accountant_email)?,
                first_name: PersonName::parse(&input.accountant_first_name)?,
                last_name: PersonName::parse(&input.accountant_last_name)?,
            },
        })
    }
}

#[derive(Default)]
pub struct PlatformMutation;

#[Object]
impl PlatformMutation {
    /// Creates a cabinet and makes the accountant its owner: an existing account by that
    /// email joins it, otherwise one is created and emailed a link to choose a password
    /// (7 days). `VALIDATION` for a bad cabinet name, SIREN, email or person's name, or a
    /// SIREN another cabinet has.
    async fn create_cabinet(
        &self,
        ctx: &Context<'_>,
        input: CreateCabinetInput,
    ) -> ApiResult<PlatformCabinetGql> {
        let admin = admin(ctx).await?;
        let new = NewCabinet::try_from(input)?;
        let cabinet =
            super::create_cabinet(ctx.db(), admin, new, &ctx.config().public_url, &ctx.meta())
                .await?;
        ctx.wake_outbox();
        Ok(cabinet.into())
    }

    /// Closes a cabinet: nobody acts for it any more (`CABINET_CLOSED`); its records stay.
    /// `INVALID_STATE` while it has collections running or when it is already closed.
    async fn close_cabinet(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<PlatformCabinetGql> {
        let admin = admin(ctx).await?;
        Ok(
            super::close_cabinet(ctx.db(), admin, CabinetId::from_uuid(id), &ctx.meta())
                .await?
                .into(),
        )
    }

    /// Grants (`operator: true`) or withdraws the operator role: reviewing identity
    /// documents in the back office.
    async fn set_operator(
        &self,
        ctx: &Context<'_>,
        user_id: Uuid,
        operator: bool,
    ) -> ApiResult<PlatformUserGql> {
        let admin = admin(ctx).await?;
        Ok(super::set_operator(
            ctx.db(),
            admin,
            UserId::from_uuid(user_id),
            operator,
            &ctx.meta(),
        )
        .await?
        .into())
    }
}
