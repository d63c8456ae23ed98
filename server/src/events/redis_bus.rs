use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use tokio::sync::broadcast;

use super::DomainEvent;

pub const CHANNEL: &str = "paraphe:events";

#[derive(Clone)]
pub struct RedisPublisher {
    connection: ConnectionManager,
}

impl RedisPublisher {
    pub async fn start(
        url: &str,
        local: broadcast::Sender<DomainEvent>,
    ) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let connection = ConnectionManager::new(client.clone()).await?;
        // Subscribe before returning so that no event published after start-up is missed.
        let pubsub = subscribe(&client).await?;
        tokio::spawn(listen(client, pubsub, local));
        Ok(RedisPublisher { connection })
    }

    pub async fn publish(&self, event: &DomainEvent) {
        let payload = match serde_json::to_string(event) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(%error, "event not serialisable");
                return;
            }
        };
        let mut connection = self.connection.clone();
        if let Err(error) = connection.publish::<_, _, ()>(CHANNEL, payload).await {
            tracing::error!(%error, "could not publish an event to Redis; subscribers will miss it");
        }
    }
}

async fn subscribe(client: &redis::Client) -> Result<redis::aio::PubSub, redis::RedisError> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(CHANNEL).await?;
    Ok(pubsub)
}

/// Forwards Redis messages to local subscribers, reconnecting after outages.
async fn listen(
    client: redis::Client,
    first: redis::aio::PubSub,
    local: broadcast::Sender<DomainEvent>,
) {
    let mut pubsub = Some(first);
    let mut backoff = Duration::from_millis(200);
    loop {
        let current = match pubsub.take() {
            Some(current) => current,
            None => match subscribe(&client).await {
                Ok(fresh) => {
                    tracing::info!("event bus reconnected to Redis");
                    backoff = Duration::from_millis(200);
                    fresh
                }
                Err(error) => {
                    tracing::warn!(%error, "event bus cannot reach Redis; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                    continue;
                }
            },
        };
        let mut messages = current.into_on_message();
        while let Some(message) = messages.next().await {
            let payload: String = match message.get_payload() {
                Ok(payload) => payload,
                Err(error) => {
                    tracing::warn!(%error, "unreadable event from Redis");
                    continue;
                }
            };
            match serde_json::from_str::<DomainEvent>(&payload) {
                Ok(event) => {
                    let _ = local.send(event);
                }
                Err(error) => tracing::warn!(%error, "malformed event from Redis"),
            }
        }
        tracing::warn!("lost the Redis subscription");
    }
}
