//! What accounts leave behind and nobody needs once past: expired sessions, password
//! links a day past their expiry, login failures older than the throttling window.

use sqlx::PgPool;

use crate::workers::Job;
use crate::BoxError;

pub struct AccountsCleanup {
    pub db: PgPool,
}

#[async_trait::async_trait]
impl Job for AccountsCleanup {
    fn name(&self) -> &'static str {
        "accounts cleanup"
    }

    async fn round(&self) -> Result<bool, BoxError> {
        let sessions = sqlx::query!("DELETE FROM sessions WHERE expires_at < now()")
            .execute(&self.db)
            .await?
            .rows_affected();
        let links =
            sqlx::query!("DELETE FROM password_links WHERE expires_at < now() - interval '1 day'")
                .execute(&self.db)
                .await?
                .rows_affected();
        let failures =
            sqlx::query!("DELETE FROM login_failures WHERE failed_at < now() - interval '1 day'")
                .execute(&self.db)
                .await?
                .rows_affected();
        if sessions + links + failures > 0 {
            tracing::info!(sessions, links, failures, "expired account records deleted");
        }
        Ok(false)
    }
}
