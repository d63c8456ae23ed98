use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use paraphe_shared::terms::{CGU_VERSION, PRIVACY_POLICY_VERSION};
use paraphe_shared::{Delegation, Email, Language, NewPassword, PersonName, Role};
use uuid::Uuid;

use super::access::{self, CabinetScope, Need};
use super::invitations::{self, InvitationView, NewInvitation, PendingInvitation};
use super::{CabinetMembership, Member, TermsAcceptance};
use crate::accounts::graphql::{load_me, start_session, Me};
use crate::accounts::sessions;
use crate::events::{CabinetEventKind, DomainEvent};
use crate::graphql::context::{require_cabinet, ContextExt};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::language::LanguageCode;
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

    /// Invitations not yet accepted nor withdrawn, newest first (an expired one can be
    /// resent). The accountant's only: `FORBIDDEN` for a collaborator.
    async fn invitations(&self, ctx: &Context<'_>) -> ApiResult<Vec<InvitationGql>> {
        let scope = require_cabinet(ctx, self.scope.cabinet_id(), &[Need::Accountant]).await?;
        let pending = invitations::pending(ctx.db(), &scope).await?;
        Ok(pending.into_iter().map(Into::into).collect())
    }
}

/// An invitation waiting for its person, as the cabinet's accountant follows it.
#[derive(SimpleObject)]
#[graphql(name = "Invitation")]
pub struct InvitationGql {
    id: Uuid,
    email: String,
    role: RoleGql,
    /// What a collaborator will hold; an accountant holds every delegation.
    delegations: Vec<DelegationGql>,
    invited_by_name: String,
    created_at: DateTime<Utc>,
    /// When the latest email went (the first, or a resend).
    sent_at: DateTime<Utc>,
    /// Emails sent so far; at most 5.
    send_count: i32,
    /// The latest link stops working then; resending restarts 7 days.
    expires_at: DateTime<Utc>,
}

impl From<PendingInvitation> for InvitationGql {
    fn from(invitation: PendingInvitation) -> Self {
        InvitationGql {
            id: invitation.id,
            email: invitation.email,
            role: invitation.role.into(),
            delegations: invitation.delegations.into_iter().map(Into::into).collect(),
            invited_by_name: invitation.invited_by_name,
            created_at: invitation.created_at,
            sent_at: invitation.sent_at,
            send_count: invitation.send_count,
            expires_at: invitation.expires_at,
        }
    }
}

/// An invitation as its link's page shows it to the invited person.
#[derive(SimpleObject)]
#[graphql(name = "InvitationLink")]
pub struct InvitationLinkGql {
    cabinet_name: String,
    invited_by_name: String,
    /// The invited email: only an account with it can accept.
    email: String,
    role: RoleGql,
    delegations: Vec<DelegationGql>,
    expires_at: DateTime<Utc>,
    /// Whether an account has this email: log in to accept; otherwise create one.
    account_exists: bool,
}

impl From<InvitationView> for InvitationLinkGql {
    fn from(view: InvitationView) -> Self {
        InvitationLinkGql {
            cabinet_name: view.cabinet_name,
            invited_by_name: view.invited_by_name,
            email: view.email,
            role: view.role.into(),
            delegations: view.delegations.into_iter().map(Into::into).collect(),
            expires_at: view.expires_at,
            account_exists: view.account_exists,
        }
    }
}

/// Whom to invite and as what.
#[derive(InputObject)]
pub struct InviteMemberInput {
    pub email: String,
    pub role: RoleGql,
    /// A collaborator's delegations (any combination, possibly none); ignored for an
    /// accountant, who holds them all.
    #[graphql(default)]
    pub delegations: Vec<DelegationGql>,
    /// The language of the invitation's email; the inviting accountant's when absent.
    pub language: Option<LanguageCode>,
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

    /// What an invitation's link offers; `LINK_INVALID` (unknown, replaced by a resend or
    /// withdrawn), `LINK_USED`, `LINK_EXPIRED` or `CABINET_CLOSED` when it no longer works.
    /// No session needed.
    async fn invitation(&self, ctx: &Context<'_>, token: String) -> ApiResult<InvitationLinkGql> {
        Ok(invitations::inspect(ctx.db(), &token).await?.into())
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

    /// The accountant invites someone by email, as a collaborator with chosen delegations
    /// or as another accountant; the link (7 days, single use) goes by email.
    /// `ALREADY_MEMBER`, `ALREADY_INVITED` (resend or withdraw the waiting one),
    /// `VALIDATION` for a bad email, `FORBIDDEN` for a collaborator.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        input: InviteMemberInput,
    ) -> ApiResult<InvitationGql> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant, Need::Open]).await?;
        let email = Email::parse(&input.email).map_err(invitations::InvitationError::from)?;
        let new = NewInvitation {
            email,
            role: input.role.into(),
            delegations: input.delegations.into_iter().map(Into::into).collect(),
            language: input.language.map(Language::from),
        };
        let public_url = &ctx.config().public_url;
        let invitation =
            invitations::invite(ctx.db(), &scope, new, public_url, &ctx.meta()).await?;
        ctx.wake_outbox();
        Ok(invitation.into())
    }

    /// Sends a waiting invitation again with a new link (the previous one stops working)
    /// valid 7 more days; `RATE_LIMITED` after 5 emails, `NOT_FOUND` once accepted or
    /// withdrawn.
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        id: Uuid,
    ) -> ApiResult<InvitationGql> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant, Need::Open]).await?;
        let public_url = &ctx.config().public_url;
        let invitation = invitations::resend(ctx.db(), &scope, id, public_url, &ctx.meta()).await?;
        ctx.wake_outbox();
        Ok(invitation.into())
    }

    /// Withdraws a waiting invitation: its link stops working at once.
    async fn withdraw_invitation(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        id: Uuid,
    ) -> ApiResult<bool> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant, Need::Open]).await?;
        invitations::withdraw(ctx.db(), &scope, id, &ctx.meta()).await?;
        Ok(true)
    }

    /// The logged-in person accepts an invitation addressed to their email: they join the
    /// cabinet, which becomes the session's current one.
    /// `INVITATION_FOR_ANOTHER_ACCOUNT` when the session's email is not the invited one.
    async fn accept_invitation(&self, ctx: &Context<'_>, token: String) -> ApiResult<Me> {
        let viewer = ctx.viewer()?;
        let view = invitations::accept(ctx.db(), &token, viewer.user_id, &ctx.meta()).await?;
        joined(ctx, viewer, view.cabinet_id, viewer.user_id).await?;
        load_me(ctx, Some(view.cabinet_id)).await
    }

    /// Someone without an account accepts: the account is created with the invited
    /// email, these names and password (12 to 128 characters), joins the cabinet and is
    /// logged in (the session cookie is set). `VALIDATION` when an account already has the
    /// email (log in, then `acceptInvitation`).
    async fn accept_invitation_with_new_account(
        &self,
        ctx: &Context<'_>,
        token: String,
        first_name: String,
        last_name: String,
        password: String,
    ) -> ApiResult<Me> {
        let first_name =
            PersonName::parse(&first_name).map_err(invitations::InvitationError::from)?;
        let last_name =
            PersonName::parse(&last_name).map_err(invitations::InvitationError::from)?;
        let password = NewPassword::parse(&password).map_err(invitations::InvitationError::from)?;
        let meta = ctx.meta();
        let (user_id, view) = invitations::accept_with_new_account(
            ctx.db(),
            &token,
            first_name,
            last_name,
            password,
            &meta,
        )
        .await?;
        let viewer = start_session(ctx, user_id).await?;
        joined(ctx, &viewer, view.cabinet_id, user_id).await?;
        let user = crate::accounts::user_by_id(ctx.db(), user_id)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        Ok(Me::new(user, Some(view.cabinet_id)))
    }
}

/// After someone joined: the session acts for the cabinet and its members' pages refresh.
async fn joined(
    ctx: &Context<'_>,
    viewer: &sessions::Viewer,
    cabinet_id: CabinetId,
    user_id: UserId,
) -> ApiResult<()> {
    sessions::set_current_cabinet(ctx.db(), viewer, cabinet_id).await?;
    ctx.bus()
        .publish(DomainEvent::cabinet(
            cabinet_id,
            CabinetEventKind::MembershipChanged,
            Some(user_id),
        ))
        .await;
    Ok(())
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
