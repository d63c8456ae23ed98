use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::api::{self, login, ApiError, Login};
use crate::i18n::*;
use crate::language::LanguageSwitch;
use crate::widgets::error_view;

/// Where to go once logged in: the `suite` the back office sent us from, if it is a path
/// of this site (never another origin), else the dashboard.
fn destination(next: Option<String>) -> String {
    next.filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .unwrap_or_else(|| "/".to_owned())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            let variables = login::Variables {
                email: email.get_untracked(),
                password: password.get_untracked(),
            };
            match api::run::<Login>(variables).await {
                // The back office is the other bundle: a full load opens it.
                Ok(_) => crate::load_page(&destination(query.with_untracked(|q| q.get("suite")))),
                Err(e) => {
                    error.set(Some(e));
                    pending.set(false);
                }
            }
        });
    };

    view! {
        <main class="login">
            <div class="login-top"><LanguageSwitch /></div>
            <form class="card login-card" on:submit=submit>
                <h1 class="brand">{t!(i18n, common.app_name)}</h1>
                <p class="muted">{t!(i18n, common.tagline)}</p>
                <h2>{t!(i18n, public.login.title)}</h2>
                <label for="email">{t!(i18n, common.email)}</label>
                <input id="email" type="email" autocomplete="username" required
                    prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                <label for="password">{t!(i18n, common.password)}</label>
                <input id="password" type="password" autocomplete="current-password" required
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                {error_view(error, "login-error")}
                <button id="login-submit" class="primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { t_string!(i18n, public.login.pending) } else { t_string!(i18n, public.login.submit) }}
                </button>
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
