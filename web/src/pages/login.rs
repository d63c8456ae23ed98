use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::{self, login, Login};
use crate::i18n;
use crate::session::Session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let variables = login::Variables { email: email.get_untracked(), password: password.get_untracked() };
            match api::run::<Login>(variables).await {
                Ok(_) => match session.load().await {
                    Ok(()) => navigate("/", Default::default()),
                    Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
                },
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
            pending.set(false);
        });
    };

    view! {
        <main class="login">
            <form class="card login-card" on:submit=submit>
                <h1 class="brand">{i18n::APP_NAME}</h1>
                <p class="muted">{i18n::LOGIN_SUBTITLE}</p>
                <h2>{i18n::LOGIN_TITLE}</h2>
                <label for="email">{i18n::EMAIL}</label>
                <input id="email" type="email" autocomplete="username" required
                    prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                <label for="password">{i18n::PASSWORD}</label>
                <input id="password" type="password" autocomplete="current-password" required
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                {move || error.get().map(|message| view! { <p class="error" data-testid="login-error" role="alert">{message}</p> })}
                <button id="login-submit" class="primary" type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { i18n::LOGGING_IN } else { i18n::LOGIN_SUBMIT }}
                </button>
            </form>
        </main>
    }
}
