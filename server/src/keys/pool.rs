//! RSA keys made ahead of time for level-1 signers. Generating an RSA-2048 key costs about
//! 0.1 s of a core; made when a signer asks for their code, it queues every other request
//! behind it. A background worker keeps `PARAPHE_SIGNER_KEY_POOL` keys ready, sealed under
//! the key-encryption key like every other key; each is taken once, by one signer, and
//! re-sealed under that signer's label. An empty pool falls back to generating on the spot,
//! so the pool absorbs peaks; it does not raise the sustained rate of new signers beyond
//! what the cores can generate.

use sqlx::PgPool;
use uuid::Uuid;

use super::{KeyEncryptionKey, KeyError, MemoryKey, SealedKey};

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("key generation failed: {0}")]
    Generation(String),
}

fn label(id: Uuid) -> String {
    format!("pool:{id}")
}

/// Takes the oldest key out of the pool. Given a transaction, the key leaves the pool only
/// if it commits: a request rolled back puts it back.
pub async fn take(
    db: impl sqlx::PgExecutor<'_>,
    kek: &KeyEncryptionKey,
) -> Result<Option<MemoryKey>, PoolError> {
    let taken = sqlx::query!(
        "DELETE FROM signer_key_pool WHERE id = (SELECT id FROM signer_key_pool ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id, nonce, sealed",
    )
    .fetch_optional(db)
    .await?;
    match taken {
        Some(taken) => Ok(Some(kek.open(
            &SealedKey {
                nonce: taken.nonce,
                ciphertext: taken.sealed,
            },
            &label(taken.id),
        )?)),
        None => Ok(None),
    }
}

pub async fn size(db: &PgPool) -> Result<i64, PoolError> {
    let count = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM signer_key_pool"#)
        .fetch_one(db)
        .await?;
    Ok(count)
}

/// Generates keys until the pool holds `target`, `parallel` at a time.
pub async fn refill(
    db: &PgPool,
    kek: &KeyEncryptionKey,
    target: i64,
    parallel: usize,
) -> Result<i64, PoolError> {
    let mut made = 0;
    loop {
        let missing = target - size(db).await?;
        if missing <= 0 {
            return Ok(made);
        }
        let batch = (missing as usize).min(parallel.max(1));
        let keys = futures_util::future::try_join_all(
            (0..batch).map(|_| tokio::task::spawn_blocking(super::MemoryKey::generate)),
        )
        .await
        .map_err(|e| PoolError::Generation(e.to_string()))?;
        for key in keys {
            let key = key.map_err(|e| PoolError::Generation(e.to_string()))?;
            let id = Uuid::new_v4();
            let sealed = kek.seal(&key, &label(id))?;
            sqlx::query!(
                "INSERT INTO signer_key_pool (id, nonce, sealed) VALUES ($1, $2, $3)",
                id,
                &sealed.nonce,
                &sealed.ciphertext,
            )
            .execute(db)
            .await?;
            made += 1;
        }
    }
}

/// Keeps the pool full (`crate::workers`): one key at a time, so that serving requests
/// keeps a core.
pub struct Refill {
    pub db: PgPool,
    pub kek: KeyEncryptionKey,
    pub target: i64,
}

#[async_trait::async_trait]
impl crate::workers::Job for Refill {
    fn name(&self) -> &'static str {
        "signer key pool"
    }

    async fn round(&self) -> Result<bool, crate::BoxError> {
        refill(&self.db, &self.kek, self.target, 1).await?;
        Ok(false)
    }
}
