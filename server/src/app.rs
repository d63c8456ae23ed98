//! Assembles the state and the HTTP router.

use axum::Router;
use sqlx::PgPool;

use crate::config::Config;
use crate::events::EventBus;
use crate::graphql::{self, ParapheSchema};
use crate::http;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub bus: EventBus,
    pub config: Config,
    pub schema: ParapheSchema,
}

/// Connects the event bus (Redis when configured) and builds the schema.
pub async fn build_state(db: PgPool, config: Config) -> anyhow::Result<AppState> {
    let bus = match &config.redis_url {
        Some(url) => EventBus::redis(url).await?,
        None => EventBus::in_process(),
    };
    Ok(state_with_bus(db, bus, config))
}

pub fn state_with_bus(db: PgPool, bus: EventBus, config: Config) -> AppState {
    let schema = graphql::schema(db.clone(), bus.clone(), config.clone());
    AppState { db, bus, config, schema }
}

pub fn router(state: AppState) -> Router {
    http::routes(state)
}
