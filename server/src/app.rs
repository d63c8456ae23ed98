//! Assembles the state and the HTTP router.

use std::sync::Arc;

use axum::Router;
use sqlx::PgPool;

use crate::collections::jobs::Jobs;
use crate::config::Config;
use crate::events::EventBus;
use crate::graphql::{self, ParapheSchema};
use crate::http;
use crate::notifications::{Dispatcher, Notifier};
use crate::pki::Pki;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub bus: EventBus,
    pub config: Config,
    pub schema: ParapheSchema,
    pub pki: Arc<Pki>,
    pub notifier: Notifier,
}

/// Connects the event bus (Redis when configured), loads (or on first start creates) the
/// certificate authorities, and builds the schema.
pub async fn build_state(db: PgPool, config: Config) -> anyhow::Result<AppState> {
    let bus = match &config.redis_url {
        Some(url) => EventBus::redis(url).await?,
        None => EventBus::in_process(),
    };
    let pki = config.pki(&db).await?;
    Ok(assemble(db, bus, config, Arc::new(pki)))
}

pub fn assemble(db: PgPool, bus: EventBus, config: Config, pki: Arc<Pki>) -> AppState {
    let notifier = Notifier::default();
    let schema = graphql::schema(
        db.clone(),
        bus.clone(),
        config.clone(),
        pki.clone(),
        notifier.clone(),
    );
    AppState {
        db,
        bus,
        config,
        schema,
        pki,
        notifier,
    }
}

/// Starts the background workers: the outbox sender and the collection jobs (expiry,
/// reminders, purge).
pub fn spawn_workers(state: &AppState) -> anyhow::Result<()> {
    let (email, sms) = state.config.transports()?;
    let from: lettre::message::Mailbox = state
        .config
        .mail_from
        .parse()
        .map_err(|e| anyhow::anyhow!("PARAPHE_MAIL_FROM={:?}: {e}", state.config.mail_from))?;
    Dispatcher::new(state.db.clone(), email, sms, from, state.notifier.clone()).spawn();
    Jobs {
        db: state.db.clone(),
        bus: state.bus.clone(),
        notifier: state.notifier.clone(),
        public_url: state.config.public_url.clone(),
        kek: state.config.key_encryption_key.clone(),
        remind_every_days: state.config.remind_every_days,
    }
    .spawn(std::time::Duration::from_secs(60));
    crate::keys::pool::spawn(
        state.db.clone(),
        state.config.key_encryption_key.clone(),
        state.config.signer_key_pool,
    );
    let (db, bus, config) = (state.db.clone(), state.bus.clone(), state.config.clone());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(error) = crate::identity::verification::run_jobs(&db, &bus, &config).await {
                tracing::error!(%error, "identity jobs failed");
            }
        }
    });
    Ok(())
}

pub fn router(state: AppState) -> Router {
    http::routes(state)
}
