//! Cabinets (accounting firms), their members, delegations and terms acceptance.
//!
//! Every function that reads or writes a cabinet's data takes a [`CabinetScope`] first:
//! the only way to get one is [`access::check`], so no query can forget the tenant guard.

pub mod access;
pub mod emails;
pub mod graphql;
pub mod invitations;

use chrono::{DateTime, Utc};
use paraphe_shared::terms::{CGU_VERSION, PRIVACY_POLICY_VERSION};
use paraphe_shared::{Delegation, Role};
use sqlx::PgPool;

pub use access::{CabinetScope, Need};

use crate::ids::{CabinetId, UserId};
use crate::request_meta::RequestMeta;

/// A cabinet as one of its members sees it in their list.
#[derive(Debug, Clone)]
pub struct CabinetMembership {
    pub cabinet_id: CabinetId,
    pub cabinet_name: String,
    pub role: Role,
    /// What this member may do; an accountant holds every delegation.
    pub delegations: Vec<Delegation>,
    /// Whether the accountant accepted the current terms, which opens the service.
    pub is_open: bool,
}

/// A member of a cabinet, as its accountant manages them.
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: UserId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub delegations: Vec<Delegation>,
}

#[derive(Debug, Clone)]
pub struct TermsAcceptance {
    pub cgu_version: String,
    pub privacy_policy_version: String,
    pub accepted_at: DateTime<Utc>,
    pub accepted_by: UserId,
    pub ip: Option<String>,
}

/// The delegations a membership row grants; accountants hold all of them.
pub(crate) fn delegations_of(role: Role, prepare: bool, sign: bool, seal: bool) -> Vec<Delegation> {
    if role == Role::Accountant {
        return Delegation::ALL.to_vec();
    }
    Delegation::ALL
        .into_iter()
        .zip([prepare, sign, seal])
        .filter_map(|(delegation, granted)| granted.then_some(delegation))
        .collect()
}

pub(crate) fn parse_role(stored: &str) -> Result<Role, sqlx::Error> {
    stored.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

struct MembershipRow {
    cabinet_id: CabinetId,
    cabinet_name: String,
    role: String,
    can_prepare: bool,
    can_sign: bool,
    can_seal: bool,
    is_open: bool,
}

/// The cabinets a user belongs to and can act for (a closed cabinet leaves the list). Not
/// cabinet-scoped: it is the user's own list.
pub async fn memberships_of_user(
    db: &PgPool,
    user_id: UserId,
) -> Result<Vec<CabinetMembership>, sqlx::Error> {
    // `is_open`: the cabinet accepted the current terms.
    let rows = sqlx::query_as!(
        MembershipRow,
        r#"SELECT c.id AS "cabinet_id: CabinetId", c.name AS cabinet_name, m.role, m.can_prepare, m.can_sign, m.can_seal,
                EXISTS (SELECT 1 FROM terms_acceptances t WHERE t.cabinet_id = c.id
                        AND t.cgu_version = $2 AND t.privacy_policy_version = $3) AS "is_open!"
         FROM memberships m JOIN cabinets c ON c.id = m.cabinet_id
         WHERE m.user_id = $1 AND c.closed_at IS NULL ORDER BY c.name, c.id"#,
        user_id.as_uuid(),
        CGU_VERSION,
        PRIVACY_POLICY_VERSION,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            let role = parse_role(&row.role)?;
            Ok(CabinetMembership {
                cabinet_id: row.cabinet_id,
                cabinet_name: row.cabinet_name,
                role,
                delegations: delegations_of(role, row.can_prepare, row.can_sign, row.can_seal),
                is_open: row.is_open,
            })
        })
        .collect()
}

pub async fn cabinet_name(db: &PgPool, scope: &CabinetScope) -> Result<String, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT name FROM cabinets WHERE id = $1",
        scope.cabinet_id().as_uuid()
    )
    .fetch_one(db)
    .await
}

pub async fn latest_terms_acceptance(
    db: &PgPool,
    scope: &CabinetScope,
) -> Result<Option<TermsAcceptance>, sqlx::Error> {
    sqlx::query_as!(
        TermsAcceptance,
        r#"SELECT cgu_version, privacy_policy_version, accepted_at, accepted_by AS "accepted_by: UserId", ip
         FROM terms_acceptances WHERE cabinet_id = $1 ORDER BY accepted_at DESC LIMIT 1"#,
        scope.cabinet_id().as_uuid(),
    )
    .fetch_optional(db)
    .await
}

struct MemberRow {
    user_id: UserId,
    email: String,
    first_name: String,
    last_name: String,
    role: String,
    can_prepare: bool,
    can_sign: bool,
    can_seal: bool,
}

impl MemberRow {
    fn into_member(self) -> Result<Member, sqlx::Error> {
        let role = parse_role(&self.role)?;
        Ok(Member {
            user_id: self.user_id,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            role,
            delegations: delegations_of(role, self.can_prepare, self.can_sign, self.can_seal),
        })
    }
}

/// One page of members (accountants first, then by name) and the total count.
pub async fn members(
    db: &PgPool,
    scope: &CabinetScope,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Member>, i64), sqlx::Error> {
    let rows = sqlx::query_as!(
        MemberRow,
        r#"SELECT u.id AS "user_id: UserId", u.email, u.first_name, u.last_name, m.role, m.can_prepare, m.can_sign, m.can_seal
           FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.cabinet_id = $1
         ORDER BY m.role = 'accountant' DESC, u.last_name, u.first_name, u.id
         OFFSET $2 LIMIT $3"#,
        scope.cabinet_id().as_uuid(),
        offset,
        limit,
    )
    .fetch_all(db)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM memberships WHERE cabinet_id = $1"#,
        scope.cabinet_id().as_uuid()
    )
    .fetch_one(db)
    .await?;
    let members = rows
        .into_iter()
        .map(MemberRow::into_member)
        .collect::<Result<_, _>>()?;
    Ok((members, total))
}

pub async fn member(
    db: &PgPool,
    scope: &CabinetScope,
    user_id: UserId,
) -> Result<Option<Member>, sqlx::Error> {
    let row = sqlx::query_as!(
        MemberRow,
        r#"SELECT u.id AS "user_id: UserId", u.email, u.first_name, u.last_name, m.role, m.can_prepare, m.can_sign, m.can_seal
           FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.cabinet_id = $1 AND m.user_id = $2"#,
        scope.cabinet_id().as_uuid(),
        user_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?;
    row.map(MemberRow::into_member).transpose()
}

/// Records the accountant's acceptance of the current terms (idempotent per version).
pub async fn accept_terms(
    db: &PgPool,
    scope: &CabinetScope,
    meta: &RequestMeta,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        "INSERT INTO terms_acceptances (cabinet_id, accepted_by, cgu_version, privacy_policy_version, ip, user_agent)
         SELECT $1, $2, $3, $4, $5, $6
         WHERE NOT EXISTS (SELECT 1 FROM terms_acceptances
                           WHERE cabinet_id = $1 AND cgu_version = $3 AND privacy_policy_version = $4)",
        scope.cabinet_id().as_uuid(),
        scope.user_id().as_uuid(),
        CGU_VERSION,
        PRIVACY_POLICY_VERSION,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
    )
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Replaces a collaborator's delegations. Returns `None` when the user is not a
/// collaborator of this cabinet (accountants hold every delegation by role).
pub async fn set_delegations(
    db: &PgPool,
    scope: &CabinetScope,
    user_id: UserId,
    delegations: &[Delegation],
) -> Result<Option<Member>, sqlx::Error> {
    let updated = sqlx::query!(
        "UPDATE memberships SET can_prepare = $3, can_sign = $4, can_seal = $5, updated_at = now()
         WHERE cabinet_id = $1 AND user_id = $2 AND role = 'collaborator'",
        scope.cabinet_id().as_uuid(),
        user_id.as_uuid(),
        delegations.contains(&Delegation::Prepare),
        delegations.contains(&Delegation::Sign),
        delegations.contains(&Delegation::Seal),
    )
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    member(db, scope, user_id).await
}

/// Removes a collaborator from the cabinet; `false` if there was no such collaborator.
pub async fn remove_collaborator(
    db: &PgPool,
    scope: &CabinetScope,
    user_id: UserId,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let removed = sqlx::query!(
        "DELETE FROM memberships WHERE cabinet_id = $1 AND user_id = $2 AND role = 'collaborator'",
        scope.cabinet_id().as_uuid(),
        user_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    // Their sessions must stop acting for this cabinet at once.
    sqlx::query!(
        "UPDATE sessions SET current_cabinet_id = NULL WHERE user_id = $2 AND current_cabinet_id = $1",
        scope.cabinet_id().as_uuid(),
        user_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(removed.rows_affected() == 1)
}

/// Creates a cabinet owned by an accountant. Used by provisioning (demo, SSO on first login).
pub async fn create_cabinet(
    db: &PgPool,
    name: &str,
    siren: Option<&str>,
    accountant: UserId,
) -> Result<CabinetId, sqlx::Error> {
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO cabinets (name, siren) VALUES ($1, $2) RETURNING id AS "id: CabinetId""#,
        name,
        siren,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO memberships (cabinet_id, user_id, role) VALUES ($1, $2, 'accountant')",
        id.as_uuid(),
        accountant.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds someone to a cabinet (no delegation yet); a no-op if they already belong to it.
pub async fn add_member(
    db: &PgPool,
    cabinet_id: CabinetId,
    user_id: UserId,
    role: Role,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO memberships (cabinet_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        cabinet_id.as_uuid(),
        user_id.as_uuid(),
        role.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accountants_hold_every_delegation_whatever_the_flags() {
        assert_eq!(
            delegations_of(Role::Accountant, false, false, false),
            Delegation::ALL.to_vec()
        );
        assert_eq!(
            delegations_of(Role::Collaborator, true, false, true),
            vec![Delegation::Prepare, Delegation::Seal]
        );
        assert!(delegations_of(Role::Collaborator, false, false, false).is_empty());
    }
}
