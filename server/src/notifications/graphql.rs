use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::graphql::context::ContextExt;
use crate::graphql::error::{ApiError, ApiResult};

/// A message as the development outbox page lists it.
#[derive(SimpleObject)]
pub struct OutboxMessage {
    pub id: i64,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The newest emails and SMS, codes and links included, so that one person can follow
    /// a whole signature on one machine. Only when the server runs with
    /// `PARAPHE_DEV_OUTBOX=true` (`NOT_FOUND` otherwise, and the server refuses it with an
    /// https public URL), and only for a platform administrator's session: it spans every
    /// cabinet (`UNAUTHENTICATED`, `FORBIDDEN`).
    async fn dev_outbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: i32,
    ) -> ApiResult<Vec<OutboxMessage>> {
        if !ctx.config().dev_outbox {
            return Err(ApiError::not_found());
        }
        let viewer = ctx.viewer()?;
        if !crate::accounts::is_platform_admin(ctx.db(), viewer.user_id).await? {
            return Err(ApiError::new(
                paraphe_shared::ErrorCode::Forbidden,
                "réservé aux administrateurs de la plateforme",
            ));
        }
        let rows = sqlx::query_as!(
            super::OutboxRow,
            "SELECT id, channel, recipient, sender_name, subject, body, created_at, attempts, sent_at, last_error
             FROM outbox ORDER BY id DESC LIMIT $1",
            i64::from(first.clamp(0, 500)),
        )
        .fetch_all(ctx.db())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| OutboxMessage {
                id: r.id,
                channel: r.channel,
                recipient: r.recipient,
                subject: r.subject,
                body: r.body,
                created_at: r.created_at,
                sent_at: r.sent_at,
            })
            .collect())
    }
}
