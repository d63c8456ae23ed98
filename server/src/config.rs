//! Configuration, read once from environment variables at start-up.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/paraphe` | PostgreSQL |
//! | `REDIS_URL` | unset | Redis for the cross-replica event bus; in-process bus when unset |
//! | `PARAPHE_ADDR` | `127.0.0.1:8080` | listening address |
//! | `PARAPHE_PUBLIC_URL` | `http://localhost:8080` | the address users reach; its scheme decides `Secure` cookies, its origin is accepted on WebSockets |
//! | `PARAPHE_ALLOWED_ORIGINS` | empty | extra comma-separated origins accepted on WebSockets |
//! | `PARAPHE_DIST_DIR` | `dist` | the built web app |
//! | `PARAPHE_TRUST_PROXY` | `false` | take the client IP from `X-Forwarded-For` (its last address: the one the proxy in front of Paraphe saw) |
//! | `PARAPHE_GRAPHIQL` | `false` | serve GraphiQL on `GET /graphql` (development; the schema is published as `schema.graphql`) |
//! | `PARAPHE_INTROSPECTION` | `false` | answer GraphQL introspection queries (development tools) |
//! | `PARAPHE_SESSION_HOURS` | `12` | session lifetime |
//! | `PARAPHE_KEY_ENCRYPTION_KEY` | unset | base64 of 32 random bytes: the key that seals the CAs' private keys in the database (`paraphe-server keys new-kek` makes one) |
//! | `PARAPHE_KEY_ENCRYPTION_KEY_FILE` | `.data/key-encryption.key` | where the key is read from when the variable above is unset; created on first start for development |
//! | `PARAPHE_SMTP_URL` | unset | `smtp://[user:password@]host[:port]` (clear, to a trusted relay), `…?tls=required` (STARTTLS, port 587 by default), `smtps://…` (TLS, port 465 by default); percent-encode reserved characters in the password; emails go to the outbox folder when unset |
//! | `PARAPHE_SMTP_CA_FILE` | unset | PEM certificates trusted for the relay beside the system's (a relay with a private CA) |
//! | `PARAPHE_MAIL_FROM` | `no-reply@paraphe.localhost` | sender address (the cabinet's name is the sender name) |
//! | `PARAPHE_SMS_GATEWAY_URL` | unset | HTTP SMS gateway (POST JSON `{to, text, reference}`); SMS go to the outbox folder when unset |
//! | `PARAPHE_SMS_GATEWAY_TOKEN` | empty | bearer token for the SMS gateway |
//! | `PARAPHE_OUTBOX_DIR` | `.data/outbox` | development outbox: one file per email or SMS |
//! | `PARAPHE_DEV_OUTBOX` | `false` | expose the outbox (codes and links) to the app's development page |
//! | `PARAPHE_REMIND_EVERY_DAYS` | `3` | automatic reminder of pending signers (it does not move the expiry; a manual one does); 0 turns it off |
//! | `PARAPHE_PLATFORM_NAME` | `Paraphe` | the operator's name in the seal of proof files |
//! | `PARAPHE_PLATFORM_SIREN` | `000000000` | the operator's SIREN in that seal certificate |
//! | `PARAPHE_TESSERACT` | `tesseract` | the OCR program that reads identity documents' MRZ |
//! | `PARAPHE_PDFTOPPM` | `pdftoppm` | renders identity documents sent as PDF for OCR |
//! | `PARAPHE_IDENTITY_RETENTION_DAYS` | `30` | identity document images are deleted this long after the decision |
//! | `PARAPHE_SIGNER_KEY_POOL` | `32` | RSA keys kept ready for level-1 signers (generated in the background; 0 generates each on demand) |
//! | `PARAPHE_IDENTITY_PROVIDER_URL` | unset | an external identity verification service: verifications that pass the automatic checks are sent there (POST JSON, signed) and its decision comes back to `/api/identity/provider/callback`; the operators' queue decides when unset |
//! | `PARAPHE_IDENTITY_WEBHOOK_SECRET` | empty | the shared secret of that service: HMAC-SHA256 of each body, in `X-Paraphe-Signature: sha256=<hex>`, both ways |
//! | `PARAPHE_TSA_URL` | unset | an outside RFC 3161 time-stamping authority (http:// or https://) for signature and document time-stamps; the instance's own unit when unset |
//! | `PARAPHE_TSA_CA_FILE` | unset | PEM roots of that authority, added to what `pdf verify` trusts |
//! | `PARAPHE_PKCS11_MODULE` | unset | a PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`): the certificate authorities' keys are made on its token at first start and never leave it; sealed in the database when unset |
//! | `PARAPHE_PKCS11_TOKEN` | `paraphe` | the label of that token |
//! | `PARAPHE_PKCS11_PIN` | empty | the token's user PIN |
//! | `RUST_LOG` | `info` | log filter; `PARAPHE_LOG_FORMAT=json` for JSON lines |

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::keys::KeyEncryptionKey;

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub redis_url: Option<String>,
    pub addr: SocketAddr,
    pub public_url: String,
    pub allowed_origins: Vec<String>,
    pub dist_dir: PathBuf,
    pub trust_proxy: bool,
    pub session_hours: i64,
    /// How long a WebSocket client has to send `connection_init`.
    pub ws_init_timeout: std::time::Duration,
    pub key_encryption_key: KeyEncryptionKey,
    pub smtp_url: Option<String>,
    pub smtp_ca_file: Option<PathBuf>,
    pub tsa_url: Option<String>,
    pub tsa_ca_file: Option<PathBuf>,
    pub pkcs11_module: Option<PathBuf>,
    pub pkcs11_token: String,
    pub pkcs11_pin: String,
    pub mail_from: String,
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_token: String,
    pub outbox_dir: PathBuf,
    pub dev_outbox: bool,
    /// GraphiQL on `GET /graphql`.
    pub graphiql: bool,
    /// GraphQL introspection (`__schema`, `__type`).
    pub introspection: bool,
    pub remind_every_days: i64,
    pub platform_name: String,
    pub platform_siren: String,
    pub tesseract: PathBuf,
    pub pdftoppm: PathBuf,
    pub identity_retention_days: i64,
    /// RSA keys kept ready for level-1 signers.
    pub signer_key_pool: i64,
    /// An external identity verification service; the operators' queue when unset.
    pub identity_provider_url: Option<String>,
    pub identity_webhook_secret: String,
}

// Connection strings may carry passwords: never print them.
/// A URL fit for the start-up log: the user, password and query, where credentials travel
/// (`https://user:token@gateway/send?key=…`), are hidden.
fn loggable_url(raw: &str) -> String {
    let Ok(mut url) = reqwest::Url::parse(raw) else {
        return "<unparsable URL>".into();
    };
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_password(None);
        let _ = url.set_username("redacted");
    }
    if url.query().is_some() {
        url.set_query(Some("redacted"));
    }
    url.to_string()
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &"<redacted>")
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<redacted>"))
            .field("addr", &self.addr)
            .field("public_url", &loggable_url(&self.public_url))
            .field("allowed_origins", &self.allowed_origins)
            .field("dist_dir", &self.dist_dir)
            .field("trust_proxy", &self.trust_proxy)
            .field("session_hours", &self.session_hours)
            .field("ws_init_timeout", &self.ws_init_timeout)
            .field("key_encryption_key", &self.key_encryption_key)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("smtp_ca_file", &self.smtp_ca_file)
            .field("tsa_url", &self.tsa_url.as_deref().map(loggable_url))
            .field("tsa_ca_file", &self.tsa_ca_file)
            .field("pkcs11_module", &self.pkcs11_module)
            .field("pkcs11_token", &self.pkcs11_token)
            .field("pkcs11_pin", &"<redacted>")
            .field("mail_from", &self.mail_from)
            .field(
                "sms_gateway_url",
                &self.sms_gateway_url.as_deref().map(loggable_url),
            )
            .field("outbox_dir", &self.outbox_dir)
            .field("dev_outbox", &self.dev_outbox)
            .field("graphiql", &self.graphiql)
            .field("introspection", &self.introspection)
            .field("remind_every_days", &self.remind_every_days)
            .field("signer_key_pool", &self.signer_key_pool)
            .field(
                "identity_provider_url",
                &self.identity_provider_url.as_deref().map(loggable_url),
            )
            .field("identity_webhook_secret", &"<redacted>")
            .finish()
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let addr = var("PARAPHE_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        Config {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/paraphe".into()),
            redis_url: var("REDIS_URL"),
            addr: addr
                .parse()
                .with_context(|| format!("PARAPHE_ADDR={addr:?} is not an address"))?,
            public_url: var("PARAPHE_PUBLIC_URL")
                .unwrap_or_else(|| "http://localhost:8080".into())
                .trim_end_matches('/')
                .to_owned(),
            allowed_origins: var("PARAPHE_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            dist_dir: var("PARAPHE_DIST_DIR")
                .unwrap_or_else(|| "dist".into())
                .into(),
            trust_proxy: matches!(
                var("PARAPHE_TRUST_PROXY").as_deref(),
                Some("1" | "true" | "yes")
            ),
            session_hours: match var("PARAPHE_SESSION_HOURS") {
                Some(h) => h
                    .parse()
                    .context("PARAPHE_SESSION_HOURS must be a whole number")?,
                None => 12,
            },
            ws_init_timeout: std::time::Duration::from_secs(10),
            key_encryption_key: match var("PARAPHE_KEY_ENCRYPTION_KEY") {
                Some(encoded) => {
                    KeyEncryptionKey::from_base64(&encoded).context("PARAPHE_KEY_ENCRYPTION_KEY")?
                }
                None => kek_from_file(
                    &var("PARAPHE_KEY_ENCRYPTION_KEY_FILE")
                        .unwrap_or_else(|| ".data/key-encryption.key".into())
                        .into(),
                )?,
            },
            smtp_url: var("PARAPHE_SMTP_URL"),
            smtp_ca_file: var("PARAPHE_SMTP_CA_FILE").map(PathBuf::from),
            tsa_url: var("PARAPHE_TSA_URL"),
            tsa_ca_file: var("PARAPHE_TSA_CA_FILE").map(PathBuf::from),
            pkcs11_module: var("PARAPHE_PKCS11_MODULE").map(PathBuf::from),
            pkcs11_token: var("PARAPHE_PKCS11_TOKEN").unwrap_or_else(|| "paraphe".into()),
            pkcs11_pin: var("PARAPHE_PKCS11_PIN").unwrap_or_default(),
            mail_from: var("PARAPHE_MAIL_FROM")
                .unwrap_or_else(|| "no-reply@paraphe.localhost".into()),
            sms_gateway_url: var("PARAPHE_SMS_GATEWAY_URL"),
            sms_gateway_token: var("PARAPHE_SMS_GATEWAY_TOKEN").unwrap_or_default(),
            outbox_dir: var("PARAPHE_OUTBOX_DIR")
                .unwrap_or_else(|| ".data/outbox".into())
                .into(),
            dev_outbox: matches!(
                var("PARAPHE_DEV_OUTBOX").as_deref(),
                Some("1" | "true" | "yes")
            ),
            graphiql: matches!(
                var("PARAPHE_GRAPHIQL").as_deref(),
                Some("1" | "true" | "yes")
            ),
            introspection: matches!(
                var("PARAPHE_INTROSPECTION").as_deref(),
                Some("1" | "true" | "yes")
            ),
            remind_every_days: match var("PARAPHE_REMIND_EVERY_DAYS") {
                Some(d) => d
                    .parse()
                    .context("PARAPHE_REMIND_EVERY_DAYS must be a whole number")?,
                None => 3,
            },
            platform_name: var("PARAPHE_PLATFORM_NAME").unwrap_or_else(|| "Paraphe".into()),
            platform_siren: var("PARAPHE_PLATFORM_SIREN").unwrap_or_else(|| "000000000".into()),
            tesseract: var("PARAPHE_TESSERACT")
                .unwrap_or_else(|| "tesseract".into())
                .into(),
            pdftoppm: var("PARAPHE_PDFTOPPM")
                .unwrap_or_else(|| "pdftoppm".into())
                .into(),
            identity_retention_days: match var("PARAPHE_IDENTITY_RETENTION_DAYS") {
                Some(d) => d
                    .parse()
                    .context("PARAPHE_IDENTITY_RETENTION_DAYS must be a whole number")?,
                None => 30,
            },
            signer_key_pool: match var("PARAPHE_SIGNER_KEY_POOL") {
                Some(n) => n
                    .parse()
                    .context("PARAPHE_SIGNER_KEY_POOL must be a whole number")?,
                None => 32,
            },
            identity_provider_url: var("PARAPHE_IDENTITY_PROVIDER_URL"),
            identity_webhook_secret: var("PARAPHE_IDENTITY_WEBHOOK_SECRET").unwrap_or_default(),
        }
        .checked()
    }

    /// An external identity provider without a shared secret would take anybody's word;
    /// the development outbox shows every link and code, so an instance served over https
    /// (a real deployment) refuses to start with it.
    pub fn checked(self) -> anyhow::Result<Self> {
        if self.identity_provider_url.is_some() && self.identity_webhook_secret.len() < 16 {
            anyhow::bail!("PARAPHE_IDENTITY_WEBHOOK_SECRET must hold at least 16 characters when PARAPHE_IDENTITY_PROVIDER_URL is set");
        }
        if let Some(url) = &self.identity_provider_url {
            // Identity documents travel in that request: in clear only to this machine.
            let parsed =
                reqwest::Url::parse(url).context("PARAPHE_IDENTITY_PROVIDER_URL is not a URL")?;
            let host = parsed
                .host_str()
                .unwrap_or_default()
                .trim_start_matches('[')
                .trim_end_matches(']');
            let loopback = host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
                anyhow::bail!("PARAPHE_IDENTITY_PROVIDER_URL must be https (identity documents are sent there); http only to this machine");
            }
        }
        if self.dev_outbox && self.public_url.to_ascii_lowercase().starts_with("https://") {
            anyhow::bail!("PARAPHE_DEV_OUTBOX shows every link and code sent: it is for development, and refused when PARAPHE_PUBLIC_URL is https");
        }
        Ok(self)
    }

    /// A configuration for tests: everything local, nothing from the environment.
    pub fn for_tests(database_url: String) -> Self {
        Config {
            database_url,
            redis_url: None,
            addr: ([127, 0, 0, 1], 0).into(),
            public_url: "http://localhost:8080".into(),
            allowed_origins: Vec::new(),
            dist_dir: "dist".into(),
            trust_proxy: false,
            session_hours: 12,
            ws_init_timeout: std::time::Duration::from_secs(10),
            // One KEK per test process, as the replicas of one deployment share theirs.
            key_encryption_key: {
                static TEST_KEK: std::sync::OnceLock<KeyEncryptionKey> = std::sync::OnceLock::new();
                TEST_KEK
                    .get_or_init(|| KeyEncryptionKey::generate().0)
                    .clone()
            },
            smtp_url: None,
            smtp_ca_file: None,
            tsa_url: None,
            tsa_ca_file: None,
            pkcs11_module: None,
            pkcs11_token: "paraphe".into(),
            pkcs11_pin: String::new(),
            mail_from: "no-reply@paraphe.test".into(),
            sms_gateway_url: None,
            sms_gateway_token: String::new(),
            outbox_dir: std::env::temp_dir().join(format!("paraphe-outbox-{}", std::process::id())),
            dev_outbox: true,
            graphiql: true,
            introspection: true,
            remind_every_days: 3,
            platform_name: "Paraphe".into(),
            platform_siren: "000000000".into(),
            tesseract: "tesseract".into(),
            pdftoppm: "pdftoppm".into(),
            identity_retention_days: 30,
            // Tests make few signers: no background key generation competing for the cores.
            signer_key_pool: 0,
            identity_provider_url: None,
            identity_webhook_secret: String::new(),
        }
    }

    /// Cookies get `Secure` when users reach us over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Origins a browser may open a WebSocket from.
    pub fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/');
        if origin == self.public_url || self.allowed_origins.iter().any(|o| o == origin) {
            return true;
        }
        // Same-origin: the page was served by this very host (e.g. a test on a free port).
        let same_host = host.is_some_and(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        });
        same_host
    }
}

/// Reads the KEK file, or creates it (owner-only) on a development machine's first start.
fn kek_from_file(path: &PathBuf) -> anyhow::Result<KeyEncryptionKey> {
    match std::fs::read_to_string(path) {
        Ok(encoded) => {
            KeyEncryptionKey::from_base64(&encoded).with_context(|| format!("{}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (kek, encoded) = KeyEncryptionKey::generate();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            std::io::Write::write_all(&mut file, encoded.as_bytes())?;
            tracing::warn!(
                path = %path.display(),
                "created a key-encryption key for the CA keys; in production set PARAPHE_KEY_ENCRYPTION_KEY from a secret store and back it up"
            );
            Ok(kek)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(test)]
mod logging_tests {
    use super::*;

    #[test]
    fn credentials_in_configured_urls_stay_out_of_the_start_up_log() {
        let mut config = Config::for_tests("postgres://paraphe:db-secret@db/paraphe".into());
        config.tsa_url = Some("https://tsa-user:tsa-secret@tsa.example/stamp".into());
        config.sms_gateway_url = Some("https://sms.example/send?api_key=sms-secret".into());
        config.identity_provider_url = Some("https://idp.example/check".into());
        let logged = format!("{config:?}");
        for secret in ["db-secret", "tsa-user", "tsa-secret", "sms-secret"] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
        assert!(
            logged.contains("https://idp.example/check"),
            "what is not secret stays readable: {logged}"
        );
        assert!(logged.contains("tsa.example/stamp"), "{logged}");
    }

    #[test]
    fn identity_documents_go_to_a_provider_over_https_only() {
        let with = |url: &str| {
            let mut config = Config::for_tests(String::new());
            config.identity_provider_url = Some(url.into());
            config.identity_webhook_secret = "a secret long enough".into();
            config.checked().map(|_| ()).map_err(|e| e.to_string())
        };
        assert!(with("https://verification.example/check").is_ok());
        assert!(
            with("http://127.0.0.1:9000/check").is_ok(),
            "this machine, as in the tests"
        );
        assert!(with("http://localhost:9000/check").is_ok());
        assert!(with("http://verification.example/check").is_err());
        assert!(with("http://10.0.0.5/check").is_err());
        assert!(with("ftp://verification.example/").is_err());
        assert!(with("not a url").is_err());
    }
}
