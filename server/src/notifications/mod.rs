//! Emails and SMS. Senders write a row in `outbox` inside the transaction that caused the
//! message; the [`Dispatcher`] sends pending rows afterwards and retries failures with
//! back-off. So a crash after the commit loses nothing, and a rolled-back operation sends
//! nothing. Delivery is at least once: a crash between sending and marking sent resends.
//!
//! Email goes over SMTP (lettre; clear, STARTTLS or implicit TLS, the relay's certificate
//! always checked) or, in development, to files in an outbox folder; SMS
//! through an HTTP gateway (JSON body, bearer token) or the same outbox folder.

pub mod graphql;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{PgConnection, PgPool};
use tokio::sync::Notify;

/// Rows taken per round.
const BATCH: i64 = 20;
/// Longest wait between two tries of one message.
const MAX_BACKOFF_SECS: i64 = 3600;

pub async fn enqueue_email(
    conn: &mut PgConnection,
    to: &str,
    sender_name: Option<&str>,
    subject: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO outbox (channel, recipient, sender_name, subject, body) VALUES ('email', $1, $2, $3, $4)",
        to,
        sender_name,
        subject,
        body,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One email of a batch for [`enqueue_emails`].
pub struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Several emails from the same sender in one statement.
pub async fn enqueue_emails(
    conn: &mut PgConnection,
    sender_name: Option<&str>,
    emails: &[Email<'_>],
) -> Result<(), sqlx::Error> {
    let recipients: Vec<&str> = emails.iter().map(|e| e.to).collect();
    let subjects: Vec<&str> = emails.iter().map(|e| e.subject).collect();
    let bodies: Vec<&str> = emails.iter().map(|e| e.body).collect();
    sqlx::query!(
        "INSERT INTO outbox (channel, recipient, sender_name, subject, body)
         SELECT 'email', recipient, $1, subject, body FROM UNNEST($2::text[], $3::text[], $4::text[]) AS m (recipient, subject, body)",
        sender_name,
        &recipients as &[&str],
        &subjects as &[&str],
        &bodies as &[&str],
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn enqueue_sms(conn: &mut PgConnection, to: &str, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO outbox (channel, recipient, body) VALUES ('sms', $1, $2)",
        to,
        body,
    )
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

    /// What the outbox worker waits on.
    pub fn handle(&self) -> Arc<Notify> {
        self.0.clone()
    }
}

/// The outbox worker (`crate::workers`): a round sends a batch; a full batch means more
/// is waiting. It runs on every wake-up, and every few seconds for retries and for rows
/// committed by other replicas.
#[async_trait::async_trait]
impl crate::workers::Job for Dispatcher {
    fn name(&self) -> &'static str {
        "outbox"
    }

    async fn round(&self) -> Result<bool, crate::BoxError> {
        Ok(self.run_once().await? == BATCH as usize)
    }
}

#[derive(Clone)]
pub enum EmailTransport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

#[derive(Clone)]
pub enum SmsTransport {
    Http {
        url: String,
        token: String,
        client: reqwest::Client,
    },
    Outbox(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("invalid SMTP URL {0:?}: expected smtp://[user:password@]host[:port][?tls=required|opportunistic] or smtps://[user:password@]host[:port] (user and password percent-encoded)")]
    BadSmtpUrl(String),
    #[error("the SMTP trust anchors: {0}")]
    BadTrustAnchors(String),
    #[error("{0}")]
    Send(String),
}

/// How the connection to the SMTP relay is protected, as `PARAPHE_SMTP_URL` says with
/// lettre's URL forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://host`: clear text, for a relay on a network the operator trusts.
    Plain,
    /// `smtp://host?tls=opportunistic`: STARTTLS when the relay offers it.
    Opportunistic,
    /// `smtp://host?tls=required`: STARTTLS or no mail (port 587 by default).
    StartTls,
    /// `smtps://host`: TLS from the first byte (port 465 by default).
    Implicit,
}

impl SmtpSecurity {
    /// The protection `url` asks for; `None` for a form lettre would not take.
    pub fn of_url(url: &url::Url) -> Option<Self> {
        let tls = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        match (url.scheme(), tls.as_deref()) {
            ("smtp", None | Some("none")) => Some(SmtpSecurity::Plain),
            ("smtp", Some("opportunistic")) => Some(SmtpSecurity::Opportunistic),
            ("smtp", Some("required")) => Some(SmtpSecurity::StartTls),
            ("smtps", None) => Some(SmtpSecurity::Implicit),
            _ => None,
        }
    }
}

/// The URL without its password, for error messages and logs (also when it does not
/// parse, so by hand).
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let user_pass = &url[scheme_end + 3..at];
            let user = user_pass.split(':').next().unwrap_or_default();
            format!("{}{user}:<redacted>{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl EmailTransport {
    /// The relay named by `url` (see [`SmtpUrl`]). TLS connections check the relay's
    /// certificate against the system's trust anchors plus `extra_roots` (PEM, for a relay
    /// with a certificate from a private CA); there is no switch to skip the check.
    pub fn smtp(url: &str, extra_roots: Option<&[u8]>) -> Result<Self, TransportError> {
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let bad = || TransportError::BadSmtpUrl(redact(url));
        let mut parsed = url::Url::parse(url).map_err(|_| bad())?;
        let security = SmtpSecurity::of_url(&parsed).ok_or_else(bad)?;
        // A user without a password would silently send without authenticating.
        let half_credentials =
            !parsed.username().is_empty() && parsed.password().is_none_or(str::is_empty);
        if parsed.host_str().is_none_or(str::is_empty) || half_credentials {
            return Err(bad());
        }
        // `?tls=none` says plainly what `smtp://` means; lettre knows only the latter.
        if security == SmtpSecurity::Plain {
            parsed.set_query(None);
        }
        // lettre reads host, port, credentials (percent-decoded) and the TLS mode, with
        // the system's trust anchors.
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(parsed.as_str())
            .map_err(|_| bad())?
            .timeout(Some(Duration::from_secs(20)));
        // Opportunistic STARTTLS is for port 25 relays (lettre would say 587).
        if security == SmtpSecurity::Opportunistic && parsed.port().is_none() {
            builder = builder.port(25);
        }
        if let (Some(pem), Some(host)) = (extra_roots, parsed.host_str()) {
            if memchr::memmem::find(pem, b"-----BEGIN CERTIFICATE-----").is_none() {
                return Err(TransportError::BadTrustAnchors(
                    "no PEM certificate found".into(),
                ));
            }
            let roots = Certificate::from_pem(pem)
                .map_err(|e| TransportError::BadTrustAnchors(e.to_string()))?;
            let parameters = TlsParameters::builder(host.to_owned())
                .add_root_certificate(roots)
                .build_rustls()
                .map_err(|e| TransportError::BadTrustAnchors(e.to_string()))?;
            builder = builder.tls(match security {
                SmtpSecurity::Plain => Tls::None,
                SmtpSecurity::Opportunistic => Tls::Opportunistic(parameters),
                SmtpSecurity::StartTls => Tls::Required(parameters),
                SmtpSecurity::Implicit => Tls::Wrapper(parameters),
            });
        }
        if security == SmtpSecurity::Plain && parsed.password().is_some() {
            tracing::warn!(
                "PARAPHE_SMTP_URL sends a password in clear text: use smtps:// or ?tls=required"
            );
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
}

impl Dispatcher {
    pub fn new(db: PgPool, email: EmailTransport, sms: SmsTransport, from: Mailbox) -> Self {
        Dispatcher {
            db,
            email,
            sms,
            from,
        }
    }

    /// One round: sends up to a batch of due messages. Rows are locked with SKIP LOCKED so
    /// that replicas share the work without sending a message twice.
    pub async fn run_once(&self) -> Result<usize, sqlx::Error> {
        let mut tx = self.db.begin().await?;
        let rows = sqlx::query_as!(
            OutboxRow,
            "SELECT id, channel, recipient, sender_name, subject, body, created_at, attempts, sent_at, last_error
             FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
             ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            BATCH,
        )
        .fetch_all(&mut *tx)
        .await?;
        // Sent rows are marked together: the marks only count once committed anyway.
        let mut sent = Vec::with_capacity(rows.len());
        for row in &rows {
            match self.send(row).await {
                Ok(()) => sent.push(row.id),
                Err(error) => {
                    let backoff = (10i64 << row.attempts.clamp(0, 20)).min(MAX_BACKOFF_SECS);
                    tracing::warn!(id = row.id, channel = %row.channel, attempts = row.attempts + 1, %error, "sending failed; will retry");
                    sqlx::query!(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                                next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
                        row.id,
                        error.to_string(),
                        backoff as f64,
                    )
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        if !sent.is_empty() {
            sqlx::query!(
                "UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1)",
                &sent,
            )
            .execute(&mut *tx)
            .await?;
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
                    return Err(TransportError::Send(format!(
                        "SMS gateway answered {}",
                        response.status()
                    )));
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
    tokio::fs::write(dir.join(format!("{:06}-{}.txt", row.id, row.channel)), text)
        .await
        .map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_transports_are_built_or_refused() {
        assert!(EmailTransport::smtp("smtp://127.0.0.1:2525", None).is_ok());
        assert!(EmailTransport::smtp("smtp://user:secret@mail.example.org", None).is_ok());
        assert!(EmailTransport::smtp("smtps://user:secret@mail.example.org", None).is_ok());
        assert!(EmailTransport::smtp("smtp://mail.example.org?tls=required", None).is_ok());
        assert!(matches!(
            EmailTransport::smtp("http://mail", None),
            Err(TransportError::BadSmtpUrl(_))
        ));
        assert!(matches!(
            EmailTransport::smtp("smtps://mail.example.org", Some(b"not a certificate")),
            Err(TransportError::BadTrustAnchors(_))
        ));
    }

    #[test]
    fn smtp_urls_name_their_security() {
        let security = |url: &str| SmtpSecurity::of_url(&url::Url::parse(url).unwrap());
        assert_eq!(security("smtp://relay.local"), Some(SmtpSecurity::Plain));
        assert_eq!(
            security("smtps://ann:p%40ss%3Aw@mail.example.fr"),
            Some(SmtpSecurity::Implicit)
        );
        assert_eq!(
            security("smtp://mail.example.fr?tls=required"),
            Some(SmtpSecurity::StartTls)
        );
        assert_eq!(
            security("smtp://mail.example.fr:2525/?tls=opportunistic"),
            Some(SmtpSecurity::Opportunistic)
        );
        assert_eq!(
            security("smtp://relay.local?tls=none"),
            Some(SmtpSecurity::Plain)
        );
        assert!(EmailTransport::smtp("smtp://relay.local?tls=none", None).is_ok());
        // A percent-encoded password is lettre's to decode.
        assert!(EmailTransport::smtp("smtps://ann:p%40ss%3Aw@mail.example.fr", None).is_ok());
    }

    #[test]
    fn bad_smtp_urls_are_refused_without_showing_the_password() {
        for url in [
            "http://relay",
            "smtp://",
            "smtp://relay:port",
            "smtps://relay?tls=required",
            "smtp://relay?tls=maybe",
            "smtp://ann@relay",
        ] {
            assert!(
                matches!(
                    EmailTransport::smtp(url, None),
                    Err(TransportError::BadSmtpUrl(_))
                ),
                "{url}"
            );
        }
        let Err(error) = EmailTransport::smtp("smtp://ann:secret@relay:x", None) else {
            panic!("a port that is not a number is refused")
        };
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}
