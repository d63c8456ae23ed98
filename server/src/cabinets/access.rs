//! The tenant guard. A [`CabinetScope`] proves that, at the time of this request, the
//! viewer belongs to the cabinet and meets the stated needs. It is re-evaluated on every
//! request and on every subscription event, so a revoked delegation or a removed member
//! loses access at once. There is no cache on purpose.

use paraphe_shared::terms::{CGU_VERSION, PRIVACY_POLICY_VERSION};
use paraphe_shared::{Delegation, Role};
use sqlx::PgPool;

use crate::ids::{CabinetId, UserId};

use super::{delegations_of, parse_role};

/// Why the guard said no. A cabinet the user does not belong to is `NotFound`, never a
/// refusal, so that nobody learns which cabinet ids exist.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("introuvable")]
    NotFound,
    #[error("réservé à l'expert-comptable du cabinet")]
    AccountantOnly,
    #[error("délégation « {0} » requise")]
    DelegationRequired(Delegation),
    #[error("le service n'est pas encore ouvert pour ce cabinet : l'expert-comptable doit accepter les CGU et la politique de protection des données")]
    NotOpen,
    #[error("ce cabinet a été fermé")]
    Closed,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What an operation needs beyond membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The accountant (owner) of the cabinet.
    Accountant,
    /// A delegation, held explicitly or by being the accountant.
    Delegation(Delegation),
    /// The cabinet's terms accepted: its service is open.
    Open,
}

#[derive(Debug, Clone)]
pub struct CabinetScope {
    cabinet_id: CabinetId,
    user_id: UserId,
    role: Role,
    delegations: Vec<Delegation>,
    is_open: bool,
}

impl CabinetScope {
    pub fn cabinet_id(&self) -> CabinetId {
        self.cabinet_id
    }
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn delegations(&self) -> &[Delegation] {
        &self.delegations
    }
    pub fn is_open(&self) -> bool {
        self.is_open
    }
}

struct AccessRow {
    closed: bool,
    role: String,
    can_prepare: bool,
    can_sign: bool,
    can_seal: bool,
    is_open: bool,
}

/// The guard: the membership of `user_id` in `cabinet_id`, read now, meeting `needs`.
pub async fn check(
    db: &PgPool,
    user_id: UserId,
    cabinet_id: CabinetId,
    needs: &[Need],
) -> Result<CabinetScope, AccessError> {
    let row = sqlx::query_as!(
        AccessRow,
        r#"SELECT c.closed_at IS NOT NULL AS "closed!", m.role, m.can_prepare, m.can_sign, m.can_seal,
                EXISTS (SELECT 1 FROM terms_acceptances t WHERE t.cabinet_id = m.cabinet_id
                        AND t.cgu_version = $3 AND t.privacy_policy_version = $4) AS "is_open!"
         FROM memberships m JOIN cabinets c ON c.id = m.cabinet_id
         WHERE m.cabinet_id = $1 AND m.user_id = $2"#,
        cabinet_id.as_uuid(),
        user_id.as_uuid(),
        CGU_VERSION,
        PRIVACY_POLICY_VERSION,
    )
    .fetch_optional(db)
    .await?;
    let row = row.ok_or(AccessError::NotFound)?;
    if row.closed {
        return Err(AccessError::Closed);
    }
    let role = parse_role(&row.role)?;
    let scope = CabinetScope {
        cabinet_id,
        user_id,
        role,
        delegations: delegations_of(role, row.can_prepare, row.can_sign, row.can_seal),
        is_open: row.is_open,
    };
    for need in needs {
        match need {
            Need::Accountant if scope.role != Role::Accountant => {
                return Err(AccessError::AccountantOnly)
            }
            Need::Delegation(d) if !scope.delegations.contains(d) => {
                return Err(AccessError::DelegationRequired(*d))
            }
            Need::Open if !scope.is_open => return Err(AccessError::NotOpen),
            _ => {}
        }
    }
    Ok(scope)
}
