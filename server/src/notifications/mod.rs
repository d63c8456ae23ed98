//! Emails and SMS. Senders write a row in `outbox` inside the transaction that caused the
//! message; the [`Dispatcher`] sends pending rows afterwards and retries failures with
//! back-off. So a crash after the commit loses nothing, and a rolled-back operation sends
//! nothing. Delivery is at least once: a crash between sending and marking sent resends.
//!
//! Email goes over SMTP (lettre) or, in development, to files in an outbox folder; SMS
//! through an HTTP gateway (JSON body, bearer token) or the same outbox folder.

pub mod graphql;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{PgConnection, PgPool};
use tokio::sync::Notify;

/// Rows taken per round.
const BATCH: i64 = 20;
/// Longest wait between two tries of one message.
const MAX_BACKOFF_SECS: i64 = 3600;

pub async fn enqueue_email(conn: &mut PgConnection, to: &str, sender_name: Option<&str>, subject: &str, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO outbox (channel, recipient, sender_name, subject, body) VALUES ('email', $1, $2, $3, $4)")
        .bind(to)
        .bind(sender_name)
        .bind(subject)
        .bind(body)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn enqueue_sms(conn: &mut PgConnection, to: &str, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO outbox (channel, recipient, body) VALUES ('sms', $1, $2)")
        .bind(to)
        .bind(body)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Tells the dispatcher that rows were committed, so it sends them now rather than at its
/// next poll. Cheap to clone.
#[derive(Clone, Default)]
pub struct Notifier(Arc<Notify>);

impl Notifier {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

#[derive(Clone)]
pub enum EmailTransport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

#[derive(Clone)]
pub enum SmsTransport {
    Http { url: String, token: String, client: reqwest::Client },
    Outbox(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("invalid SMTP URL {0:?}: expected smtp://[user:password@]host[:port]")]
    BadSmtpUrl(String),
    #[error("{0}")]
    Send(String),
}

impl EmailTransport {
    /// `smtp://[user:password@]host[:port]` (port 25 by default), plain SMTP to a relay
    /// that the operator trusts on the local network.
    pub fn smtp(url: &str) -> Result<Self, TransportError> {
        let bad = || TransportError::BadSmtpUrl(url.to_owned());
        let rest = url.strip_prefix("smtp://").ok_or_else(bad)?.trim_end_matches('/');
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((user_pass, host_port)) => {
                let (user, pass) = user_pass.split_once(':').ok_or_else(bad)?;
                (Some(Credentials::new(user.to_owned(), pass.to_owned())), host_port)
            }
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
            None => (host_port, 25),
        };
        if host.is_empty() {
            return Err(bad());
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).timeout(Some(Duration::from_secs(20)));
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        Ok(EmailTransport::Smtp(builder.build()))
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub sender_name: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(Clone)]
pub struct Dispatcher {
    db: PgPool,
    email: EmailTransport,
    sms: SmsTransport,
    from: Mailbox,
    notifier: Notifier,
}

impl Dispatcher {
    pub fn new(db: PgPool, email: EmailTransport, sms: SmsTransport, from: Mailbox, notifier: Notifier) -> Self {
        Dispatcher { db, email, sms, from, notifier }
    }

    /// Sends until the process stops: on every wake-up, and every few seconds for retries
    /// and for rows committed by other replicas.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.run_once().await {
                    Ok(n) if n == BATCH as usize => continue,
                    Ok(_) => {}
                    Err(error) => tracing::error!(%error, "outbox round failed"),
                }
                tokio::select! {
                    _ = self.notifier.0.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        })
    }

    /// One round: sends up to a batch of due messages. Rows are locked with SKIP LOCKED so
    /// that replicas share the work without sending a message twice.
    pub async fn run_once(&self) -> Result<usize, sqlx::Error> {
        let mut tx = self.db.begin().await?;
        let rows: Vec<OutboxRow> = sqlx::query_as(
            "SELECT id, channel, recipient, sender_name, subject, body, created_at, attempts, sent_at, last_error
             FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
             ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            match self.send(row).await {
                Ok(()) => {
                    sqlx::query("UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1")
                        .bind(row.id)
                        .execute(&mut *tx)
                        .await?;
                }
                Err(error) => {
                    let backoff = (10i64 << row.attempts.clamp(0, 20)).min(MAX_BACKOFF_SECS);
                    tracing::warn!(id = row.id, channel = %row.channel, attempts = row.attempts + 1, %error, "sending failed; will retry");
                    sqlx::query(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                                next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
                    )
                    .bind(row.id)
                    .bind(error.to_string())
                    .bind(backoff as f64)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    async fn send(&self, row: &OutboxRow) -> Result<(), TransportError> {
        match row.channel.as_str() {
            "email" => self.send_email(row).await,
            _ => self.send_sms(row).await,
        }
    }

    async fn send_email(&self, row: &OutboxRow) -> Result<(), TransportError> {
        let failed = |e: &dyn std::fmt::Display| TransportError::Send(e.to_string());
        match &self.email {
            EmailTransport::Smtp(transport) => {
                let from = Mailbox::new(row.sender_name.clone(), self.from.email.clone());
                let to: Mailbox = row.recipient.parse().map_err(|e| failed(&e))?;
                let message = Message::builder()
                    .from(from)
                    .to(to)
                    .subject(row.subject.clone().unwrap_or_default())
                    .header(ContentType::TEXT_PLAIN)
                    .body(row.body.clone())
                    .map_err(|e| failed(&e))?;
                transport.send(message).await.map_err(|e| failed(&e))?;
                Ok(())
            }
            EmailTransport::Outbox(dir) => write_outbox_file(dir, row).await,
        }
    }

    async fn send_sms(&self, row: &OutboxRow) -> Result<(), TransportError> {
        match &self.sms {
            SmsTransport::Http { url, token, client } => {
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&serde_json::json!({ "to": row.recipient, "text": row.body, "reference": row.id.to_string() }))
                    .timeout(Duration::from_secs(15))
                    .send()
                    .await
                    .map_err(|e| TransportError::Send(e.to_string()))?;
                if !response.status().is_success() {
                    return Err(TransportError::Send(format!("SMS gateway answered {}", response.status())));
                }
                Ok(())
            }
            SmsTransport::Outbox(dir) => write_outbox_file(dir, row).await,
        }
    }
}

/// Development outbox: one text file per message, named by id and channel.
async fn write_outbox_file(dir: &PathBuf, row: &OutboxRow) -> Result<(), TransportError> {
    let failed = |e: std::io::Error| TransportError::Send(format!("{}: {e}", dir.display()));
    tokio::fs::create_dir_all(dir).await.map_err(failed)?;
    let mut text = format!("To: {}\n", row.recipient);
    if let Some(name) = &row.sender_name {
        text.push_str(&format!("From-Name: {name}\n"));
    }
    if let Some(subject) = &row.subject {
        text.push_str(&format!("Subject: {subject}\n"));
    }
    text.push('\n');
    text.push_str(&row.body);
    tokio::fs::write(dir.join(format!("{:06}-{}.txt", row.id, row.channel)), text).await.map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_parsed_or_refused() {
        assert!(EmailTransport::smtp("smtp://127.0.0.1:2525").is_ok());
        assert!(EmailTransport::smtp("smtp://user:secret@mail.example.org").is_ok());
        assert!(matches!(EmailTransport::smtp("http://mail"), Err(TransportError::BadSmtpUrl(_))));
        assert!(matches!(EmailTransport::smtp("smtp://mail:port"), Err(TransportError::BadSmtpUrl(_))));
        assert!(matches!(EmailTransport::smtp("smtp://"), Err(TransportError::BadSmtpUrl(_))));
    }
}
