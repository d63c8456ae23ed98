//! The OpenID provider as this server sees it: its discovery document and keys, fetched
//! when first needed and kept, the authorization request, the code exchange and the ID
//! token's checks. Built on the `openidconnect` crate (discovery, PKCE, JWS verification
//! against the JWKS, `iss`/`aud`/`exp`/`nonce` checks) rather than by hand: those checks
//! are where hand-written relying parties go wrong.
//!
//! Discovery is lazy: the server starts and serves passwords while the provider is down;
//! a login then fails with `UNAVAILABLE` and the next one tries again. The document is
//! kept an hour, after which it is fetched again (the old one serves while the provider
//! does not answer). A token signed by a key the cached JWKS lacks fetches the keys again
//! once (the provider rotated them) before it is refused.
//!
//! The profile (email, `email_verified`, names) is read from the ID token; a provider that
//! keeps those claims for its userinfo endpoint (as the specification's default has it) is
//! asked there, with the access token, for the same subject.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenClaims, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndSessionUrl,
    IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, TokenResponse as _,
};
use tokio::sync::{Mutex, RwLock};

use super::{SsoError, CLOCK_SKEW};
use crate::config::OidcConfig;

/// How long a discovery document (and its keys) is trusted before it is fetched again.
const DISCOVERY_FRESH_FOR: Duration = Duration::from_secs(3600);
/// Keys are fetched again for an unknown `kid` at most this often, so that a burst of
/// callbacks cannot turn into a burst of requests to the provider.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// Every call to the provider gives up after this long.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

struct Discovered {
    metadata: ProviderMetadataWithLogout,
    fetched: Instant,
}

pub(super) struct Provider {
    pub(super) config: OidcConfig,
    issuer: IssuerUrl,
    redirect_uri: RedirectUrl,
    post_logout_redirect_uri: PostLogoutRedirectUrl,
    http: reqwest::Client,
    cache: RwLock<Option<Arc<Discovered>>>,
    /// One discovery at a time: concurrent logins after a restart wait for the first.
    fetching: Mutex<()>,
}

/// What the browser is sent to, and what must be kept to finish the login.
pub(super) struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The person the provider vouches for, from a verified ID token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// `email_verified` was present and true.
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The token itself, kept with the session for RP-initiated logout.
    pub id_token: String,
}

fn boxed(error: impl std::error::Error + Send + Sync + 'static) -> crate::BoxError {
    Box::new(error)
}

impl Provider {
    pub(super) fn new(config: OidcConfig, public_url: &str) -> Result<Self, SsoError> {
        let invalid = |e: openidconnect::url::ParseError| SsoError::Unavailable(boxed(e));
        let issuer = IssuerUrl::new(config.issuer.clone()).map_err(invalid)?;
        let redirect_uri =
            RedirectUrl::new(format!("{public_url}{}", super::CALLBACK_PATH)).map_err(invalid)?;
        let post_logout_redirect_uri =
            PostLogoutRedirectUrl::new(format!("{public_url}/connexion")).map_err(invalid)?;
        // No redirects: discovery, keys and tokens come from the URLs the provider
        // published, never from wherever a redirect would lead (openidconnect's advice
        // against SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|e| SsoError::Unavailable(boxed(e)))?;
        Ok(Provider {
            config,
            issuer,
            redirect_uri,
            post_logout_redirect_uri,
            http,
            cache: RwLock::new(None),
            fetching: Mutex::new(()),
        })
    }

    /// The discovery document and keys: the cached ones while fresh, otherwise fetched
    /// (`refresh_keys`: fetched again whatever their age, unless just fetched).
    async fn discovered(&self, refresh_keys: bool) -> Result<Arc<Discovered>, SsoError> {
        let usable = |cached: Option<Arc<Discovered>>| {
            cached.filter(|d| {
                let age = d.fetched.elapsed();
                age < DISCOVERY_FRESH_FOR && (!refresh_keys || age < MIN_REFRESH_INTERVAL)
            })
        };
        if let Some(found) = usable(self.cache.read().await.clone()) {
            return Ok(found);
        }
        let _one_at_a_time = self.fetching.lock().await;
        // Someone else may have fetched while we waited.
        if let Some(found) = usable(self.cache.read().await.clone()) {
            return Ok(found);
        }
        match ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http).await {
            Ok(metadata) => {
                let fresh = Arc::new(Discovered {
                    metadata,
                    fetched: Instant::now(),
                });
                *self.cache.write().await = Some(fresh.clone());
                Ok(fresh)
            }
            Err(error) => {
                let stale = self.cache.read().await.clone();
                match stale {
                    // An hour-old document beats none while the provider is down; a key
                    // refresh that failed leaves the token to be refused with the old keys.
                    Some(stale) => {
                        tracing::warn!(error = %error, "the OpenID provider's discovery failed; the cached document serves");
                        Ok(stale)
                    }
                    None => Err(SsoError::Unavailable(boxed(error))),
                }
            }
        }
    }

    /// Fetches the discovery document now (start-up warms the cache with it); a failure
    /// only means that the first login will try again.
    pub(super) async fn warm_up(&self) {
        if let Err(error) = self.discovered(false).await {
            tracing::warn!(error = %error, source = ?std::error::Error::source(&error).map(ToString::to_string), "the OpenID provider is unreachable for now: single sign-on will retry at the first login, passwords work");
        }
    }

    fn client(&self, metadata: &ProviderMetadataWithLogout) -> CoreClientFromMetadata {
        CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose().to_owned(),
            )),
        )
        .set_redirect_uri(self.redirect_uri.clone())
    }

    /// The authorization request: code flow, PKCE S256, fresh `state` and `nonce`.
    pub(super) async fn authorization(&self) -> Result<Authorization, SsoError> {
        let discovered = self.discovered(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let nonce = Nonce::new_random();
        let (url, _, _) = self
            .client(&discovered.metadata)
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                {
                    let state = state.clone();
                    move || state
                },
                {
                    let nonce = nonce.clone();
                    move || nonce
                },
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url: url.into(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and checks the ID token it brings:
    /// signature by the provider's keys, issuer, audience, expiry and issue time within
    /// [`CLOCK_SKEW`], and the nonce of this login.
    pub(super) async fn redeem(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, SsoError> {
        let discovered = self.discovered(false).await?;
        let client = self.client(&discovered.metadata);
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SsoError::TokenExchange(boxed(e)))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(answer) => SsoError::TokenExchange(
                    format!("the token endpoint refused the code: {answer}").into(),
                ),
                // The answer came but does not read: a malformed ID token, most often.
                parse @ RequestTokenError::Parse(..) => SsoError::TokenInvalid(boxed(parse)),
                other => SsoError::TokenExchange(boxed(other)),
            })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| SsoError::TokenInvalid("the token response has no ID token".into()))?
            .clone();
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match self.verify(&discovered.metadata, &id_token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // Signed by a key we do not hold yet: the provider rotated its keys.
                let refreshed = self.discovered(true).await?;
                self.verify(&refreshed.metadata, &id_token, &nonce)
            }
            checked => checked,
        }
        .map_err(claims_error)?;
        let mut identity = Identity {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified() == Some(true),
            given_name: claims
                .given_name()
                .and_then(|c| c.get(None))
                .map(|n| n.as_str().to_owned()),
            family_name: claims
                .family_name()
                .and_then(|c| c.get(None))
                .map(|n| n.as_str().to_owned()),
            id_token: id_token.to_string(),
        };
        if identity.email.is_none() && discovered.metadata.userinfo_endpoint().is_some() {
            let profile: CoreUserInfoClaims = client
                .user_info(
                    response.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|e| SsoError::UserInfo(boxed(e)))?
                .request_async(&self.http)
                .await
                .map_err(|e| SsoError::UserInfo(boxed(e)))?;
            identity.email = profile.email().map(|e| e.as_str().to_owned());
            identity.email_verified = profile.email_verified() == Some(true);
            if let Some(given) = profile.given_name().and_then(|c| c.get(None)) {
                identity.given_name = Some(given.as_str().to_owned());
            }
            if let Some(family) = profile.family_name().and_then(|c| c.get(None)) {
                identity.family_name = Some(family.as_str().to_owned());
            }
        }
        Ok(identity)
    }

    fn verify(
        &self,
        metadata: &ProviderMetadataWithLogout,
        id_token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<CoreIdTokenClaims, ClaimsVerificationError> {
        let client = self.client(metadata);
        let skew = chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
        let verifier = client
            .id_token_verifier()
            // Expired means expired by our clock less the skew: a provider whose clock runs
            // a little ahead of ours is not refused.
            .set_time_fn(move || chrono::Utc::now() - skew)
            .set_issue_time_verifier_fn(move |issued| {
                if issued > chrono::Utc::now() + skew {
                    Err(format!("issued in the future ({issued})"))
                } else {
                    Ok(())
                }
            });
        id_token.clone().into_claims(&verifier, nonce)
    }

    /// The provider's logout address for a session it opened (RP-initiated logout, with
    /// the ID token as hint and the login page to come back to), when its discovery
    /// document has an `end_session_endpoint`.
    pub(super) async fn end_session_url(&self, id_token: &str) -> Option<String> {
        let discovered = match self.discovered(false).await {
            Ok(discovered) => discovered,
            Err(error) => {
                tracing::warn!(error = %error, "the OpenID provider is unreachable: the session is closed here only");
                return None;
            }
        };
        let endpoint: EndSessionUrl = discovered
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let token: CoreIdToken = id_token.parse().ok()?;
        Some(
            LogoutRequest::from(endpoint)
                .set_id_token_hint(&token)
                .set_client_id(ClientId::new(self.config.client_id.clone()))
                .set_post_logout_redirect_uri(self.post_logout_redirect_uri.clone())
                .http_get_url()
                .into(),
        )
    }
}

type CoreClientFromMetadata = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The checks' failures, each to the reason a person (and the log) is given.
fn claims_error(error: ClaimsVerificationError) -> SsoError {
    match error {
        ClaimsVerificationError::InvalidIssuer(detail) => SsoError::IssuerMismatch(detail),
        ClaimsVerificationError::InvalidAudience(detail) => SsoError::AudienceMismatch(detail),
        ClaimsVerificationError::Expired(detail) => SsoError::TokenExpired(detail),
        ClaimsVerificationError::InvalidNonce(detail) => SsoError::NonceMismatch(detail),
        other => SsoError::TokenInvalid(boxed(other)),
    }
}
