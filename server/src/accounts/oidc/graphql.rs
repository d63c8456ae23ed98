//! What the login page needs to know about single sign-on, and the app's logout that goes
//! through the provider.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};

use super::{Sso, LOGIN_PATH};
use crate::accounts::sessions;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;

/// The ways to sign in on this instance besides email and password.
#[derive(SimpleObject)]
#[graphql(name = "SignInOptions")]
pub struct SignInOptionsGql {
    /// Single sign-on through the organisation's OpenID Connect provider; `null` when not
    /// configured.
    sso: Option<SsoOptionGql>,
}

#[derive(SimpleObject)]
#[graphql(name = "SsoOption")]
pub struct SsoOptionGql {
    /// The provider's name, for "Sign in with <name>".
    name: String,
    /// Where the browser goes to sign in (a path of this server); add
    /// `?return_to=/a/path` to land there afterwards.
    login_url: String,
}

/// What logging out leaves to the browser.
#[derive(SimpleObject)]
#[graphql(name = "SignOut")]
pub struct SignOutGql {
    /// For a session opened by single sign-on, the provider's logout address (with this
    /// session's ID token as hint and the login page to come back to): open it to log out
    /// there too. `null` otherwise.
    provider_logout_url: Option<String>,
}

#[derive(Default)]
pub struct SsoQuery;

#[Object]
impl SsoQuery {
    /// How one may sign in here. No session needed.
    async fn sign_in_options(&self, ctx: &Context<'_>) -> SignInOptionsGql {
        SignInOptionsGql {
            sso: ctx
                .data_opt::<Arc<Sso>>()
                .and_then(|sso| sso.name())
                .map(|name| SsoOptionGql {
                    name: name.to_owned(),
                    login_url: LOGIN_PATH.to_owned(),
                }),
        }
    }
}

#[derive(Default)]
pub struct SsoMutation;

#[Object]
impl SsoMutation {
    /// Ends the session and clears the cookie, like `logout`; for a session opened through
    /// single sign-on, also answers where to log out of the provider.
    async fn sign_out(&self, ctx: &Context<'_>) -> ApiResult<SignOutGql> {
        let mut provider_logout_url = None;
        if let Ok(viewer) = ctx.viewer() {
            let id_token = sessions::provider_id_token(ctx.db(), viewer).await?;
            sessions::close(ctx.db(), viewer).await?;
            if let Some(sso) = ctx.data_opt::<Arc<Sso>>() {
                provider_logout_url = sso.end_session_url(id_token.as_deref()).await;
            }
        }
        ctx.append_http_header(
            "set-cookie",
            sessions::clear_cookie(ctx.config().secure_cookies()),
        );
        Ok(SignOutGql {
            provider_logout_url,
        })
    }
}
