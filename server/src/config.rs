//! Configuration, read once at start-up from environment variables (or the flags of the
//! same names before the command: `paraphe-server --help` lists them with their defaults).
//! An empty variable counts as unset. Secrets are [`Secret`]s: their `Debug` prints
//! `<redacted>` and `--help` never shows their value.
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
//! | `PARAPHE_OIDC_ISSUER` | unset | single sign-on: the OpenID Connect provider's issuer URL (https, or http to this machine); its discovery document gives the rest. Logins by password go on beside it |
//! | `PARAPHE_OIDC_CLIENT_ID` | unset | this instance's client id at that provider (required with the issuer) |
//! | `PARAPHE_OIDC_CLIENT_SECRET` | unset | its client secret (required with the issuer); the provider must accept `{PARAPHE_PUBLIC_URL}/auth/oidc/callback` as redirect URI and `{PARAPHE_PUBLIC_URL}/connexion` after logout |
//! | `PARAPHE_OIDC_NAME` | the issuer's host | the provider's name on the login page's button ("Se connecter avec <name>") |
//! | `RUST_LOG` | `info` | log filter; `PARAPHE_LOG_FORMAT=json` for JSON lines |

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::keys::KeyEncryptionKey;

/// A setting that must never reach a log or a terminal: `Debug` prints `<redacted>`, and
/// its value is only read through [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Secret(value.to_owned()))
    }
}

/// `1`, `true`, `yes`, `on` or their opposites (any case); empty is `false`. Anything else
/// is refused rather than read as `false`.
fn switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("{other:?} is neither true nor false")),
    }
}

/// The settings as given, before the key is read and empty values are dropped.
#[derive(Clone, Debug, clap::Args)]
#[command(next_help_heading = "Settings (each also read from its environment variable)")]
pub struct Settings {
    /// PostgreSQL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/paraphe",
        hide_env_values = true,
        hide_default_value = true
    )]
    database_url: Secret,
    /// Redis for the cross-replica event bus; in-process bus when unset.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    redis_url: Option<Secret>,
    /// Listening address.
    #[arg(long = "addr", env = "PARAPHE_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// The address users reach; its scheme decides `Secure` cookies, its origin is accepted
    /// on WebSockets.
    #[arg(
        long,
        env = "PARAPHE_PUBLIC_URL",
        default_value = "http://localhost:8080"
    )]
    public_url: String,
    /// Extra comma-separated origins accepted on WebSockets.
    #[arg(long, env = "PARAPHE_ALLOWED_ORIGINS", default_value = "")]
    allowed_origins: String,
    /// The built web app.
    #[arg(long, env = "PARAPHE_DIST_DIR", default_value = "dist")]
    dist_dir: PathBuf,
    /// Take the client IP from `X-Forwarded-For` (its last address).
    #[arg(long, env = "PARAPHE_TRUST_PROXY", default_value = "false", value_parser = switch, action = clap::ArgAction::Set)]
    trust_proxy: bool,
    /// Serve GraphiQL on `GET /graphql` (development).
    #[arg(long, env = "PARAPHE_GRAPHIQL", default_value = "false", value_parser = switch, action = clap::ArgAction::Set)]
    graphiql: bool,
    /// Answer GraphQL introspection queries (development tools).
    #[arg(long, env = "PARAPHE_INTROSPECTION", default_value = "false", value_parser = switch, action = clap::ArgAction::Set)]
    introspection: bool,
    /// Session lifetime, in hours.
    #[arg(long, env = "PARAPHE_SESSION_HOURS", default_value = "12")]
    session_hours: i64,
    /// Base64 of 32 random bytes: the key that seals private keys in the database
    /// (`paraphe-server keys new-kek` makes one).
    #[arg(long, env = "PARAPHE_KEY_ENCRYPTION_KEY", hide_env_values = true)]
    key_encryption_key: Option<Secret>,
    /// Where the key is read from when the variable above is unset; created on first start
    /// for development.
    #[arg(
        long,
        env = "PARAPHE_KEY_ENCRYPTION_KEY_FILE",
        default_value = ".data/key-encryption.key"
    )]
    key_encryption_key_file: PathBuf,
    /// `smtp://[user:password@]host[:port]`, `…?tls=required`, `smtps://…`; emails go to the
    /// outbox folder when unset.
    #[arg(long, env = "PARAPHE_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<Secret>,
    /// PEM certificates trusted for the relay beside the system's.
    #[arg(long, env = "PARAPHE_SMTP_CA_FILE")]
    smtp_ca_file: Option<PathBuf>,
    /// An outside RFC 3161 time-stamping authority; the instance's own unit when unset.
    #[arg(long, env = "PARAPHE_TSA_URL")]
    tsa_url: Option<String>,
    /// PEM roots of that authority.
    #[arg(long, env = "PARAPHE_TSA_CA_FILE")]
    tsa_ca_file: Option<PathBuf>,
    /// A PKCS#11 module holding the certificate authorities' keys.
    #[arg(long, env = "PARAPHE_PKCS11_MODULE")]
    pkcs11_module: Option<PathBuf>,
    /// The label of that module's token.
    #[arg(long, env = "PARAPHE_PKCS11_TOKEN", default_value = "paraphe")]
    pkcs11_token: String,
    /// The token's user PIN.
    #[arg(
        long,
        env = "PARAPHE_PKCS11_PIN",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pkcs11_pin: Secret,
    /// Sender address (the cabinet's name is the sender name).
    #[arg(
        long,
        env = "PARAPHE_MAIL_FROM",
        default_value = "no-reply@paraphe.localhost"
    )]
    mail_from: String,
    /// HTTP SMS gateway; SMS go to the outbox folder when unset.
    #[arg(long, env = "PARAPHE_SMS_GATEWAY_URL")]
    sms_gateway_url: Option<String>,
    /// Bearer token for the SMS gateway.
    #[arg(
        long,
        env = "PARAPHE_SMS_GATEWAY_TOKEN",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    sms_gateway_token: Secret,
    /// Development outbox: one file per email or SMS.
    #[arg(long, env = "PARAPHE_OUTBOX_DIR", default_value = ".data/outbox")]
    outbox_dir: PathBuf,
    /// Expose the outbox (codes and links) to the app's development page.
    #[arg(long, env = "PARAPHE_DEV_OUTBOX", default_value = "false", value_parser = switch, action = clap::ArgAction::Set)]
    dev_outbox: bool,
    /// Days between automatic reminders of pending signers; 0 turns them off.
    #[arg(long, env = "PARAPHE_REMIND_EVERY_DAYS", default_value = "3")]
    remind_every_days: i64,
    /// The operator's name in the seal of proof files.
    #[arg(long, env = "PARAPHE_PLATFORM_NAME", default_value = "Paraphe")]
    platform_name: String,
    /// The operator's SIREN in that seal certificate.
    #[arg(long, env = "PARAPHE_PLATFORM_SIREN", default_value = "000000000")]
    platform_siren: String,
    /// The OCR program that reads identity documents' MRZ.
    #[arg(long, env = "PARAPHE_TESSERACT", default_value = "tesseract")]
    tesseract: PathBuf,
    /// Renders PDFs (identity documents, pages to read).
    #[arg(long, env = "PARAPHE_PDFTOPPM", default_value = "pdftoppm")]
    pdftoppm: PathBuf,
    /// Identity document images are deleted this many days after the decision.
    #[arg(long, env = "PARAPHE_IDENTITY_RETENTION_DAYS", default_value = "30")]
    identity_retention_days: i64,
    /// Keys kept ready for level-1 signers; 0 generates each on demand.
    #[arg(long, env = "PARAPHE_SIGNER_KEY_POOL", default_value = "32")]
    signer_key_pool: i64,
    /// An external identity verification service; the operators' queue decides when unset.
    #[arg(long, env = "PARAPHE_IDENTITY_PROVIDER_URL")]
    identity_provider_url: Option<String>,
    /// The shared secret of that service (HMAC-SHA256 of each body, both ways).
    #[arg(
        long,
        env = "PARAPHE_IDENTITY_WEBHOOK_SECRET",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    identity_webhook_secret: Secret,
    /// Single sign-on: the OpenID Connect provider's issuer URL.
    #[arg(long, env = "PARAPHE_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// This instance's client id at that provider.
    #[arg(long, env = "PARAPHE_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// Its client secret.
    #[arg(long, env = "PARAPHE_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<Secret>,
    /// The provider's name on the login page's button (the issuer's host when unset).
    #[arg(long, env = "PARAPHE_OIDC_NAME")]
    oidc_name: Option<String>,
}

/// Single sign-on through one OpenID Connect provider (`accounts::oidc`).
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// The issuer URL as configured (discovery is `{issuer}/.well-known/openid-configuration`,
    /// and ID tokens must name exactly this issuer).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// What the login page's button says after "Se connecter avec".
    pub name: String,
}

impl OidcConfig {
    /// Three settings go together; the name defaults to the issuer's host.
    fn from_settings(
        issuer: Option<String>,
        client_id: Option<String>,
        client_secret: Option<Secret>,
        name: Option<String>,
    ) -> anyhow::Result<Option<Self>> {
        let Some(issuer) = given(issuer) else {
            if given(client_id).is_some() || client_secret.is_some_and(|s| !s.is_empty()) {
                anyhow::bail!("PARAPHE_OIDC_CLIENT_ID and PARAPHE_OIDC_CLIENT_SECRET need PARAPHE_OIDC_ISSUER");
            }
            return Ok(None);
        };
        let issuer = issuer.trim().to_owned();
        let client_id = given(client_id)
            .context("PARAPHE_OIDC_ISSUER needs PARAPHE_OIDC_CLIENT_ID")?
            .trim()
            .to_owned();
        let client_secret = client_secret
            .filter(|s| !s.is_empty())
            .context("PARAPHE_OIDC_ISSUER needs PARAPHE_OIDC_CLIENT_SECRET")?;
        let parsed = reqwest::Url::parse(&issuer).context("PARAPHE_OIDC_ISSUER is not a URL")?;
        // ID tokens and the client secret travel there: in clear only to this machine.
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && is_loopback(&parsed)) {
            anyhow::bail!("PARAPHE_OIDC_ISSUER must be https; http only to this machine");
        }
        let name = given(name)
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| parsed.host_str().unwrap_or("SSO").to_owned());
        Ok(Some(OidcConfig {
            issuer,
            client_id,
            client_secret,
            name,
        }))
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Clone)]
pub struct Config {
    pub database_url: Secret,
    pub redis_url: Option<Secret>,
    pub addr: SocketAddr,
    pub public_url: String,
    pub allowed_origins: Vec<String>,
    pub dist_dir: PathBuf,
    pub trust_proxy: bool,
    pub session_hours: i64,
    /// How long a WebSocket client has to send `connection_init`.
    pub ws_init_timeout: std::time::Duration,
    pub key_encryption_key: KeyEncryptionKey,
    pub smtp_url: Option<Secret>,
    pub smtp_ca_file: Option<PathBuf>,
    pub tsa_url: Option<String>,
    pub tsa_ca_file: Option<PathBuf>,
    pub pkcs11_module: Option<PathBuf>,
    pub pkcs11_token: String,
    pub pkcs11_pin: Secret,
    pub mail_from: String,
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_token: Secret,
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
    pub identity_webhook_secret: Secret,
    /// Single sign-on; `None`: passwords only.
    pub oidc: Option<OidcConfig>,
}

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
            .field("database_url", &self.database_url)
            .field("redis_url", &self.redis_url)
            .field("addr", &self.addr)
            .field("public_url", &loggable_url(&self.public_url))
            .field("allowed_origins", &self.allowed_origins)
            .field("dist_dir", &self.dist_dir)
            .field("trust_proxy", &self.trust_proxy)
            .field("session_hours", &self.session_hours)
            .field("ws_init_timeout", &self.ws_init_timeout)
            .field("key_encryption_key", &self.key_encryption_key)
            .field("smtp_url", &self.smtp_url)
            .field("smtp_ca_file", &self.smtp_ca_file)
            .field("tsa_url", &self.tsa_url.as_deref().map(loggable_url))
            .field("tsa_ca_file", &self.tsa_ca_file)
            .field("pkcs11_module", &self.pkcs11_module)
            .field("pkcs11_token", &self.pkcs11_token)
            .field("pkcs11_pin", &self.pkcs11_pin)
            .field("mail_from", &self.mail_from)
            .field(
                "sms_gateway_url",
                &self.sms_gateway_url.as_deref().map(loggable_url),
            )
            .field("sms_gateway_token", &self.sms_gateway_token)
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
            .field("identity_webhook_secret", &self.identity_webhook_secret)
            .field("oidc", &self.oidc)
            .finish()
    }
}

/// An empty value counts as unset.
fn given<T: AsRef<std::ffi::OsStr>>(value: Option<T>) -> Option<T> {
    value.filter(|v| !v.as_ref().to_string_lossy().trim().is_empty())
}

impl Config {
    /// The configuration the command line and the environment give (`main.rs` flattens
    /// [`Settings`] into its arguments).
    pub fn from_settings(settings: Settings) -> anyhow::Result<Self> {
        let addr = settings.addr.trim();
        Config {
            database_url: settings.database_url,
            redis_url: settings.redis_url.filter(|url| !url.is_empty()),
            addr: addr
                .parse()
                .with_context(|| format!("PARAPHE_ADDR={addr:?} is not an address"))?,
            public_url: settings.public_url.trim().trim_end_matches('/').to_owned(),
            allowed_origins: settings
                .allowed_origins
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            dist_dir: settings.dist_dir,
            trust_proxy: settings.trust_proxy,
            session_hours: settings.session_hours,
            ws_init_timeout: std::time::Duration::from_secs(10),
            key_encryption_key: match settings.key_encryption_key.filter(|k| !k.is_empty()) {
                Some(encoded) => KeyEncryptionKey::from_base64(encoded.expose())
                    .context("PARAPHE_KEY_ENCRYPTION_KEY")?,
                None => kek_from_file(&settings.key_encryption_key_file)?,
            },
            smtp_url: settings.smtp_url.filter(|url| !url.is_empty()),
            smtp_ca_file: given(settings.smtp_ca_file),
            tsa_url: given(settings.tsa_url),
            tsa_ca_file: given(settings.tsa_ca_file),
            pkcs11_module: given(settings.pkcs11_module),
            pkcs11_token: settings.pkcs11_token,
            pkcs11_pin: settings.pkcs11_pin,
            mail_from: settings.mail_from,
            sms_gateway_url: given(settings.sms_gateway_url),
            sms_gateway_token: settings.sms_gateway_token,
            outbox_dir: settings.outbox_dir,
            dev_outbox: settings.dev_outbox,
            graphiql: settings.graphiql,
            introspection: settings.introspection,
            remind_every_days: settings.remind_every_days,
            platform_name: settings.platform_name,
            platform_siren: settings.platform_siren,
            tesseract: settings.tesseract,
            pdftoppm: settings.pdftoppm,
            identity_retention_days: settings.identity_retention_days,
            signer_key_pool: settings.signer_key_pool,
            identity_provider_url: given(settings.identity_provider_url),
            identity_webhook_secret: settings.identity_webhook_secret,
            oidc: OidcConfig::from_settings(
                settings.oidc_issuer,
                settings.oidc_client_id,
                settings.oidc_client_secret,
                settings.oidc_name,
            )?,
        }
        .checked()
    }

    /// An external identity provider without a shared secret would take anybody's word;
    /// the development outbox shows every link and code, so an instance served over https
    /// (a real deployment) refuses to start with it.
    pub fn checked(self) -> anyhow::Result<Self> {
        if self.identity_provider_url.is_some() && self.identity_webhook_secret.expose().len() < 16
        {
            anyhow::bail!("PARAPHE_IDENTITY_WEBHOOK_SECRET must hold at least 16 characters when PARAPHE_IDENTITY_PROVIDER_URL is set");
        }
        if let Some(url) = &self.identity_provider_url {
            // Identity documents travel in that request: in clear only to this machine.
            let parsed =
                reqwest::Url::parse(url).context("PARAPHE_IDENTITY_PROVIDER_URL is not a URL")?;
            if parsed.scheme() != "https" && !(parsed.scheme() == "http" && is_loopback(&parsed)) {
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
            database_url: database_url.into(),
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
            pkcs11_pin: Secret::default(),
            mail_from: "no-reply@paraphe.test".into(),
            sms_gateway_url: None,
            sms_gateway_token: Secret::default(),
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
            identity_webhook_secret: Secret::default(),
            oidc: None,
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
fn kek_from_file(path: &std::path::Path) -> anyhow::Result<KeyEncryptionKey> {
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

    /// The settings as the command line gives them (the environment works the same way).
    fn settings(args: &[&str]) -> Result<Settings, clap::Error> {
        #[derive(clap::Parser)]
        struct Command {
            #[command(flatten)]
            settings: Settings,
        }
        let kek = KeyEncryptionKey::generate().1;
        let mut all = vec!["paraphe-server", "--key-encryption-key", kek.as_str()];
        all.extend_from_slice(args);
        <Command as clap::Parser>::try_parse_from(all).map(|command| command.settings)
    }

    #[test]
    fn empty_settings_count_as_unset_and_switches_are_strict() {
        let config = Config::from_settings(
            settings(&[
                "--smtp-url",
                "",
                "--tsa-url",
                " ",
                "--trust-proxy",
                "YES",
                "--allowed-origins",
                "https://a.example/, ,https://b.example",
            ])
            .expect("valid settings"),
        )
        .expect("a configuration");
        assert!(config.smtp_url.is_none());
        assert!(config.tsa_url.is_none());
        assert!(config.trust_proxy);
        assert!(!config.dev_outbox, "off unless asked for");
        assert_eq!(
            config.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(
            settings(&["--dev-outbox", "maybe"]).is_err(),
            "a misspelt switch is refused, not read as false"
        );
        assert!(settings(&["--session-hours", "twelve"]).is_err());
    }

    #[test]
    fn secrets_never_print() {
        let given = settings(&[
            "--database-url",
            "postgres://paraphe:db-secret@db/paraphe",
            "--smtp-url",
            "smtp://mailer:smtp-secret@relay",
            "--pkcs11-pin",
            "pin-secret",
            "--identity-webhook-secret",
            "webhook-secret",
            "--sms-gateway-token",
            "token-secret",
        ])
        .expect("valid settings");
        let printed = format!("{given:?}");
        let config = Config::from_settings(given).expect("a configuration");
        let logged = format!("{config:?}");
        for secret in [
            "db-secret",
            "smtp-secret",
            "pin-secret",
            "webhook-secret",
            "token-secret",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
        assert_eq!(config.pkcs11_pin.expose(), "pin-secret");
    }

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
    fn single_sign_on_needs_its_three_settings_and_keeps_its_secret() {
        let with = |args: &[&str]| {
            Config::from_settings(settings(args).expect("valid settings"))
                .map_err(|e| e.to_string())
        };
        let config = with(&[
            "--oidc-issuer",
            "https://login.comptexpert.example/realms/cabinets",
            "--oidc-client-id",
            "paraphe",
            "--oidc-client-secret",
            "sso-secret",
        ])
        .expect("a configuration");
        let oidc = config.oidc.as_ref().expect("single sign-on");
        assert_eq!(
            oidc.name, "login.comptexpert.example",
            "the host names it by default"
        );
        assert!(!format!("{config:?}").contains("sso-secret"));
        assert!(with(&[]).expect("passwords only").oidc.is_none());
        assert!(with(&["--oidc-issuer", "https://idp.example"]).is_err());
        assert!(with(&["--oidc-client-id", "paraphe"]).is_err());
        assert!(with(&[
            "--oidc-issuer",
            "http://idp.example",
            "--oidc-client-id",
            "p",
            "--oidc-client-secret",
            "s"
        ])
        .is_err());
        let local = with(&[
            "--oidc-issuer",
            "http://127.0.0.1:4000",
            "--oidc-client-id",
            "p",
            "--oidc-client-secret",
            "s",
            "--oidc-name",
            "Comptexpert",
        ])
        .expect("http to this machine");
        assert_eq!(local.oidc.map(|o| o.name).as_deref(), Some("Comptexpert"));
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
