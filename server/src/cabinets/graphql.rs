use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use paraphe_shared::terms::{CGU_VERSION, PRIVACY_POLICY_VERSION};
use paraphe_shared::{Delegation, Role};
use uuid::Uuid;

use super::access::{self, CabinetScope, Need};
use super::{CabinetMembership, Member, TermsAcceptance};
use crate::accounts::graphql::{load_me, Me};
use crate::accounts::sessions;
use crate::events::{CabinetEventKind, DomainEvent};
use crate::graphql::context::{require_cabinet, ContextExt};
use crate::graphql::error::{ApiError, ApiResult};
use crate::ids::{CabinetId, UserId};

/// Largest page a connection returns.
pub const MAX_PAGE: i32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Role", remote = "paraphe_shared::Role")]
pub enum RoleGql {
    Accountant,
    Collaborator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Delegation", remote = "paraphe_shared::Delegation")]
pub enum DelegationGql {
    Prepare,
    Sign,
    Seal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "CabinetEventKind", remote = "crate::events::CabinetEventKind")]
pub enum CabinetEventKindGql {
    TermsAccepted,
    MembershipChanged,
    MemberRemoved,
    /// Something happened in one of the cabinet's collections (see `collection`).
    CollectionChanged,
    /// Not about a cabinet: an identity verification changed (see `identity`).
    IdentityChanged,
}

/// A cabinet as one of its members sees it in their list.
#[derive(SimpleObject)]
#[graphql(name = "CabinetMembership")]
pub struct CabinetMembershipGql {
    pub cabinet_id: Uuid,
    pub cabinet_name: String,
    pub role: RoleGql,
    /// What this member may do; an accountant holds every delegation.
    pub delegations: Vec<DelegationGql>,
    /// Whether the accountant accepted the current terms, which opens the service.
    pub is_open: bool,
}

impl From<CabinetMembership> for CabinetMembershipGql {
    fn from(membership: CabinetMembership) -> Self {
        CabinetMembershipGql {
            cabinet_id: membership.cabinet_id.into_uuid(),
            cabinet_name: membership.cabinet_name,
            role: membership.role.into(),
            delegations: membership.delegations.into_iter().map(Into::into).collect(),
            is_open: membership.is_open,
        }
    }
}

/// A member of a cabinet, as its accountant manages them.
#[derive(SimpleObject)]
#[graphql(name = "Member")]
pub struct MemberGql {
    pub user_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: RoleGql,
    pub delegations: Vec<DelegationGql>,
}

impl From<Member> for MemberGql {
    fn from(member: Member) -> Self {
        MemberGql {
            user_id: member.user_id.into_uuid(),
            email: member.email,
            first_name: member.first_name,
            last_name: member.last_name,
            role: member.role.into(),
            delegations: member.delegations.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "TermsAcceptance")]
pub struct TermsAcceptanceGql {
    pub cgu_version: String,
    pub privacy_policy_version: String,
    pub accepted_at: DateTime<Utc>,
    pub accepted_by: Uuid,
}

impl From<TermsAcceptance> for TermsAcceptanceGql {
    fn from(acceptance: TermsAcceptance) -> Self {
        TermsAcceptanceGql {
            cgu_version: acceptance.cgu_version,
            privacy_policy_version: acceptance.privacy_policy_version,
            accepted_at: acceptance.accepted_at,
            accepted_by: acceptance.accepted_by.into_uuid(),
        }
    }
}

#[derive(SimpleObject)]
pub struct TermsVersions {
    pub cgu_version: String,
    pub privacy_policy_version: String,
}

/// A cabinet seen through the guard: every field reads through the caller's scope.
pub struct Cabinet {
    scope: CabinetScope,
}

#[Object]
impl Cabinet {
    async fn id(&self) -> Uuid {
        self.scope.cabinet_id().into_uuid()
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(super::cabinet_name(ctx.db(), &self.scope).await?)
    }

    /// Whether the accountant accepted the current terms, which opens the service.
    async fn is_open(&self) -> bool {
        self.scope.is_open()
    }

    async fn my_role(&self) -> RoleGql {
        self.scope.role().into()
    }

    async fn my_delegations(&self) -> Vec<DelegationGql> {
        self.scope
            .delegations()
            .iter()
            .copied()
            .map(Into::into)
            .collect()
    }

    /// The latest acceptance of the terms, if any.
    async fn terms_acceptance(&self, ctx: &Context<'_>) -> ApiResult<Option<TermsAcceptanceGql>> {
        let latest = super::latest_terms_acceptance(ctx.db(), &self.scope).await?;
        Ok(latest.map(Into::into))
    }

    /// Members, accountants first. `first` is at most 100; `CABINET_NOT_OPEN` until the
    /// terms are accepted.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
        after: Option<String>,
    ) -> ApiResult<Connection<String, MemberGql, EmptyFields, EmptyFields>> {
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(ApiError::validation(format!(
                "`first` doit être entre 0 et {MAX_PAGE}"
            )));
        }
        if !self.scope.is_open() {
            access::check(
                ctx.db(),
                self.scope.user_id(),
                self.scope.cabinet_id(),
                &[Need::Open],
            )
            .await?;
        }
        let offset = match after {
            None => 0,
            Some(cursor) => {
                cursor
                    .parse::<i64>()
                    .map_err(|_| ApiError::validation("curseur `after` invalide"))?
                    + 1
            }
        };
        let (members, total) =
            super::members(ctx.db(), &self.scope, offset, i64::from(first)).await?;
        let has_next = offset + (members.len() as i64) < total;
        let mut connection = Connection::new(offset > 0, has_next);
        connection.edges.extend(
            members
                .into_iter()
                .enumerate()
                .map(|(i, member)| Edge::new((offset + i as i64).to_string(), member.into())),
        );
        Ok(connection)
    }
}

#[derive(Default)]
pub struct CabinetsQuery;

#[Object]
impl CabinetsQuery {
    /// A cabinet the caller belongs to; `NOT_FOUND` for any other.
    async fn cabinet(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<Cabinet> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(id), &[]).await?;
        Ok(Cabinet { scope })
    }

    /// The versions of the CGU and data-protection policy in force.
    async fn current_terms(&self) -> TermsVersions {
        TermsVersions {
            cgu_version: CGU_VERSION.into(),
            privacy_policy_version: PRIVACY_POLICY_VERSION.into(),
        }
    }
}

#[derive(Default)]
pub struct CabinetsMutation;

#[Object]
impl CabinetsMutation {
    /// Makes this cabinet the one the session acts for.
    async fn switch_cabinet(&self, ctx: &Context<'_>, cabinet_id: Uuid) -> ApiResult<Me> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        require_cabinet(ctx, cabinet_id, &[]).await?;
        sessions::set_current_cabinet(ctx.db(), ctx.viewer()?, cabinet_id).await?;
        load_me(ctx, Some(cabinet_id)).await
    }

    /// The accountant accepts the CGU and the data-protection policy for this cabinet,
    /// which opens the service to it and its collaborators. The versions must be the
    /// current ones (`VALIDATION` otherwise): they say what the accountant was shown.
    async fn accept_terms(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        cgu_version: String,
        privacy_policy_version: String,
    ) -> ApiResult<Cabinet> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant]).await?;
        if cgu_version != CGU_VERSION || privacy_policy_version != PRIVACY_POLICY_VERSION {
            return Err(ApiError::validation(
                "ces versions des CGU ou de la politique de protection des données ne sont plus en vigueur ; rechargez la page",
            ));
        }
        if super::accept_terms(ctx.db(), &scope, &ctx.meta()).await? {
            ctx.bus()
                .publish(DomainEvent::cabinet(
                    cabinet_id,
                    CabinetEventKind::TermsAccepted,
                    None,
                ))
                .await;
        }
        let scope = require_cabinet(ctx, cabinet_id, &[]).await?;
        Ok(Cabinet { scope })
    }

    /// The accountant sets a collaborator's delegations (any combination, possibly none).
    async fn set_delegations(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        user_id: Uuid,
        delegations: Vec<DelegationGql>,
    ) -> ApiResult<MemberGql> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let user_id = UserId::from_uuid(user_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant, Need::Open]).await?;
        let delegations: Vec<Delegation> = delegations.into_iter().map(Into::into).collect();
        let member = match super::set_delegations(ctx.db(), &scope, user_id, &delegations).await? {
            Some(member) => member,
            None => return Err(not_a_collaborator(ctx, &scope, user_id).await),
        };
        ctx.bus()
            .publish(DomainEvent::cabinet(
                cabinet_id,
                CabinetEventKind::MembershipChanged,
                Some(user_id),
            ))
            .await;
        Ok(member.into())
    }

    /// The accountant removes a collaborator from the cabinet; effective immediately.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        user_id: Uuid,
    ) -> ApiResult<bool> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let user_id = UserId::from_uuid(user_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant, Need::Open]).await?;
        if !super::remove_collaborator(ctx.db(), &scope, user_id).await? {
            return Err(not_a_collaborator(ctx, &scope, user_id).await);
        }
        ctx.bus()
            .publish(DomainEvent::cabinet(
                cabinet_id,
                CabinetEventKind::MemberRemoved,
                Some(user_id),
            ))
            .await;
        Ok(true)
    }
}

/// Why a membership change found no collaborator: the accountant themself, or nobody.
async fn not_a_collaborator(ctx: &Context<'_>, scope: &CabinetScope, user_id: UserId) -> ApiError {
    match super::member(ctx.db(), scope, user_id).await {
        Ok(Some(member)) if member.role == Role::Accountant => ApiError::validation(
            "l'expert-comptable détient toutes les délégations ; elles ne se retirent pas",
        ),
        Ok(_) => ApiError::not_found(),
        Err(e) => e.into(),
    }
}

/// Something changed in a cabinet; clients refetch what they show.
#[derive(Debug, Clone, SimpleObject)]
pub struct CabinetEvent {
    pub cabinet_id: Uuid,
    pub kind: CabinetEventKindGql,
    /// The member concerned, for membership events.
    pub user_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Default)]
pub struct CabinetsSubscription;

#[Subscription]
impl CabinetsSubscription {
    /// Live changes of a cabinet the caller belongs to (terms accepted, delegations
    /// granted or revoked, members removed). Access is checked again before every event:
    /// a member who is removed gets a final `NOT_FOUND` error and the stream ends.
    async fn cabinet_events(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
    ) -> Result<impl Stream<Item = ApiResult<CabinetEvent>>, ApiError> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let user_id = ctx.viewer()?.user_id;
        require_cabinet(ctx, cabinet_id, &[]).await?;
        let db = ctx.db().clone();
        let mut events = ctx.bus().subscribe();
        Ok(async_stream::stream! {
            loop {
                let Some(event) = crate::events::next(&mut events).await else { break };
                // Collection progress and identity checks have their own subscriptions.
                let DomainEvent::Cabinet { cabinet_id: of, kind, user_id: member, at } = event else {
                    continue;
                };
                if of != cabinet_id {
                    continue;
                }
                if let Err(error) = access::check(&db, user_id, cabinet_id, &[]).await {
                    yield Err(error.into());
                    break;
                }
                yield Ok(CabinetEvent {
                    cabinet_id: cabinet_id.into_uuid(),
                    kind: kind.into(),
                    user_id: member.map(UserId::into_uuid),
                    at,
                });
            }
        })
    }
}
