//! The frame around every page once logged in: brand, cabinet switcher, navigation,
//! live indicator, logout. Loads the session and starts the live channel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_navigate;
use paraphe_shared::Role;

use crate::api::{self, logout, switch_cabinet, Logout, SwitchCabinet};
use crate::i18n;
use crate::live;
use crate::session::Session;

fn go_to_login() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href("/connexion");
    }
}

#[component]
pub fn Shell() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);

    spawn_local(async move {
        match session.load().await {
            Ok(()) => live::start(session, go_to_login),
            Err(e) if e.is_unauthenticated() => navigate("/connexion", Default::default()),
            Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
        }
    });

    let switch = move |ev: leptos::ev::Event| {
        let cabinet_id = event_target_value(&ev);
        spawn_local(async move {
            match api::run::<SwitchCabinet>(switch_cabinet::Variables { cabinet_id }).await {
                Ok(_) => {
                    let _ = session.load().await;
                }
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };
    let log_out = move |_| {
        spawn_local(async move {
            let _ = api::run::<Logout>(logout::Variables).await;
            go_to_login();
        });
    };
    let is_accountant = move || session.cabinet.with(|c| c.as_ref().is_some_and(|c| c.role == Role::Accountant));
    let has_cabinet = move || !session.memberships.with(Vec::is_empty);
    let is_operator = move || session.person.with(|p| p.as_ref().is_some_and(|p| p.is_operator));
    let current_id = move || session.cabinet.with(|c| c.as_ref().map(|c| c.id.clone()).unwrap_or_default());

    view! {
        <header class="topbar">
            <a class="brand" href="/">{i18n::APP_NAME}</a>
            <label class="switcher">
                <span class="visually-hidden">{i18n::CABINET_SWITCHER}</span>
                <select id="cabinet-switcher" on:change=switch prop:value=current_id>
                    {move || session.memberships.get().into_iter().map(|m| {
                        let selected = m.cabinet_id == current_id();
                        view! { <option value=m.cabinet_id.clone() selected=selected>{m.cabinet_name.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <span class="live" data-testid="live-status"
                data-state=move || if session.live.get() { "connected" } else { "connecting" }
                title=move || if session.live.get() { i18n::LIVE_CONNECTED } else { i18n::LIVE_CONNECTING }>
                <span class="dot"></span>
                <span class="live-label">{move || if session.live.get() { i18n::LIVE_CONNECTED } else { i18n::LIVE_CONNECTING }}</span>
            </span>
            <span class="who">{move || session.person.get().map(|p| format!("{} {}", p.first_name, p.last_name))}</span>
            <button id="logout" class="ghost" on:click=log_out>{i18n::LOGOUT}</button>
        </header>
        <nav class="tabs">
            <Show when=has_cabinet>
                <A href="/" attr:id="nav-dashboard">{i18n::NAV_DASHBOARD}</A>
                <A href="/collections" attr:id="nav-collections">{i18n::NAV_COLLECTIONS}</A>
                <A href="/cabinet/membres" attr:id="nav-members">{i18n::NAV_MEMBERS}</A>
            </Show>
            <Show when=is_accountant>
                <A href="/cabinet/conditions" attr:id="nav-terms">{i18n::NAV_TERMS}</A>
            </Show>
            <A href="/ma-signature" attr:id="nav-my-signature">{i18n::NAV_MY_SIGNATURE}</A>
            <Show when=is_operator>
                <A href="/operateur" attr:id="nav-operator">{i18n::NAV_OPERATOR}</A>
            </Show>
        </nav>
        {move || error.get().map(|message| view! { <p class="error banner" role="alert">{message}</p> })}
        <main class="page">
            {move || match (session.loaded.get(), session.cabinet.get()) {
                (false, _) => view! { <p class="muted">{i18n::LOADING}</p> }.into_any(),
                // Operators belong to no cabinet: their page says what they do.
                (true, None) if is_operator() => ().into_any(),
                (true, None) => view! { <p class="card">{i18n::NO_CABINET}</p> }.into_any(),
                (true, Some(cabinet)) => view! {
                    <h1 data-testid="cabinet-name">{cabinet.name}</h1>
                }.into_any(),
            }}
            <Outlet />
        </main>
    }
}
