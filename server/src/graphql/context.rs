//! What every resolver can reach: the pool, the bus, and who is asking.

use async_graphql::Context;
use sqlx::PgPool;
use std::sync::Arc;

use super::error::{ApiError, ApiResult};
use crate::accounts::Viewer;
use crate::config::Config;
use crate::events::EventBus;
use crate::notifications::Notifier;
use crate::pki::Pki;

/// Facts about the HTTP request or WebSocket connection, recorded in audit rows.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

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
