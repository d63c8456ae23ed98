//! The page an invitation's link opens (`/invitation/:token`), in the public bundle: who
//! invites whom into which cabinet, then the one way to accept that fits — join with the
//! account already logged in, log in first (the login page comes back here), or create
//! the account on the spot when the invited email has none — by a password, or through the
//! instance's single sign-on, which comes back here logged in.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use paraphe_shared::{ErrorCode, NewPassword, PersonName, Role};

use crate::api::{
    self, accept_invitation, accept_invitation_with_new_account, invitation_link, AcceptInvitation,
    AcceptInvitationWithNewAccount, ApiError, InvitationLink, Logout, Me,
};
use crate::components::{ErrorBanner, Loading, SsoButton};
use crate::enums;
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::language::LanguageSwitch;
use crate::text;

/// Whether the error means "this invitation no longer works" rather than a failure.
fn dead_invitation(error: &ApiError) -> bool {
    matches!(
        error.code,
        ErrorCode::LinkInvalid
            | ErrorCode::LinkExpired
            | ErrorCode::LinkUsed
            | ErrorCode::CabinetClosed
    )
}

#[derive(Debug, Clone, PartialEq)]
struct Opened {
    invitation: invitation_link::InvitationLinkInvitation,
    /// The email of the account logged in on this browser, if any.
    logged_in_as: Option<String>,
}

async fn open(token: String) -> Result<Opened, ApiError> {
    let invitation = api::run::<InvitationLink>(invitation_link::Variables { token })
        .await?
        .invitation;
    let logged_in_as = match api::run::<Me>(crate::api::me::Variables).await {
        Ok(data) => Some(data.me.user.email),
        Err(error) if error.is_unauthenticated() => None,
        Err(error) => return Err(error),
    };
    Ok(Opened {
        invitation,
        logged_in_as,
    })
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let opened = use_query(move || open(token()));
    let actions = use_actions(move || opened.reload());

    let join = move |_| {
        let token = token();
        actions.run(async move {
            api::run::<AcceptInvitation>(accept_invitation::Variables { token }).await?;
            // The back office is the other bundle: a full load opens it on the new cabinet.
            crate::load_page("/");
            std::future::pending().await
        });
    };
    let switch_account = move |_| {
        actions.run(async move {
            api::run::<Logout>(crate::api::logout::Variables).await?;
            Ok(())
        });
    };

    view! {
        <main class="login">
            <div class="login-top"><LanguageSwitch /></div>
            <div class="card login-card">
                <h1 class="brand">{t!(i18n, common.app_name)}</h1>
                {move || match (opened.data.get(), opened.error.get()) {
                    (_, Some(error)) if dead_invitation(&error) => view! {
                        <p class="error" role="alert" data-testid="dead-invitation" data-code=error.code.as_str()>
                            {
                                let error = error.clone();
                                move || text::error(i18n.get_locale(), &error)
                            }
                        </p>
                        <p class="muted">{t!(i18n, public.invitation.ask_again)}</p>
                    }.into_any(),
                    (_, Some(error)) => view! { <ErrorBanner error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                    (None, None) => view! { <Loading /> }.into_any(),
                    (Some(Opened { invitation, logged_in_as }), None) => {
                        let role: Role = invitation.role.into();
                        let delegations = enums::delegations(&invitation.delegations);
                        let (inviter, cabinet) = (invitation.invited_by_name.clone(), invitation.cabinet_name.clone());
                        let invited = invitation.email.clone();
                        let headline = {
                            let (inviter, cabinet) = (inviter.clone(), cabinet.clone());
                            move || td_string!(i18n.get_locale(), public.invitation.title, inviter = inviter.clone(), cabinet = cabinet.clone()).to_string()
                        };
                        let as_what = move || match role {
                            Role::Accountant => t_string!(i18n, public.invitation.as_accountant).to_string(),
                            Role::Collaborator if delegations.is_empty() => t_string!(i18n, public.invitation.as_collaborator_without).to_string(),
                            Role::Collaborator => {
                                let locale = i18n.get_locale();
                                let list = delegations.iter().map(|d| text::delegation(locale, *d)).collect::<Vec<_>>().join(", ");
                                td_string!(locale, public.invitation.as_collaborator, delegations = list).to_string()
                            }
                        };
                        let next = match logged_in_as {
                            Some(email) if email == invited => view! {
                                <p class="muted">{move || td_string!(i18n.get_locale(), public.invitation.logged_in, email = email.clone()).to_string()}</p>
                                <ErrorBanner error=move || actions.error() testid="invitation-error" />
                                <button id="invitation-join" class="primary" on:click=join disabled=move || actions.pending()>
                                    {t!(i18n, public.invitation.join)}
                                </button>
                            }.into_any(),
                            Some(email) => {
                                let invited = invited.clone();
                                view! {
                                    <p class="error" role="alert" data-testid="invitation-other-account">{move || td_string!(i18n.get_locale(), public.invitation.other_account, email = email.clone(), invited = invited.clone()).to_string()}</p>
                                    <ErrorBanner error=move || actions.error() testid="invitation-error" />
                                    <button id="invitation-switch" class="primary" on:click=switch_account disabled=move || actions.pending()>
                                        {t!(i18n, public.invitation.switch_account)}
                                    </button>
                                }.into_any()
                            }
                            None if invitation.account_exists => {
                                let back = format!("/connexion?suite=/invitation/{}", token());
                                let email = invited.clone();
                                view! {
                                    <p class="muted">{move || td_string!(i18n.get_locale(), public.invitation.log_in_first, email = email.clone()).to_string()}</p>
                                    <a id="invitation-login" class="button primary" href=back>{t!(i18n, public.invitation.log_in)}</a>
                                }.into_any()
                            }
                            None => view! { <NewAccountForm token=token() email=invited.clone() /> }.into_any(),
                        };
                        view! {
                            <h2 data-testid="invitation-title">{headline}</h2>
                            <p data-testid="invitation-role">{as_what}</p>
                            {next}
                        }.into_any()
                    }
                }}
            </div>
        </main>
    }
}

/// The invited email has no account: names and a password make one, and it joins.
#[component]
fn NewAccountForm(token: String, email: String) -> impl IntoView {
    let i18n = use_i18n();
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let mismatch = RwSignal::new(false);
    let actions = use_actions(|| {});
    // Single sign-on comes back here logged in, where "Rejoindre le cabinet" is offered.
    let here = format!("/invitation/{token}");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (typed, confirmed) = (password.get_untracked(), confirmation.get_untracked());
        mismatch.set(typed != confirmed);
        if typed != confirmed {
            return;
        }
        let variables = accept_invitation_with_new_account::Variables {
            token: token.clone(),
            first_name: first_name.get_untracked(),
            last_name: last_name.get_untracked(),
            password: typed,
        };
        actions.run(async move {
            api::run::<AcceptInvitationWithNewAccount>(variables).await?;
            crate::load_page("/");
            std::future::pending().await
        });
    };
    let rule_broken = move || {
        let typed = password.get();
        !typed.is_empty() && NewPassword::parse(&typed).is_err()
    };
    let names_invalid = move || {
        let (first, last) = (first_name.get(), last_name.get());
        (!first.is_empty() && PersonName::parse(&first).is_err())
            || (!last.is_empty() && PersonName::parse(&last).is_err())
    };
    view! {
        <form on:submit=submit data-testid="invitation-new-account">
            <p class="muted">{move || td_string!(i18n.get_locale(), public.invitation.create_account, email = email.clone()).to_string()}</p>
            <label for="invitee-first-name">{t!(i18n, public.invitation.first_name)}</label>
            <input id="invitee-first-name" autocomplete="given-name" required
                prop:value=first_name on:input=move |ev| first_name.set(event_target_value(&ev)) />
            <label for="invitee-last-name">{t!(i18n, public.invitation.last_name)}</label>
            <input id="invitee-last-name" autocomplete="family-name" required
                prop:value=last_name on:input=move |ev| last_name.set(event_target_value(&ev)) />
            <Show when=names_invalid>
                <p class="error" role="alert">{t!(i18n, public.invitation.name_rule)}</p>
            </Show>
            <label for="invitee-password">{t!(i18n, public.choose.new_password)}</label>
            <input id="invitee-password" type="password" autocomplete="new-password" required minlength="12" maxlength="128"
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
            <label for="invitee-confirm">{t!(i18n, public.choose.confirm_password)}</label>
            <input id="invitee-confirm" type="password" autocomplete="new-password" required
                prop:value=confirmation on:input=move |ev| confirmation.set(event_target_value(&ev)) />
            <p class="muted" role=move || rule_broken().then_some("status")>{t!(i18n, public.choose.rule)}</p>
            <Show when=move || mismatch.get()>
                <p class="error" role="alert" data-testid="password-mismatch">{t!(i18n, public.choose.mismatch)}</p>
            </Show>
            <ErrorBanner error=move || actions.error() testid="invitation-error" />
            <button id="invitation-create" class="primary" type="submit" disabled=move || actions.pending()>
                {t!(i18n, public.invitation.create_and_join)}
            </button>
            <SsoButton next=Signal::derive(move || Some(here.clone())) />
        </form>
    }
}
