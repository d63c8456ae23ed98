//! Assembles the state and the HTTP router.

use std::sync::Arc;

use anyhow::Context as _;

use axum::Router;
use sqlx::PgPool;

use crate::accounts::oidc::Sso;
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
    /// Single sign-on (OpenID Connect); answers `NOT_CONFIGURED` when not set up.
    pub sso: Arc<Sso>,
}

/// Connects the event bus (Redis when configured), loads (or on first start creates) the
/// certificate authorities, and builds the schema.
pub async fn build_state(db: PgPool, config: Config) -> anyhow::Result<AppState> {
    let bus = match &config.redis_url {
        Some(url) => EventBus::redis(url.expose()).await?,
        None => EventBus::in_process(),
    };
    let pki = pki(&config, &db).await?;
    Ok(assemble(db, bus, config, Arc::new(pki)))
}

pub fn assemble(db: PgPool, bus: EventBus, config: Config, pki: Arc<Pki>) -> AppState {
    let notifier = Notifier::default();
    let sso = Arc::new(Sso::new(config.oidc.clone(), &config.public_url));
    let schema = graphql::schema(
        db.clone(),
        bus.clone(),
        config.clone(),
        pki.clone(),
        notifier.clone(),
        sso.clone(),
    );
    AppState {
        db,
        bus,
        config,
        schema,
        pki,
        notifier,
        sso,
    }
}

/// Starts the background workers (`workers`): the outbox sender, the collection jobs
/// (expiry, reminders, purge), the identity checks, the accounts' cleanup and the signer
/// key pool; and fetches the single sign-on provider's discovery document, without
/// waiting for it (a provider down delays nothing but its own logins).
pub fn spawn_workers(state: &AppState) -> anyhow::Result<()> {
    use std::time::Duration;
    let sso = state.sso.clone();
    tokio::spawn(async move { sso.warm_up().await });
    let (email, sms) = transports(&state.config)?;
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
        crate::identity::pipeline::IdentityJobs {
            db: state.db.clone(),
            bus: state.bus.clone(),
            config: state.config.clone(),
        },
        Duration::from_secs(60),
        None,
    );
    workers::spawn(
        crate::accounts::cleanup::AccountsCleanup {
            db: state.db.clone(),
        },
        Duration::from_secs(3600),
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

/// The instance's certificate authorities (created on first start) and the
/// time-stamping authority this configuration names.
pub async fn pki(config: &Config, db: &sqlx::PgPool) -> anyhow::Result<crate::pki::Pki> {
    let token = match &config.pkcs11_module {
        Some(module) => Some(std::sync::Arc::new(
            crate::keys::pkcs11::Token::open(
                module,
                &config.pkcs11_token,
                config.pkcs11_pin.expose(),
            )
            .context("PARAPHE_PKCS11_MODULE")?,
        )),
        None => None,
    };
    let pki =
        crate::pki::load_or_create_on(db, &config.key_encryption_key, &config.public_url, token)
            .await?;
    let Some(url) = &config.tsa_url else {
        return Ok(pki);
    };
    let anchors = match &config.tsa_ca_file {
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("PARAPHE_TSA_CA_FILE {}", path.display()))?;
            x509_cert::Certificate::load_pem_chain(&pem)
                .with_context(|| format!("PARAPHE_TSA_CA_FILE {}", path.display()))?
        }
        None => Vec::new(),
    };
    Ok(pki.with_remote_tsa(
        crate::pki::remote_tsa::RemoteTsa::new(url, anchors).map_err(anyhow::Error::msg)?,
    ))
}

/// The email and SMS transports this configuration names.
pub fn transports(
    config: &Config,
) -> anyhow::Result<(
    crate::notifications::EmailTransport,
    crate::notifications::SmsTransport,
)> {
    use crate::notifications::{EmailTransport, SmsTransport};
    let email = match &config.smtp_url {
        Some(url) => {
            let extra_roots = match &config.smtp_ca_file {
                Some(path) => Some(
                    std::fs::read(path)
                        .with_context(|| format!("PARAPHE_SMTP_CA_FILE {}", path.display()))?,
                ),
                None => None,
            };
            EmailTransport::smtp(url.expose(), extra_roots.as_deref())?
        }
        None => EmailTransport::Outbox(config.outbox_dir.clone()),
    };
    let sms = match &config.sms_gateway_url {
        Some(url) => SmsTransport::Http {
            url: url.clone(),
            token: config.sms_gateway_token.expose().to_owned(),
            client: reqwest::Client::new(),
        },
        None => SmsTransport::Outbox(config.outbox_dir.clone()),
    };
    Ok((email, sms))
}
