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
use lettre::transport::smtp::authentication::Credentials;
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
    sqlx::query("INSERT INTO outbox (channel, recipient, sender_name, subject, body) VALUES ('email', $1, $2, $3, $4)")
        .bind(to)
        .bind(sender_name)
        .bind(subject)
        .bind(body)
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
    sqlx::query(
        "INSERT INTO outbox (channel, recipient, sender_name, subject, body)
         SELECT 'email', recipient, $1, subject, body FROM UNNEST($2::text[], $3::text[], $4::text[]) AS m (recipient, subject, body)",
    )
    .bind(sender_name)
    .bind(&recipients)
    .bind(&subjects)
    .bind(&bodies)
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
    Http {
        url: String,
        token: String,
        client: reqwest::Client,
    },
    Outbox(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("invalid SMTP URL {0:?}: expected smtp://[user:password@]host[:port][?tls=required|opportunistic] or smtps://[user:password@]host[:port]")]
    BadSmtpUrl(String),
    #[error("the SMTP trust anchors: {0}")]
    BadTrustAnchors(String),
    #[error("{0}")]
    Send(String),
}

/// How the connection to the SMTP relay is protected.
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

/// A parsed `PARAPHE_SMTP_URL`. Credentials are percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub security: SmtpSecurity,
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
}

impl SmtpUrl {
    pub fn parse(url: &str) -> Result<Self, TransportError> {
        let bad = || TransportError::BadSmtpUrl(redact(url));
        let (implicit, rest) = match url.split_once("://") {
            Some(("smtp", rest)) => (false, rest),
            Some(("smtps", rest)) => (true, rest),
            _ => return Err(bad()),
        };
        let (authority, query) = match rest.split_once('?') {
            Some((authority, query)) => (authority, Some(query)),
            None => (rest, None),
        };
        let authority = authority.trim_end_matches('/');
        let security = match (implicit, query) {
            (true, None) => SmtpSecurity::Implicit,
            (false, None) => SmtpSecurity::Plain,
            (false, Some("tls=required")) => SmtpSecurity::StartTls,
            (false, Some("tls=opportunistic")) => SmtpSecurity::Opportunistic,
            (false, Some("tls=none")) => SmtpSecurity::Plain,
            _ => return Err(bad()),
        };
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((user_pass, host_port)) => {
                let (user, pass) = user_pass.split_once(':').ok_or_else(bad)?;
                let decode = |s: &str| percent_decode(s).ok_or_else(bad);
                (Some((decode(user)?, decode(pass)?)), host_port)
            }
            None => (None, authority),
        };
        let default_port = match security {
            SmtpSecurity::Plain | SmtpSecurity::Opportunistic => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Implicit => 465,
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
            None => (host_port, default_port),
        };
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(bad());
        }
        Ok(SmtpUrl {
            security,
            host: host.to_owned(),
            port,
            credentials,
        })
    }
}

/// The URL without its password, for error messages and logs.
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

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl EmailTransport {
    /// The relay named by `url` (see [`SmtpUrl`]). TLS connections check the relay's
    /// certificate against the system's trust anchors plus `extra_roots` (PEM, for a relay
    /// with a certificate from a private CA); there is no switch to skip the check.
    pub fn smtp(url: &str, extra_roots: Option<&[u8]>) -> Result<Self, TransportError> {
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let parsed = SmtpUrl::parse(url)?;
        let tls_parameters = || -> Result<TlsParameters, TransportError> {
            let mut builder = TlsParameters::builder(parsed.host.clone());
            if let Some(pem) = extra_roots {
                if memchr::memmem::find(pem, b"-----BEGIN CERTIFICATE-----").is_none() {
                    return Err(TransportError::BadTrustAnchors(
                        "no PEM certificate found".into(),
                    ));
                }
                let roots = Certificate::from_pem(pem)
                    .map_err(|e| TransportError::BadTrustAnchors(e.to_string()))?;
                builder = builder.add_root_certificate(roots);
            }
            builder
                .build_rustls()
                .map_err(|e| TransportError::BadTrustAnchors(e.to_string()))
        };
        let tls = match parsed.security {
            SmtpSecurity::Plain => Tls::None,
            SmtpSecurity::Opportunistic => Tls::Opportunistic(tls_parameters()?),
            SmtpSecurity::StartTls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Implicit => Tls::Wrapper(tls_parameters()?),
        };
        if parsed.security == SmtpSecurity::Plain && parsed.credentials.is_some() {
            tracing::warn!(
                "PARAPHE_SMTP_URL sends a password in clear text: use smtps:// or ?tls=required"
            );
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&parsed.host)
            .port(parsed.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = parsed.credentials {
            builder = builder.credentials(Credentials::new(user, password));
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
    pub fn new(
        db: PgPool,
        email: EmailTransport,
        sms: SmsTransport,
        from: Mailbox,
        notifier: Notifier,
    ) -> Self {
        Dispatcher {
            db,
            email,
            sms,
            from,
            notifier,
        }
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
        // Sent rows are marked together: the marks only count once committed anyway.
        let mut sent = Vec::with_capacity(rows.len());
        for row in &rows {
            match self.send(row).await {
                Ok(()) => sent.push(row.id),
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
        if !sent.is_empty() {
            sqlx::query("UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1)")
                .bind(&sent)
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
    fn smtp_urls_name_their_security_and_default_port() {
        let parsed = SmtpUrl::parse("smtp://relay.local").unwrap();
        assert_eq!(
            (parsed.security, parsed.port, parsed.credentials),
            (SmtpSecurity::Plain, 25, None)
        );
        let parsed = SmtpUrl::parse("smtps://ann:p%40ss%3Aw@mail.example.fr").unwrap();
        assert_eq!(parsed.security, SmtpSecurity::Implicit);
        assert_eq!(parsed.port, 465);
        assert_eq!(parsed.credentials, Some(("ann".into(), "p@ss:w".into())));
        let parsed = SmtpUrl::parse("smtp://mail.example.fr?tls=required").unwrap();
        assert_eq!(
            (parsed.security, parsed.port),
            (SmtpSecurity::StartTls, 587)
        );
        let parsed = SmtpUrl::parse("smtp://mail.example.fr:2525/?tls=opportunistic").unwrap();
        assert_eq!(
            (parsed.security, parsed.port, parsed.host.as_str()),
            (SmtpSecurity::Opportunistic, 2525, "mail.example.fr")
        );
    }

    #[test]
    fn bad_smtp_urls_are_refused_without_showing_the_password() {
        for url in [
            "http://relay",
            "smtp://",
            "smtp://relay:port",
            "smtps://relay?tls=required",
            "smtp://relay?tls=maybe",
            "smtp://u:p%zz@relay",
        ] {
            assert!(
                matches!(SmtpUrl::parse(url), Err(TransportError::BadSmtpUrl(_))),
                "{url}"
            );
        }
        let error = SmtpUrl::parse("smtp://ann:secret@relay:x")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("secret"), "{error}");
    }
}
