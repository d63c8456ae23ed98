use async_graphql::{Context, Object};
use uuid::Uuid;

use super::{sessions, User};
use crate::cabinets;
use crate::cabinets::graphql::CabinetMembershipGql;
use crate::graphql::context::ContextExt;
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::language::{self, LanguageCode};
use crate::ids::CabinetId;

/// The logged-in person and the cabinets they can act for.
pub struct Me {
    user: User,
    current_cabinet_id: Option<CabinetId>,
}

#[Object]
impl Me {
    async fn user(&self) -> UserGql<'_> {
        UserGql(&self.user)
    }

    /// The cabinet the session acts for; changed with `switchCabinet`.
    async fn current_cabinet_id(&self) -> Option<Uuid> {
        self.current_cabinet_id.map(CabinetId::into_uuid)
    }

    /// Every cabinet this person belongs to, with their role and delegations there.
    async fn memberships(&self, ctx: &Context<'_>) -> ApiResult<Vec<CabinetMembershipGql>> {
        let memberships = cabinets::memberships_of_user(ctx.db(), self.user.id).await?;
        Ok(memberships.into_iter().map(Into::into).collect())
    }
}

pub(crate) async fn load_me(
    ctx: &Context<'_>,
    current_cabinet_id: Option<CabinetId>,
) -> ApiResult<Me> {
    let viewer = ctx.viewer()?;
    let user = super::user_by_id(ctx.db(), viewer.user_id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(Me {
        user,
        current_cabinet_id,
    })
}

/// A person with an account.
pub struct UserGql<'a>(&'a User);

#[Object(name = "User")]
impl UserGql<'_> {
    async fn id(&self) -> Uuid {
        self.0.id.into_uuid()
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    async fn mobile(&self) -> Option<&str> {
        self.0.mobile.as_deref()
    }
    /// Reviews identity documents in the back office.
    async fn is_operator(&self) -> bool {
        self.0.is_operator
    }
    /// The language this person chose in the app; `null` until they choose (the app then
    /// follows the browser, and emails are in French).
    async fn language(&self) -> Option<LanguageCode> {
        language::stored(self.0.language.as_deref())
    }
}

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The logged-in person; `UNAUTHENTICATED` without a session.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Me> {
        let current = ctx.viewer()?.current_cabinet_id;
        load_me(ctx, current).await
    }
}

#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Logs in with email and password; sets the HttpOnly session cookie.
    /// `INVALID_CREDENTIALS` for an unknown email or a wrong password alike;
    /// `RATE_LIMITED` after too many failures for one email.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> ApiResult<Me> {
        let meta = ctx.meta();
        let user = super::check_password(ctx.db(), &email, password, meta.ip.as_deref()).await?;
        let config = ctx.config();
        let token = sessions::open(ctx.db(), user.id, config.session_hours, &meta).await?;
        ctx.append_http_header(
            "set-cookie",
            sessions::set_cookie(&token, config.session_hours, config.secure_cookies()),
        );
        let viewer = sessions::lookup(ctx.db(), &token)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        Ok(Me {
            user,
            current_cabinet_id: viewer.current_cabinet_id,
        })
    }

    /// Keeps the language the logged-in person chose: the app opens in it on any device,
    /// and the server writes to them in it (emails, SMS, documents to sign).
    async fn set_my_language(
        &self,
        ctx: &Context<'_>,
        language: LanguageCode,
    ) -> ApiResult<LanguageCode> {
        super::set_language(ctx.db(), ctx.viewer()?.user_id, language.into()).await?;
        Ok(language)
    }

    /// Ends the session and clears the cookie.
    async fn logout(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        if let Ok(viewer) = ctx.viewer() {
            sessions::close(ctx.db(), viewer).await?;
        }
        ctx.append_http_header(
            "set-cookie",
            sessions::clear_cookie(ctx.config().secure_cookies()),
        );
        Ok(true)
    }
}
