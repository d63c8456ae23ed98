//! Passwords without a session: "forgot my password" (asks for a reset link by email) and
//! the page a set-up or reset link opens, where the new password is chosen.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use paraphe_shared::{ErrorCode, NewPassword};

use crate::api::{
    self, choose_password, password_link, request_password_reset, ApiError, ChoosePassword,
    PasswordLink, RequestPasswordReset,
};
use crate::components::{ErrorBanner, Loading};
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::language::LanguageSwitch;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let actions = use_actions(|| {});
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let email = email.get_untracked();
        actions.run(async move {
            api::run::<RequestPasswordReset>(request_password_reset::Variables { email }).await?;
            sent.set(true);
            Ok(())
        });
    };
    view! {
        <main class="login">
            <div class="login-top"><LanguageSwitch /></div>
            <form class="card login-card" on:submit=submit>
                <h1 class="brand">{t!(i18n, common.app_name)}</h1>
                <h2>{t!(i18n, public.forgot.title)}</h2>
                <Show when=move || !sent.get() fallback=move || view! {
                    <p class="success" role="status" data-testid="reset-sent">{t!(i18n, public.forgot.sent)}</p>
                }>
                    <p class="muted">{t!(i18n, public.forgot.help)}</p>
                    <label for="email">{t!(i18n, common.email)}</label>
                    <input id="email" type="email" autocomplete="username" required
                        prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                    <ErrorBanner error=move || actions.error() testid="reset-error" />
                    <button id="reset-submit" class="primary" type="submit" disabled=move || actions.pending()>
                        {t!(i18n, public.forgot.submit)}
                    </button>
                </Show>
                <p><a href="/connexion">{t!(i18n, public.forgot.back)}</a></p>
            </form>
        </main>
    }
}

/// Whether a link error means "this link is dead" (ask for another) rather than a failure.
fn dead_link(error: &ApiError) -> bool {
    matches!(
        error.code,
        ErrorCode::LinkInvalid | ErrorCode::LinkExpired | ErrorCode::LinkUsed
    )
}

#[component]
pub fn ChoosePasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let link = use_query(move || {
        let token = token();
        async move {
            api::run::<PasswordLink>(password_link::Variables { token })
                .await
                .map(|data| data.password_link)
        }
    });
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let mismatch = RwSignal::new(false);
    let actions = use_actions(|| {});
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (password, confirmation) = (password.get_untracked(), confirmation.get_untracked());
        mismatch.set(password != confirmation);
        if password != confirmation {
            return;
        }
        let token = token();
        actions.run(async move {
            api::run::<ChoosePassword>(choose_password::Variables { token, password }).await?;
            // Every session was closed: the login page says the password is saved.
            crate::load_page("/connexion?mot-de-passe=ok");
            std::future::pending().await
        });
    };
    let too_short = move || {
        let typed = password.get();
        !typed.is_empty() && NewPassword::parse(&typed).is_err()
    };

    view! {
        <main class="login">
            <div class="login-top"><LanguageSwitch /></div>
            <div class="card login-card">
                <h1 class="brand">{t!(i18n, common.app_name)}</h1>
                {move || match (link.data.get(), link.error.get()) {
                    (_, Some(error)) if dead_link(&error) => view! {
                        <p class="error" role="alert" data-testid="dead-link" data-code=error.code.as_str()>{t!(i18n, public.choose.dead_link)}</p>
                        <p><a class="button primary" href="/mot-de-passe-oublie">{t!(i18n, public.choose.ask_again)}</a></p>
                    }.into_any(),
                    (_, Some(error)) => view! { <ErrorBanner error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                    (None, None) => view! { <Loading /> }.into_any(),
                    (Some(found), None) => {
                        let setup = found.purpose == password_link::PasswordLinkPurpose::SETUP;
                        let (first_name, email) = (found.first_name.clone(), found.email.clone());
                        view! {
                            <form on:submit=submit>
                                <h2 data-testid="choose-title">{move || if setup {
                                    td_string!(i18n.get_locale(), public.choose.setup_title, name = first_name.clone()).to_string()
                                } else {
                                    t_string!(i18n, public.choose.reset_title).to_string()
                                }}</h2>
                                <p class="muted">{move || td_string!(i18n.get_locale(), public.choose.account, email = email.clone()).to_string()}</p>
                                <p class="muted">{t!(i18n, public.choose.rule)}</p>
                                <label for="new-password">{t!(i18n, public.choose.new_password)}</label>
                                <input id="new-password" type="password" autocomplete="new-password" required minlength="12" maxlength="128"
                                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                                <label for="confirm-password">{t!(i18n, public.choose.confirm_password)}</label>
                                <input id="confirm-password" type="password" autocomplete="new-password" required
                                    prop:value=confirmation on:input=move |ev| confirmation.set(event_target_value(&ev)) />
                                <Show when=too_short>
                                    <p class="muted" role="status">{t!(i18n, public.choose.rule)}</p>
                                </Show>
                                <Show when=move || mismatch.get()>
                                    <p class="error" role="alert" data-testid="password-mismatch">{t!(i18n, public.choose.mismatch)}</p>
                                </Show>
                                <p class="muted">{t!(i18n, public.choose.sessions_note)}</p>
                                <ErrorBanner error=move || actions.error() testid="choose-error" />
                                <button id="choose-submit" class="primary" type="submit" disabled=move || actions.pending()>
                                    {t!(i18n, public.choose.submit)}
                                </button>
                            </form>
                        }.into_any()
                    }
                }}
            </div>
        </main>
    }
}
