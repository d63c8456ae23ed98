//! Background work on collections: expiry, automatic reminders, purge of documents.
//!
//! Each job is a scan of the database for what is due, so nothing is lost when the server
//! restarts, and replicas can run them side by side (rows are locked one by one).

use sqlx::PgPool;

use super::{emails, invitations, lock, CollectionStatus, Result, SignerStatus, RETENTION_DAYS};
use crate::audit::{self, Actor, AuditEvent};
use crate::events::{CollectionEventKind, EventBus};
use crate::ids::{CabinetId, CollectionId};
use crate::keys::KeyEncryptionKey;
use crate::notifications::{self, Notifier};
use crate::request_meta::RequestMeta;

/// What one round did, for logs and tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub expired: usize,
    pub reminded: usize,
    pub purged: usize,
}

pub struct Jobs {
    pub db: PgPool,
    pub bus: EventBus,
    pub notifier: Notifier,
    pub public_url: String,
    /// Seals the reminders' links, so that the next reminder re-sends the same one.
    pub kek: KeyEncryptionKey,
    pub remind_every_days: i64,
}

/// Expiry, reminders and purge as one worker (`crate::workers`).
#[async_trait::async_trait]
impl crate::workers::Job for Jobs {
    fn name(&self) -> &'static str {
        "collections"
    }

    async fn round(&self) -> Result<bool, crate::BoxError> {
        let round = self.run_once().await?;
        if round != Round::default() {
            tracing::info!(?round, "collection jobs");
        }
        Ok(false)
    }
}

impl Jobs {
    pub async fn run_once(&self) -> Result<Round> {
        let round = Round {
            expired: self.expire().await?,
            reminded: self.remind().await?,
            purged: self.purge().await?,
        };
        if round.expired + round.reminded > 0 {
            self.notifier.wake();
        }
        Ok(round)
    }

    async fn expire(&self) -> Result<usize> {
        let due = sqlx::query_scalar!(
            r#"SELECT id AS "id: CollectionId" FROM collections WHERE status = 'active' AND expires_at <= now()"#
        )
        .fetch_all(&self.db)
        .await?;
        let mut done = 0;
        for id in due {
            let mut tx = self.db.begin().await?;
            let row = lock(&mut tx, id).await?;
            // A reminder or a last signature may have come first.
            if row.status() != CollectionStatus::Active
                || row.expires_at.is_some_and(|at| at > chrono::Utc::now())
            {
                continue;
            }
            sqlx::query!(
                "UPDATE collections SET status = 'expired', ended_at = now() WHERE id = $1",
                id.as_uuid(),
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "UPDATE signers SET key_nonce = NULL, key_sealed = NULL WHERE collection_id = $1",
                id.as_uuid(),
            )
            .execute(&mut *tx)
            .await?;
            let cabinet = super::cabinet_name(&mut tx, row.cabinet_id).await?;
            let preparer = sqlx::query!(
                "SELECT email, language FROM users WHERE id = $1",
                row.created_by.as_uuid(),
            )
            .fetch_one(&mut *tx)
            .await?;
            let (preparer, language) = (preparer.email, preparer.language);
            let language = language
                .and_then(|code| code.parse().ok())
                .unwrap_or_default();
            let text = emails::expired_to_preparer(
                language,
                &row.title,
                &format!("{}/collections/{id}", self.public_url),
            );
            notifications::enqueue_email(
                &mut tx,
                &preparer,
                Some(&cabinet),
                &text.subject,
                &text.body,
            )
            .await?;
            for signer in super::signers(&mut tx, id).await? {
                if signer.status() == SignerStatus::Invited {
                    let text = emails::ended_to_signer(
                        signer.language(),
                        &cabinet,
                        &row.title,
                        emails::Ending::Expired,
                    );
                    notifications::enqueue_email(
                        &mut tx,
                        &signer.email,
                        Some(&cabinet),
                        &text.subject,
                        &text.body,
                    )
                    .await?;
                }
            }
            audit::append(
                &mut tx,
                id,
                Actor::System,
                &RequestMeta::default(),
                AuditEvent::Expired {},
            )
            .await?;
            tx.commit().await?;
            super::announce(
                &self.bus,
                row.cabinet_id,
                id,
                CollectionEventKind::Expired,
                None,
            )
            .await;
            done += 1;
        }
        Ok(done)
    }

    /// Every few days without news, pending signers are reminded. Unlike a manual
    /// reminder, this one leaves the expiry where it is.
    async fn remind(&self) -> Result<usize> {
        if self.remind_every_days <= 0 {
            return Ok(0);
        }
        let days = i32::try_from(self.remind_every_days).unwrap_or(i32::MAX);
        let due = sqlx::query!(
            r#"SELECT id AS "id: CollectionId", cabinet_id AS "cabinet_id: CabinetId" FROM collections WHERE status = 'active'
               AND COALESCE(last_reminded_at, launched_at) <= now() - make_interval(days => $1)"#,
            days,
        )
        .fetch_all(&self.db)
        .await?;
        let mut done = 0;
        for (id, cabinet_id) in due.into_iter().map(|row| (row.id, row.cabinet_id)) {
            match invitations::remind(
                &self.db,
                super::links::LinkIssuer {
                    public_url: &self.public_url,
                    kek: &self.kek,
                },
                id,
                Actor::System,
                &RequestMeta::default(),
                None,
                invitations::Reminder::Automatic,
            )
            .await
            {
                Ok(_) => {
                    super::announce(
                        &self.bus,
                        cabinet_id,
                        id,
                        CollectionEventKind::Reminded,
                        None,
                    )
                    .await;
                    done += 1;
                }
                Err(super::CollectionError::InvalidState(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// Documents go one month after the collection ended; the audit trail stays. Signer
    /// links long past their expiry go too.
    async fn purge(&self) -> Result<usize> {
        let due: Vec<(CollectionId, CabinetId)> = sqlx::query!(
            r#"SELECT id AS "id: CollectionId", cabinet_id AS "cabinet_id: CabinetId" FROM collections WHERE ended_at IS NOT NULL AND purged_at IS NULL
               AND ended_at <= now() - make_interval(days => $1)"#,
            RETENTION_DAYS as i32,
        )
        .fetch_all(&self.db)
        .await?
        .into_iter()
        .map(|row| (row.id, row.cabinet_id))
        .collect();
        for (id, cabinet_id) in &due {
            let mut tx = self.db.begin().await?;
            lock(&mut tx, *id).await?;
            sqlx::query!(
                "UPDATE collection_documents SET content = NULL WHERE collection_id = $1",
                id.as_uuid(),
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "UPDATE collections SET purged_at = now() WHERE id = $1",
                id.as_uuid()
            )
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                *id,
                Actor::System,
                &RequestMeta::default(),
                AuditEvent::Purged {},
            )
            .await?;
            tx.commit().await?;
            super::announce(
                &self.bus,
                *cabinet_id,
                *id,
                CollectionEventKind::Purged,
                None,
            )
            .await;
        }
        let mut conn = self.db.acquire().await?;
        super::links::delete_long_expired(&mut conn).await?;
        Ok(due.len())
    }
}
