//! Single sign-on through one OpenID Connect provider (`PARAPHE_OIDC_*`), beside passwords.
//!
//! `GET /auth/oidc/login[?return_to=/path]` ([`Sso::begin`]) stores a pending login
//! (`pending.rs`: state hashed, nonce, PKCE verifier, ten minutes, single use, tied to the
//! browser by a cookie) and sends the browser to the provider (code flow, PKCE S256).
//! `GET /auth/oidc/callback` takes that login once ([`Sso::take`]), exchanges the code and
//! checks the ID token (`provider.rs`), then [`Sso::finish`] finds the account —
//! by (issuer, subject) in `external_identities` first; else, only when the provider says it
//! verified the email, the account with it, linking the two, or a new account without
//! password, named from the claims, which pre-fill the enrolment's first step — and opens a
//! session exactly as a password does (`sessions::open_from_provider`, keeping the ID token
//! for logout).
//! Every failure is an [`SsoError`]; `http.rs` turns it into the login page's stable code
//! (`paraphe_shared::SsoFailure`).

pub mod graphql;
pub mod http;
mod pending;
mod provider;

use std::time::Duration;

use paraphe_shared::{Email, PersonName};
use sqlx::PgPool;

pub use pending::{PendingLogin, LOGIN_MINUTES};
pub use provider::Identity;

use super::sessions;
use crate::config::OidcConfig;
use crate::ids::UserId;
use crate::platform_log::{self, LogActor, PlatformEvent, Subject};
use crate::request_meta::RequestMeta;
use crate::BoxError;

pub const LOGIN_PATH: &str = "/auth/oidc/login";
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// How far our clock and the provider's may disagree on an ID token's expiry and issue
/// time: a minute, the usual allowance (tokens live a few minutes to an hour).
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("single sign-on is not configured")]
    NotConfigured,
    #[error("the OpenID provider cannot be reached")]
    Unavailable(#[source] BoxError),
    // The provider's words come from the browser's query string: quoted (`{:?}`), so that a
    // line break in them cannot forge a line of the server's log.
    #[error("the OpenID provider answered {error:?}: {description:?}")]
    Provider {
        error: String,
        description: Option<String>,
    },
    #[error("no login was started with this state")]
    StateUnknown,
    #[error("this login was started more than {LOGIN_MINUTES} minutes ago")]
    StateExpired,
    #[error("this login's answer was already used")]
    StateUsed,
    #[error("this login was started in another browser")]
    BrowserMismatch,
    #[error("the code could not be exchanged for tokens")]
    TokenExchange(#[source] BoxError),
    #[error("the ID token does not verify")]
    TokenInvalid(#[source] BoxError),
    #[error("the ID token names another issuer: {0}")]
    IssuerMismatch(String),
    #[error("the ID token is for another client: {0}")]
    AudienceMismatch(String),
    #[error("the ID token has expired: {0}")]
    TokenExpired(String),
    #[error("the ID token answers another login: {0}")]
    NonceMismatch(String),
    #[error("the provider's userinfo endpoint did not answer the profile")]
    UserInfo(#[source] BoxError),
    #[error("the provider gave no usable email address")]
    EmailMissing,
    #[error("the provider did not verify the email")]
    EmailNotVerified,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Single sign-on as the server runs it: nothing when not configured.
pub struct Sso {
    provider: Option<provider::Provider>,
}

/// A started login: where to send the browser, and the cookie that ties the answer to it.
pub struct Begun {
    pub authorization_url: String,
    /// The browser's binding value (new unless the browser already had one).
    pub browser: String,
}

/// A finished login.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: UserId,
    /// The session cookie's value.
    pub session_token: String,
    pub account: AccountOutcome,
}

/// How the provider's person met an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountOutcome {
    /// Already linked (issuer, subject).
    Known,
    /// An existing account with the verified email, linked now.
    Linked,
    /// A new account, made from the claims.
    Created,
}

impl Sso {
    /// Builds nothing that needs the network: discovery waits for [`Sso::warm_up`] or the
    /// first login.
    pub fn new(config: Option<OidcConfig>, public_url: &str) -> Self {
        let provider = config.and_then(|config| {
            provider::Provider::new(config, public_url)
                .inspect_err(|e| tracing::error!(error = %e, "single sign-on is misconfigured and stays off"))
                .ok()
        });
        Sso { provider }
    }

    /// The provider's name for the login page's button; `None` when not configured.
    pub fn name(&self) -> Option<&str> {
        self.provider.as_ref().map(|p| p.config.name.as_str())
    }

    fn provider(&self) -> Result<&provider::Provider, SsoError> {
        self.provider.as_ref().ok_or(SsoError::NotConfigured)
    }

    /// Fetches the discovery document ahead of the first login (without waiting for it
    /// at start-up: the server serves whether or not the provider answers).
    pub async fn warm_up(&self) {
        if let Some(provider) = &self.provider {
            provider.warm_up().await;
        }
    }

    /// Starts a login: a pending login stored, and the provider's authorization address.
    /// `return_to` must be a path of this site (`paraphe_shared::sso::is_local_path`);
    /// anything else is dropped, and the person lands on the dashboard.
    pub async fn begin(
        &self,
        db: &PgPool,
        return_to: Option<&str>,
        browser: Option<&str>,
    ) -> Result<Begun, SsoError> {
        let provider = self.provider()?;
        let authorization = provider.authorization().await?;
        let browser = match browser {
            Some(value) if value.len() >= 32 => value.to_owned(),
            _ => crate::tokens::new_token().0,
        };
        pending::store(
            db,
            pending::NewLogin {
                state: &authorization.state,
                browser: &browser,
                nonce: &authorization.nonce,
                pkce_verifier: &authorization.pkce_verifier,
                return_to: return_to.filter(|path| paraphe_shared::sso::is_local_path(path)),
            },
        )
        .await?;
        Ok(Begun {
            authorization_url: authorization.url,
            browser,
        })
    }

    /// Takes the pending login an answer names (once), from the browser that started it.
    pub async fn take(
        &self,
        db: &PgPool,
        state: &str,
        browser: Option<&str>,
    ) -> Result<PendingLogin, SsoError> {
        self.provider()?;
        pending::take(db, state, browser).await
    }

    /// The page a login named by `state` was to end on, for the way back after a failure.
    pub async fn return_to_of(&self, db: &PgPool, state: &str) -> Option<String> {
        pending::return_to_of(db, state).await.ok().flatten()
    }

    /// Finishes a login: the code redeemed and its ID token checked, the account found,
    /// linked or created, and a session opened.
    pub async fn finish(
        &self,
        db: &PgPool,
        login: &PendingLogin,
        code: &str,
        session_hours: i64,
        meta: &RequestMeta,
    ) -> Result<SignedIn, SsoError> {
        let provider = self.provider()?;
        let identity = provider
            .redeem(code, &login.pkce_verifier, &login.nonce)
            .await?;
        let (user_id, account) = account_for(db, &identity, meta).await?;
        let session_token =
            sessions::open_from_provider(db, user_id, session_hours, meta, &identity.id_token)
                .await?;
        Ok(SignedIn {
            user_id,
            session_token,
            account,
        })
    }

    /// Where the browser goes to log out of the provider too, for a session it opened
    /// (`None`: a password session, or a provider without RP-initiated logout, or one
    /// that cannot be reached — the session here is closed all the same).
    pub async fn end_session_url(&self, id_token: Option<&str>) -> Option<String> {
        let (provider, id_token) = (self.provider.as_ref()?, id_token?);
        provider.end_session_url(id_token).await
    }
}

/// The account of the person the provider vouches for: linked (issuer, subject) first;
/// else, when the provider verified the email, the account with that email, linked now, or
/// a new one. An email the provider did not verify opens nothing and makes nothing: an
/// existing account would be walked into by whoever claims its address, and a new one would
/// squat the address before its owner comes (the owner's invitations, cabinets and
/// certificates would then land in an account a stranger can open). The provider must
/// therefore send `email_verified`.
///
/// Names come from `given_name`/`family_name` at creation only — the enrolment's first step
/// shows them for the person to confirm — and are never overwritten by later logins, since
/// confirmed names go into certificates.
pub async fn account_for(
    db: &PgPool,
    identity: &Identity,
    meta: &RequestMeta,
) -> Result<(UserId, AccountOutcome), SsoError> {
    if let Some(user_id) = linked(&mut *db.acquire().await?, identity).await? {
        return Ok((user_id, AccountOutcome::Known));
    }
    let email = identity
        .email
        .as_deref()
        .and_then(|raw| Email::parse(raw).ok())
        .ok_or(SsoError::EmailMissing)?;
    let mut tx = db.begin().await?;
    // Two first logins of one person (two tabs) make one account and one link: the subject
    // and the email are locked (always in this order), and the link looked up again.
    sqlx::query_scalar!(
        r#"SELECT pg_advisory_xact_lock(hashtext('sso-subject:' || $1 || ' ' || $2)) AS "locked: ()""#,
        &identity.issuer,
        &identity.subject,
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query_scalar!(
        r#"SELECT pg_advisory_xact_lock(hashtext('sso-email:' || $1)) AS "locked: ()""#,
        email.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(user_id) = linked(&mut tx, identity).await? {
        return Ok((user_id, AccountOutcome::Known));
    }
    let existing = sqlx::query_scalar!(
        r#"SELECT id AS "id: UserId" FROM users WHERE email = $1"#,
        email.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    if !identity.email_verified {
        tx.rollback().await?;
        if let Some(user_id) = existing {
            refused(db, user_id, identity, meta).await?;
        }
        return Err(SsoError::EmailNotVerified);
    }
    let (user_id, outcome) = match existing {
        Some(user_id) => (user_id, AccountOutcome::Linked),
        None => {
            let name = |claim: Option<&str>| {
                claim
                    .and_then(|n| PersonName::parse(n).ok())
                    .map(|n| n.as_str().to_owned())
                    .unwrap_or_default()
            };
            let user_id = sqlx::query_scalar!(
                r#"INSERT INTO users (email, first_name, last_name) VALUES ($1, $2, $3)
                   RETURNING id AS "id: UserId""#,
                email.as_str(),
                name(identity.given_name.as_deref()),
                name(identity.family_name.as_deref()),
            )
            .fetch_one(&mut *tx)
            .await?;
            (user_id, AccountOutcome::Created)
        }
    };
    sqlx::query!(
        "INSERT INTO external_identities (issuer, subject, user_id) VALUES ($1, $2, $3)",
        &identity.issuer,
        &identity.subject,
        user_id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    let event = match outcome {
        AccountOutcome::Created => PlatformEvent::SsoAccountCreated {
            issuer: identity.issuer.clone(),
        },
        _ => PlatformEvent::SsoIdentityLinked {
            issuer: identity.issuer.clone(),
        },
    };
    platform_log::append(
        &mut tx,
        LogActor::User(user_id),
        Subject::user(user_id),
        meta,
        event,
    )
    .await?;
    tx.commit().await?;
    Ok((user_id, outcome))
}

async fn linked(
    conn: &mut sqlx::PgConnection,
    identity: &Identity,
) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT user_id AS "user_id: UserId" FROM external_identities
            WHERE issuer = $1 AND subject = $2"#,
        &identity.issuer,
        &identity.subject,
    )
    .fetch_optional(conn)
    .await
}

/// An account's owner (and the platform's administrators) should see that someone came
/// through the provider with its address, unverified, and was turned away.
async fn refused(
    db: &PgPool,
    user_id: UserId,
    identity: &Identity,
    meta: &RequestMeta,
) -> Result<(), sqlx::Error> {
    let mut conn = db.acquire().await?;
    platform_log::append(
        &mut conn,
        LogActor::System,
        Subject::user(user_id),
        meta,
        PlatformEvent::SsoLinkRefused {
            issuer: identity.issuer.clone(),
            reason: "email_not_verified",
        },
    )
    .await
}
