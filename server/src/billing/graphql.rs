use async_graphql::{Context, Object, SimpleObject};
use paraphe_shared::ErrorCode;
use uuid::Uuid;

use super::{LedgerEntry, MonthlyConsumption};
use crate::cabinets::access::Need;
use crate::graphql::context::{require_cabinet, ContextExt};
use crate::graphql::error::{ApiError, ApiResult};
use crate::ids::{CabinetId, CollectionId};

/// A cabinet's prepaid credit.
#[derive(SimpleObject)]
pub struct Credit {
    pub cabinet_id: Uuid,
    pub balance_cents: i64,
    /// The balance minus what running collections still owe: what a launch may spend.
    pub available_cents: i64,
    pub signature_price_cents: i64,
    pub seal_price_cents: i64,
    pub qualified_certificate_price_cents: i64,
}

/// One month of one cabinet's ledger.
#[derive(SimpleObject)]
#[graphql(name = "MonthlyConsumption")]
pub struct MonthlyConsumptionGql {
    /// First day of the month, `YYYY-MM`.
    pub month: String,
    pub signatures: i64,
    pub seals: i64,
    pub qualified_certificates: i64,
    /// Money spent this month, in cents (positive).
    pub spent_cents: i64,
    /// Credit bought this month, in cents.
    pub credited_cents: i64,
}

impl From<MonthlyConsumption> for MonthlyConsumptionGql {
    fn from(month: MonthlyConsumption) -> Self {
        MonthlyConsumptionGql {
            month: month.month,
            signatures: month.signatures,
            seals: month.seals,
            qualified_certificates: month.qualified_certificates,
            spent_cents: month.spent_cents,
            credited_cents: month.credited_cents,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "LedgerEntry")]
pub struct LedgerEntryGql {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub amount_cents: i64,
    pub kind: String,
    pub collection_id: Option<Uuid>,
    pub note: String,
}

impl From<LedgerEntry> for LedgerEntryGql {
    fn from(entry: LedgerEntry) -> Self {
        LedgerEntryGql {
            id: entry.id,
            at: entry.at,
            amount_cents: entry.amount_cents,
            kind: entry.kind,
            collection_id: entry.collection_id.map(CollectionId::into_uuid),
            note: entry.note,
        }
    }
}

#[derive(Default)]
pub struct BillingQuery;

#[Object]
impl BillingQuery {
    /// The cabinet's credit; any member sees it.
    async fn credit(&self, ctx: &Context<'_>, cabinet_id: Uuid) -> ApiResult<Credit> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[]).await?;
        let mut conn = ctx.db().acquire().await?;
        let balance = super::balance(&mut conn, scope.cabinet_id()).await?;
        let committed = super::committed(&mut conn, scope.cabinet_id(), None).await?;
        Ok(Credit {
            cabinet_id: scope.cabinet_id().into_uuid(),
            balance_cents: balance,
            available_cents: balance - committed,
            signature_price_cents: super::SIGNATURE_CENTS,
            seal_price_cents: super::SEAL_CENTS,
            qualified_certificate_price_cents: super::QCP_CENTS,
        })
    }

    /// Consumption per month, newest first (the accountant's "Consommation" tab).
    async fn consumption(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
    ) -> ApiResult<Vec<MonthlyConsumptionGql>> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant]).await?;
        let months = super::consumption(ctx.db(), scope.cabinet_id()).await?;
        Ok(months.into_iter().map(Into::into).collect())
    }

    /// The newest ledger entries (at most 1000), and the same as CSV for export.
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        #[graphql(default = 100)] first: i32,
    ) -> ApiResult<Vec<LedgerEntryGql>> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant]).await?;
        if !(0..=1000).contains(&first) {
            return Err(ApiError::validation("`first` doit être entre 0 et 1000"));
        }
        let entries = super::ledger(ctx.db(), scope.cabinet_id(), i64::from(first)).await?;
        Ok(entries.into_iter().map(Into::into).collect())
    }

    async fn ledger_csv(&self, ctx: &Context<'_>, cabinet_id: Uuid) -> ApiResult<String> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let scope = require_cabinet(ctx, cabinet_id, &[Need::Accountant]).await?;
        let entries = super::ledger(ctx.db(), scope.cabinet_id(), 100_000).await?;
        Ok(super::ledger_csv(&entries)?)
    }
}

#[derive(Default)]
pub struct BillingMutation;

#[Object]
impl BillingMutation {
    /// The platform credits a cabinet with prepaid credit (platform administrators only).
    /// Returns the new balance in cents.
    async fn credit_cabinet(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        amount_cents: i64,
        #[graphql(default)] note: String,
    ) -> ApiResult<i64> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let viewer = ctx.viewer()?;
        if !crate::accounts::is_platform_admin(ctx.db(), viewer.user_id).await? {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "réservé aux administrateurs de la plateforme",
            ));
        }
        let exists = sqlx::query_scalar!(
            "SELECT id FROM cabinets WHERE id = $1",
            cabinet_id.as_uuid()
        )
        .fetch_optional(ctx.db())
        .await?;
        if exists.is_none() {
            return Err(ApiError::not_found());
        }
        Ok(super::credit(
            ctx.db(),
            cabinet_id,
            amount_cents,
            &note,
            Some(viewer.user_id),
        )
        .await?)
    }
}
