//! What follows a submission: the automatic checks (`verification::process`), then the
//! external provider when one is configured (`provider`), and the periodic job that
//! finishes what a crash or an unreachable provider left, and purges old images.
//! Kept apart so that `verification` and `provider` do not call each other.

use sqlx::PgPool;

use super::{provider, verification, Result};
use crate::config::Config;
use crate::events::{EventBus, IdentityEventKind};
use crate::ids::VerificationId;

/// Checks a submitted verification; one that needs a review goes to the provider when
/// there is one (the job sends it again when the provider cannot be reached).
pub async fn check(db: &PgPool, bus: &EventBus, config: &Config, id: VerificationId) -> Result<()> {
    let verdict = verification::process(db, bus, config, id).await?;
    if verdict == Some(IdentityEventKind::InReview) && config.identity_provider_url.is_some() {
        if let Err(error) = provider::request(db, config, id).await {
            tracing::warn!(%error, verification = %id, "the identity provider was not reached");
        }
    }
    Ok(())
}

/// The identity checks' background work (`crate::workers`).
pub struct IdentityJobs {
    pub db: PgPool,
    pub bus: EventBus,
    pub config: Config,
}

#[async_trait::async_trait]
impl crate::workers::Job for IdentityJobs {
    fn name(&self) -> &'static str {
        "identity checks"
    }

    async fn round(&self) -> Result<bool, crate::BoxError> {
        run_jobs(&self.db, &self.bus, &self.config).await?;
        Ok(false)
    }
}

/// One round: finish interrupted checks, ask the provider again, purge old images.
pub async fn run_jobs(db: &PgPool, bus: &EventBus, config: &Config) -> Result<()> {
    for id in verification::unchecked(db).await? {
        check(db, bus, config, id).await?;
    }
    for id in provider::unsent(db).await? {
        if let Err(error) = provider::request(db, config, id).await {
            tracing::warn!(%error, verification = %id, "the identity provider was not reached");
        }
    }
    verification::purge_images(db, config.identity_retention_days).await?;
    Ok(())
}
