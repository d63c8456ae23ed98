//! What every resolver can reach: the pool, the bus, and who is asking.

use async_graphql::Context;
use sqlx::PgPool;

use super::error::{ApiError, ApiResult};
use crate::accounts::Viewer;
use crate::config::Config;
use crate::events::EventBus;

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
}
