//! What every resolver can reach: the pool, the bus, and who is asking.

use async_graphql::Context;
use sqlx::PgPool;
use std::sync::Arc;

use super::error::{ApiError, ApiResult};
use crate::accounts::Viewer;
use crate::cabinets::access::{self, CabinetScope, Need};
use crate::config::Config;
use crate::events::EventBus;
use crate::ids::CabinetId;
use crate::notifications::Notifier;
use crate::pki::Pki;

pub use crate::request_meta::RequestMeta;

/// The authenticated person, if any, for this request or connection.
#[derive(Debug, Clone, Default)]
pub struct Authentication(pub Option<Viewer>);

pub trait ContextExt {
    fn db(&self) -> &PgPool;
    fn bus(&self) -> &EventBus;
    fn config(&self) -> &Config;
    fn meta(&self) -> RequestMeta;
    fn viewer(&self) -> ApiResult<&Viewer>;
    fn pki(&self) -> &Arc<Pki>;
    /// Tells the outbox dispatcher that a committed transaction queued emails or SMS.
    fn wake_outbox(&self);
}

impl ContextExt for Context<'_> {
    fn db(&self) -> &PgPool {
        self.data_unchecked::<PgPool>()
    }

    fn bus(&self) -> &EventBus {
        self.data_unchecked::<EventBus>()
    }

    fn config(&self) -> &Config {
        self.data_unchecked::<Config>()
    }

    fn meta(&self) -> RequestMeta {
        self.data_opt::<RequestMeta>().cloned().unwrap_or_default()
    }

    fn viewer(&self) -> ApiResult<&Viewer> {
        self.data_opt::<Authentication>()
            .and_then(|auth| auth.0.as_ref())
            .ok_or_else(ApiError::unauthenticated)
    }

    fn pki(&self) -> &Arc<Pki> {
        self.data_unchecked::<Arc<Pki>>()
    }

    fn wake_outbox(&self) {
        if let Some(notifier) = self.data_opt::<Notifier>() {
            notifier.wake();
        }
    }
}

/// The tenant guard for resolvers: the viewer's membership in `cabinet_id`, meeting
/// `needs` (`cabinets::access::check`, with who is asking taken from the context).
pub async fn require_cabinet(
    ctx: &Context<'_>,
    cabinet_id: CabinetId,
    needs: &[Need],
) -> ApiResult<CabinetScope> {
    let viewer = ctx.viewer()?;
    Ok(access::check(ctx.db(), viewer.user_id, cabinet_id, needs).await?)
}
