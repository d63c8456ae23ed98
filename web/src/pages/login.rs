use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use paraphe_shared::sso::is_local_path;
use paraphe_shared::SsoFailure;

use crate::api::{self, login, Login};
use crate::components::{ErrorBanner, SsoButton};
use crate::hooks::use_actions;
use crate::i18n::*;
use crate::language::LanguageSwitch;

/// Where to go once logged in: the `suite` the back office sent us from, if it is a path
/// of this site (never another origin), else the dashboard.
fn destination(next: Option<String>) -> String {
    next.filter(|path| is_local_path(path))
        .unwrap_or_else(|| "/".to_owned())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let actions = use_actions(|| {});
    // Back from choosing a password (`/mot-de-passe/…`).
    let password_saved = move || query.with(|q| q.get("mot-de-passe").as_deref() == Some("ok"));
    // Back from single sign-on with `?sso=CODE` when it failed.
    let sso_failure = move || {
        query
            .with(|q| q.get("sso"))
            .map(|code| code.parse::<SsoFailure>().unwrap_or(SsoFailure::Internal))
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let variables = login::Variables {
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        actions.run(async move {
            api::run::<Login>(variables).await?;
            // The back office is the other bundle: a full load opens it, and the button
            // stays pending until this page is gone.
            crate::load_page(&destination(query.with_untracked(|q| q.get("suite"))));
            std::future::pending().await
        });
    };

    view! {
        <main class="login">
            <div class="login-top"><LanguageSwitch /></div>
            <form class="card login-card" on:submit=submit>
                <h1 class="brand">{t!(i18n, common.app_name)}</h1>
                <p class="muted">{t!(i18n, common.tagline)}</p>
                <h2>{t!(i18n, public.login.title)}</h2>
                <Show when=password_saved>
                    <p class="success" role="status" data-testid="password-saved">{t!(i18n, public.password_reset_done)}</p>
                </Show>
                <label for="email">{t!(i18n, common.email)}</label>
                <input id="email" type="email" autocomplete="username" required
                    prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                <label for="password">{t!(i18n, common.password)}</label>
                <input id="password" type="password" autocomplete="current-password" required
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                <ErrorBanner error=move || actions.error() testid="login-error" />
                <button id="login-submit" class="primary" type="submit" disabled=move || actions.pending()>
                    {move || if actions.pending() { t_string!(i18n, public.login.pending) } else { t_string!(i18n, public.login.submit) }}
                </button>
                <p><a href="/mot-de-passe-oublie" id="forgot-password">{t!(i18n, public.forgot_link)}</a></p>
                {move || sso_failure().map(|failure| view! {
                    <p class="error" role="alert" data-testid="sso-error" data-code=failure.as_str()>
                        {crate::text::sso_failure(i18n.get_locale(), failure)}
                    </p>
                })}
                <SsoButton next=Signal::derive(move || query.with(|q| q.get("suite"))) />
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::destination;

    #[test]
    fn login_leads_back_only_to_this_site() {
        assert_eq!(
            destination(Some("/collections/42".into())),
            "/collections/42"
        );
        assert_eq!(destination(None), "/");
        assert_eq!(destination(Some("https://evil.example/".into())), "/");
        assert_eq!(destination(Some("//evil.example/".into())), "/");
        assert_eq!(destination(Some("/\\evil.example/".into())), "/");
    }
}
