//! Emails over SMTP with TLS: a real relay (aiosmtpd) with a certificate from a private CA,
//! reached with STARTTLS or implicit TLS and a login, and what happens when the relay
//! cannot be trusted: nothing is sent in clear, the message waits in the outbox.

use crate::common::{SinkSecurity, SmtpSink};
use paraphe_server::notifications::{enqueue_email, Dispatcher, EmailTransport, SmsTransport};
use sqlx::PgPool;

/// Queues one email, runs one round of the dispatcher, and says whether it was marked
/// sent, with the error recorded otherwise.
async fn dispatch_one(db: &PgPool, transport: EmailTransport, to: &str) -> (bool, Option<String>) {
    let mut conn = db.acquire().await.unwrap();
    enqueue_email(
        &mut conn,
        to,
        Some("Cabinet Durand"),
        "Votre document à signer",
        "Bonjour,\nUn document vous attend.",
    )
    .await
    .unwrap();
    drop(conn);
    let outbox = std::env::temp_dir().join(format!("paraphe-notifications-{}", std::process::id()));
    let from = "Paraphe <no-reply@paraphe.test>".parse().unwrap();
    Dispatcher::new(db.clone(), transport, SmsTransport::Outbox(outbox), from)
        .run_once()
        .await
        .unwrap();
    let (sent, error): (bool, Option<String>) =
        sqlx::query_as("SELECT sent_at IS NOT NULL, last_error FROM outbox WHERE recipient = $1")
            .bind(to)
            .fetch_one(db)
            .await
            .unwrap();
    (sent, error)
}

fn credentials() -> String {
    // The password's '@', ':' and space percent-encoded, as in PARAPHE_SMTP_URL.
    format!(
        "{}:{}",
        SmtpSink::LOGIN,
        SmtpSink::PASSWORD
            .replace('%', "%25")
            .replace('@', "%40")
            .replace(':', "%3A")
            .replace(' ', "%20")
    )
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn emails_go_over_implicit_tls_with_a_login(db: PgPool) {
    let relay = SmtpSink::start_secured(SinkSecurity::Implicit);
    let url = format!("smtps://{}@127.0.0.1:{}", credentials(), relay.port);
    let transport = EmailTransport::smtp(&url, Some(&relay.ca_pem())).unwrap();
    assert_eq!(
        dispatch_one(&db, transport, "claire@client.fr").await,
        (true, None)
    );
    let mail = relay
        .wait_for("claire@client.fr", "Votre document à signer")
        .await;
    assert_eq!(mail.login, SmtpSink::LOGIN);
    assert!(mail.from.contains("Cabinet Durand"), "{}", mail.from);
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn emails_go_over_starttls_with_a_login(db: PgPool) {
    let relay = SmtpSink::start_secured(SinkSecurity::StartTls);
    let url = format!(
        "smtp://{}@127.0.0.1:{}?tls=required",
        credentials(),
        relay.port
    );
    let transport = EmailTransport::smtp(&url, Some(&relay.ca_pem())).unwrap();
    assert_eq!(
        dispatch_one(&db, transport, "marc@client.fr").await,
        (true, None)
    );
    assert_eq!(
        relay
            .wait_for("marc@client.fr", "Votre document à signer")
            .await
            .login,
        SmtpSink::LOGIN
    );
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn a_relay_whose_certificate_is_not_trusted_gets_nothing_and_the_email_waits(db: PgPool) {
    let relay = SmtpSink::start_secured(SinkSecurity::Implicit);
    // The private CA is not given: the system's anchors do not know it.
    let url = format!("smtps://{}@127.0.0.1:{}", credentials(), relay.port);
    let transport = EmailTransport::smtp(&url, None).unwrap();
    let (sent, error) = dispatch_one(&db, transport, "nina@client.fr").await;
    assert!(!sent);
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("certificate") || e.contains("tls") || e.contains("TLS")),
        "{error:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(relay.messages().is_empty());
    let (attempts, later): (i32, bool) = sqlx::query_as(
        "SELECT attempts, next_attempt_at > now() FROM outbox WHERE recipient = 'nina@client.fr'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((attempts, later), (1, true), "retried later, not dropped");
}

#[sqlx::test(migrator = "paraphe_server::db::MIGRATOR")]
async fn starttls_required_never_falls_back_to_clear_text(db: PgPool) {
    // A relay that offers no STARTTLS: with tls=required nothing goes out in clear.
    let relay = SmtpSink::start();
    let url = format!("smtp://127.0.0.1:{}?tls=required", relay.port);
    let transport = EmailTransport::smtp(&url, None).unwrap();
    let (sent, error) = dispatch_one(&db, transport, "paul@client.fr").await;
    assert!(!sent);
    assert!(error.is_some());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(relay.messages().is_empty());
}
