//! What accounts leave behind and nobody needs once past: expired sessions, password
//! links a day past their expiry, login failures older than the throttling window, single
//! sign-on logins a day past theirs.

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
        // Kept a day past their ten minutes so that a late answer reads "expired", not "unknown".
        let sso_logins =
            sqlx::query!("DELETE FROM oidc_logins WHERE expires_at < now() - interval '1 day'")
                .execute(&self.db)
                .await?
                .rows_affected();
        if sessions + links + failures + sso_logins > 0 {
            tracing::info!(
                sessions,
                links,
                failures,
                sso_logins,
                "expired account records deleted"
            );
        }
        Ok(false)
    }
}
