//! The event bus: domain events from mutations to subscriptions.
//!
//! In-process by default. With Redis, every replica publishes to one Redis channel and
//! forwards what it hears there to its local subscribers, so an event raised on replica A
//! reaches a subscription held open on replica B. Events are notifications, not data:
//! the database stays the source of truth and clients refetch, so a lost event (Redis
//! down) costs freshness, never correctness.

mod redis_bus;

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;

use crate::ids::{CabinetId, CollectionId, SignerId, UserId, VerificationId};

/// How many events a slow subscriber may fall behind before it skips some.
const LOCAL_CAPACITY: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CabinetEventKind {
    TermsAccepted,
    MembershipChanged,
    MemberRemoved,
    /// Something happened in one of the cabinet's collections (see `collection`).
    CollectionChanged,
    /// Not about a cabinet: an identity verification changed (see `identity`).
    IdentityChanged,
}

/// What happened to a collection, for the preparer's dashboard and collection page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CollectionEventKind {
    Created,
    Updated,
    Launched,
    Invited,
    Opened,
    CodeSent,
    Signed,
    Refused,
    Reminded,
    Completed,
    Expired,
    Cancelled,
    Purged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CollectionChange {
    pub collection_id: CollectionId,
    pub kind: CollectionEventKind,
    pub signer_id: Option<SignerId>,
}

/// What happened to an identity verification, for its holder's page and the operators' queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IdentityEventKind {
    Started,
    /// The phone opened the hand-off link.
    PhoneConnected,
    ImageReceived,
    /// "Documents reçus": submitted, the automatic checks start.
    DocumentsReceived,
    /// "Vérification en cours": waiting for an operator.
    InReview,
    Approved,
    Rejected,
    Confirmed,
    Disputed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdentityChange {
    pub verification_id: VerificationId,
    pub user_id: UserId,
    pub kind: IdentityEventKind,
}

/// What happened, for the subscriptions: about a cabinet (its terms, its members), about
/// one of its collections, or about a person's identity verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DomainEvent {
    Cabinet {
        cabinet_id: CabinetId,
        kind: CabinetEventKind,
        /// The member concerned, for membership events.
        user_id: Option<UserId>,
        at: DateTime<Utc>,
    },
    Collection {
        cabinet_id: CabinetId,
        change: CollectionChange,
        at: DateTime<Utc>,
    },
    Identity {
        change: IdentityChange,
        at: DateTime<Utc>,
    },
}

impl DomainEvent {
    pub fn cabinet(cabinet_id: CabinetId, kind: CabinetEventKind, user_id: Option<UserId>) -> Self {
        DomainEvent::Cabinet {
            cabinet_id,
            kind,
            user_id,
            at: Utc::now(),
        }
    }

    pub fn collection(cabinet_id: CabinetId, change: CollectionChange) -> Self {
        DomainEvent::Collection {
            cabinet_id,
            change,
            at: Utc::now(),
        }
    }

    pub fn identity(change: IdentityChange) -> Self {
        DomainEvent::Identity {
            change,
            at: Utc::now(),
        }
    }
}

#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<DomainEvent>,
    redis: Option<redis_bus::RedisPublisher>,
}

impl EventBus {
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        EventBus { local, redis: None }
    }

    /// A bus shared through Redis pub/sub. Fails if Redis cannot be reached at start-up;
    /// later outages are logged and retried.
    pub async fn redis(url: &str) -> Result<Self, redis::RedisError> {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        let redis = redis_bus::RedisPublisher::start(url, local.clone()).await?;
        Ok(EventBus {
            local,
            redis: Some(redis),
        })
    }

    pub async fn publish(&self, event: DomainEvent) {
        match &self.redis {
            // The Redis listener delivers it locally too, exactly once.
            Some(redis) => redis.publish(&event).await,
            None => {
                // No subscriber is not an error.
                let _ = self.local.send(event);
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.local.subscribe()
    }
}

/// The next event of a subscription, skipping over a lag (events are notifications and
/// clients refetch, so a missed one costs nothing); `None` once the bus is gone.
pub async fn next(receiver: &mut broadcast::Receiver<DomainEvent>) -> Option<DomainEvent> {
    loop {
        match receiver.recv().await {
            Ok(event) => return Some(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "subscriber lagged behind the event bus")
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_subscribers_receive_published_events() {
        let bus = EventBus::in_process();
        let mut first = bus.subscribe();
        let mut second = bus.subscribe();
        let event =
            DomainEvent::cabinet(CabinetId::new_v4(), CabinetEventKind::TermsAccepted, None);
        bus.publish(event.clone()).await;
        assert_eq!(first.recv().await.unwrap(), event);
        assert_eq!(second.recv().await.unwrap(), event);
    }
}
