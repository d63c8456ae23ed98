//! Background work, one way for every job (outbox, collection jobs, identity checks, the
//! signer key pool). A job is a *round* that scans PostgreSQL for what is due and takes
//! it under row locks (`FOR UPDATE SKIP LOCKED`, or one row at a time), so that nothing is
//! lost when a server dies mid-round and replicas run the same jobs side by side: the
//! database is the queue. [`spawn`] runs a round, then the next one at once when the round
//! says more is waiting, else after its period or when it is woken.
//!
//! Why not a job-queue crate (apalis, sqlxmq, graphile_worker's ports): their unit is an
//! enqueued message, ours is a state to reach (an expired collection, a due reminder, an
//! unsent email row, a verification without an answer). Scanning the state needs no
//! enqueue step that a crash between commit and enqueue could lose, and the rows the jobs
//! read are the ones the product already keeps; a queue crate would add its own tables,
//! retries and workers beside them for no guarantee we lack. Revisit for work that is
//! truly a message (webhooks).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::BoxError;

/// One kind of background work.
#[async_trait::async_trait]
pub trait Job: Send + Sync + 'static {
    /// Names the job in logs.
    fn name(&self) -> &'static str;
    /// Does what is due now; `Ok(true)` when more is waiting and the next round should
    /// follow at once.
    async fn round(&self) -> Result<bool, BoxError>;
}

/// Runs `job` for as long as the process lives: a round every `every`, at once after a
/// round that left work, or as soon as `wake` is notified. A failed round is logged and
/// tried again at the next tick.
pub fn spawn(
    job: impl Job,
    every: Duration,
    wake: Option<Arc<Notify>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match job.round().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(job = job.name(), %error, "background round failed")
                }
            }
            match &wake {
                Some(wake) => {
                    tokio::select! {
                        _ = wake.notified() => {}
                        _ = tokio::time::sleep(every) => {}
                    }
                }
                None => tokio::time::sleep(every).await,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(Arc<AtomicUsize>);

    #[async_trait::async_trait]
    impl Job for Counting {
        fn name(&self) -> &'static str {
            "counting"
        }
        async fn round(&self) -> Result<bool, BoxError> {
            let done = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            match done {
                // More waiting: the next round comes at once.
                1 => Ok(true),
                // A failure is logged, and the job goes on.
                2 => Err("the database is away".into()),
                _ => Ok(false),
            }
        }
    }

    #[tokio::test]
    async fn rounds_follow_each_other_survive_failures_and_wake_on_notice() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let wake = Arc::new(Notify::new());
        let handle = spawn(
            Counting(rounds.clone()),
            Duration::from_secs(3600),
            Some(wake.clone()),
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Round 1 asked for more (round 2 at once), round 2 failed: then the long wait.
        assert_eq!(rounds.load(Ordering::SeqCst), 2);
        wake.notify_one();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(rounds.load(Ordering::SeqCst), 3);
        handle.abort();
    }
}
