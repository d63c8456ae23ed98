use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use paraphe_shared::{Email, NewPassword};
use uuid::Uuid;

use super::recovery::{self, PasswordLink};
use super::sessions::{Device, SessionInfo};
use super::{sessions, AccountsError, User};
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

impl Me {
    /// For a session opened in this request (the viewer is not in the context yet).
    pub(crate) fn new(user: User, current_cabinet_id: Option<CabinetId>) -> Self {
        Me {
            user,
            current_cabinet_id,
        }
    }
}

/// Opens a session for `user_id` (however they proved who they are) and sets its cookie on
/// this response; the returned viewer is the new session's.
pub(crate) async fn start_session(
    ctx: &Context<'_>,
    user_id: crate::ids::UserId,
) -> ApiResult<sessions::Viewer> {
    let config = ctx.config();
    let token = sessions::open(ctx.db(), user_id, config.session_hours, &ctx.meta()).await?;
    ctx.append_http_header(
        "set-cookie",
        sessions::set_cookie(&token, config.session_hours, config.secure_cookies()),
    );
    sessions::lookup(ctx.db(), &token)
        .await?
        .ok_or_else(ApiError::unauthenticated)
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
    /// Runs the platform: creates and closes cabinets, credits them, grants operators.
    async fn is_platform_admin(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(super::is_platform_admin(ctx.db(), self.0.id).await?)
    }
}

/// Why a password link was sent.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "PasswordLinkPurpose",
    remote = "crate::accounts::recovery::LinkPurpose"
)]
pub enum PasswordLinkPurposeGql {
    /// An account created for its holder, who chooses a first password.
    Setup,
    /// A forgotten password.
    Reset,
}

/// A live link to choose a password, as its page shows it.
pub struct PasswordLinkGql(PasswordLink);

#[Object(name = "PasswordLink")]
impl PasswordLinkGql {
    async fn purpose(&self) -> PasswordLinkPurposeGql {
        self.0.purpose.into()
    }
    /// The account's email (the login the new password goes with).
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

/// One of my open sessions (a browser where I am logged in).
#[derive(SimpleObject)]
#[graphql(name = "Session")]
pub struct SessionGql {
    id: ID,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
    /// The browser, as people call it ("Chrome 156"), when the User-Agent tells.
    browser: Option<String>,
    /// The operating system ("Android 14", "Windows 10"), when the User-Agent tells.
    system: Option<String>,
    /// The session this list was asked from.
    current: bool,
}

impl From<SessionInfo> for SessionGql {
    fn from(session: SessionInfo) -> Self {
        let device = session.user_agent.as_deref().map(Device::of);
        SessionGql {
            id: ID(session.id.to_string()),
            created_at: session.created_at,
            expires_at: session.expires_at,
            ip: session.ip,
            browser: device.as_ref().and_then(|d| d.browser.clone()),
            system: device.and_then(|d| d.system),
            user_agent: session.user_agent,
            current: session.current,
        }
    }
}

fn new_password(raw: &str) -> ApiResult<NewPassword> {
    NewPassword::parse(raw).map_err(|e| AccountsError::from(e).into())
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

    /// What a password link (set-up or reset) is for; `LINK_INVALID`, `LINK_USED` or
    /// `LINK_EXPIRED` when it no longer works. No session needed.
    async fn password_link(&self, ctx: &Context<'_>, token: String) -> ApiResult<PasswordLinkGql> {
        Ok(PasswordLinkGql(recovery::inspect(ctx.db(), &token).await?))
    }

    /// My open sessions, newest first.
    async fn my_sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<SessionGql>> {
        let sessions = sessions::list(ctx.db(), ctx.viewer()?).await?;
        Ok(sessions.into_iter().map(Into::into).collect())
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
        let viewer = start_session(ctx, user.id).await?;
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

    /// "Forgot my password": emails a reset link (30 minutes, single use) when the email
    /// has an account. Answers `true` either way, so that nobody learns who has one.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> ApiResult<bool> {
        let email = Email::parse(&email).map_err(AccountsError::from)?;
        recovery::request_reset(ctx.db(), &email, &ctx.config().public_url, &ctx.meta()).await?;
        ctx.wake_outbox();
        Ok(true)
    }

    /// Sets the password a set-up or reset link allows (12 to 128 characters), once; every
    /// session of the account is closed, and the person then logs in with it.
    async fn choose_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        password: String,
    ) -> ApiResult<bool> {
        let password = new_password(&password)?;
        recovery::choose_password(ctx.db(), &token, password, &ctx.meta()).await?;
        Ok(true)
    }

    /// Changes my password; `INVALID_CREDENTIALS` when `currentPassword` is wrong (throttled
    /// like a login). My other sessions are closed; this one stays.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        let password = self::new_password(&new_password)?;
        recovery::change_password(
            ctx.db(),
            viewer.user_id,
            &viewer.token_hash,
            current_password,
            password,
            &ctx.meta(),
        )
        .await?;
        Ok(true)
    }

    /// Closes every session of mine but this one; returns how many were closed.
    async fn sign_out_other_sessions(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        let closed = sessions::close_others(ctx.db(), ctx.viewer()?, &ctx.meta()).await?;
        Ok(i32::try_from(closed).unwrap_or(i32::MAX))
    }

    /// Closes one of my sessions; `NOT_FOUND` when I have none by this id.
    async fn close_session(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        let session_id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found())?;
        if sessions::close_by_id(ctx.db(), ctx.viewer()?, session_id, &ctx.meta()).await? {
            Ok(true)
        } else {
            Err(ApiError::not_found())
        }
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
