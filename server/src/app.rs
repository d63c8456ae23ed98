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
use crate::workers;

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

/// Starts the background workers (`workers`): the outbox sender, the collection jobs
/// (expiry, reminders, purge), the identity checks and the signer key pool.
pub fn spawn_workers(state: &AppState) -> anyhow::Result<()> {
    use std::time::Duration;
    let (email, sms) = state.config.transports()?;
    let from: lettre::message::Mailbox = state
        .config
        .mail_from
        .parse()
        .map_err(|e| anyhow::anyhow!("PARAPHE_MAIL_FROM={:?}: {e}", state.config.mail_from))?;
    workers::spawn(
        Dispatcher::new(state.db.clone(), email, sms, from),
        Duration::from_secs(5),
        Some(state.notifier.handle()),
    );
    workers::spawn(
        Jobs {
            db: state.db.clone(),
            bus: state.bus.clone(),
            notifier: state.notifier.clone(),
            public_url: state.config.public_url.clone(),
            kek: state.config.key_encryption_key.clone(),
            remind_every_days: state.config.remind_every_days,
        },
        Duration::from_secs(60),
        None,
    );
    workers::spawn(
        crate::identity::verification::IdentityJobs {
            db: state.db.clone(),
            bus: state.bus.clone(),
            config: state.config.clone(),
        },
        Duration::from_secs(60),
        None,
    );
    if state.config.signer_key_pool > 0 {
        workers::spawn(
            crate::keys::pool::Refill {
                db: state.db.clone(),
                kek: state.config.key_encryption_key.clone(),
                target: state.config.signer_key_pool,
            },
            Duration::from_secs(5),
            None,
        );
    }
    Ok(())
}

pub fn router(state: AppState) -> Router {
    http::routes(state)
}
