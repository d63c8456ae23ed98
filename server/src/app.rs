//! Assembles the state and the HTTP router.

use std::sync::Arc;

use axum::Router;
use sqlx::PgPool;

use crate::config::Config;
use crate::events::EventBus;
use crate::graphql::{self, ParapheSchema};
use crate::http;
use crate::pki::Pki;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub bus: EventBus,
    pub config: Config,
    pub schema: ParapheSchema,
    pub pki: Arc<Pki>,
}

/// Connects the event bus (Redis when configured), loads (or on first start creates) the
/// certificate authorities, and builds the schema.
pub async fn build_state(db: PgPool, config: Config) -> anyhow::Result<AppState> {
    let bus = match &config.redis_url {
        Some(url) => EventBus::redis(url).await?,
        None => EventBus::in_process(),
    };
    let pki = Pki::load_or_create(&db, &config.key_encryption_key, &config.public_url).await?;
    Ok(assemble(db, bus, config, Arc::new(pki)))
}

pub fn assemble(db: PgPool, bus: EventBus, config: Config, pki: Arc<Pki>) -> AppState {
    let schema = graphql::schema(db.clone(), bus.clone(), config.clone());
    AppState { db, bus, config, schema, pki }
}

pub fn router(state: AppState) -> Router {
    http::routes(state)
}
