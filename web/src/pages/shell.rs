//! The frame around every page once logged in: brand, cabinet switcher, navigation,
//! live indicator, logout. Loads the session and starts the live channel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, A};
use paraphe_shared::{Language, Role};

use crate::api::{
    self, set_my_language, sign_out, switch_cabinet, ApiError, SetMyLanguage, SignOut,
    SwitchCabinet,
};
use crate::components::{ErrorNotice, Loading};
use crate::i18n::*;
use crate::language::{self, LanguageSwitch};
use crate::live;
use crate::session::Session;

/// The login page is in the public bundle: a full load, which comes back here after.
fn go_to_login() {
    let here = web_sys::window().and_then(|w| {
        Some(format!(
            "{}{}",
            w.location().pathname().ok()?,
            w.location().search().ok()?
        ))
    });
    match here.filter(|path| path != "/") {
        Some(path) => crate::load_page(&format!(
            "/connexion?suite={}",
            js_sys::encode_uri_component(&path)
        )),
        None => crate::load_page("/connexion"),
    }
}

#[component]
pub fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let error = RwSignal::new(None::<ApiError>);

    spawn_local(async move {
        match session.load().await {
            Ok(()) => {
                // The language this person chose, wherever they chose it.
                if let Some(language) = session
                    .person
                    .with_untracked(|p| p.as_ref().and_then(|p| p.language))
                {
                    language::apply(i18n, language::to_locale(language));
                }
                live::start(session, go_to_login)
            }
            Err(e) if e.is_unauthenticated() => go_to_login(),
            Err(e) => error.set(Some(e)),
        }
    });

    let switch = move |ev: leptos::ev::Event| {
        let cabinet_id = event_target_value(&ev);
        spawn_local(async move {
            match api::run::<SwitchCabinet>(switch_cabinet::Variables { cabinet_id }).await {
                Ok(_) => {
                    let _ = session.load().await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // A session opened by single sign-on logs out of the provider too: its page, which
    // sends the browser back to the login page.
    let log_out = move |_| {
        spawn_local(async move {
            let destination = api::run::<SignOut>(sign_out::Variables)
                .await
                .ok()
                .and_then(|out| out.sign_out.provider_logout_url)
                .unwrap_or_else(|| "/connexion".to_owned());
            crate::load_page(&destination);
        });
    };
    // Kept with the account: the next device and the emails follow it.
    let on_language = Callback::new(move |language: Language| {
        spawn_local(async move {
            let _ = api::run::<SetMyLanguage>(set_my_language::Variables {
                language: language.into(),
            })
            .await;
        });
    });
    let is_accountant = move || {
        session
            .cabinet
            .with(|c| c.as_ref().is_some_and(|c| c.role == Role::Accountant))
    };
    let has_cabinet = move || !session.memberships.with(Vec::is_empty);
    let is_operator = move || {
        session
            .person
            .with(|p| p.as_ref().is_some_and(|p| p.is_operator))
    };
    let is_platform_admin = move || {
        session
            .person
            .with(|p| p.as_ref().is_some_and(|p| p.is_platform_admin))
    };
    let current_id = move || {
        session
            .cabinet
            .with(|c| c.as_ref().map(|c| c.id.clone()).unwrap_or_default())
    };
    let live_label = move || {
        if session.live.get() {
            t_string!(i18n, common.live_connected)
        } else {
            t_string!(i18n, common.live_connecting)
        }
    };

    view! {
        <header class="topbar">
            <a class="brand" href="/">{t!(i18n, common.app_name)}</a>
            <Show when=has_cabinet>
                <label class="switcher">
                    <span class="visually-hidden">{t!(i18n, common.cabinet_switcher)}</span>
                    <select id="cabinet-switcher" on:change=switch prop:value=current_id>
                        {move || session.memberships.get().into_iter().map(|m| {
                            let selected = m.cabinet_id == current_id();
                            view! { <option value=m.cabinet_id.clone() selected=selected>{m.cabinet_name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            <span class="live" data-testid="live-status" role="status"
                data-state=move || if session.live.get() { "connected" } else { "connecting" }
                title=live_label>
                <span class="dot" aria-hidden="true"></span>
                <span class="live-label">{live_label}</span>
            </span>
            <span class="who">{move || session.person.get().map(|p| format!("{} {}", p.first_name, p.last_name))}</span>
            <LanguageSwitch on_change=on_language />
            <button id="logout" class="ghost" on:click=log_out>{t!(i18n, common.logout)}</button>
        </header>
        <nav class="tabs" aria-label=move || t_string!(i18n, common.main_navigation)>
            <Show when=has_cabinet>
                <A href="/" attr:id="nav-dashboard">{t!(i18n, common.nav.dashboard)}</A>
                <A href="/collections" attr:id="nav-collections">{t!(i18n, common.nav.collections)}</A>
                <A href="/contacts" attr:id="nav-contacts">{t!(i18n, common.nav.contacts)}</A>
                <A href="/cabinet/membres" attr:id="nav-members">{t!(i18n, common.nav.members)}</A>
            </Show>
            <Show when=is_accountant>
                <A href="/cabinet/conditions" attr:id="nav-terms">{t!(i18n, common.nav.terms)}</A>
            </Show>
            <A href="/ma-signature" attr:id="nav-my-signature">{t!(i18n, common.nav.my_signature)}</A>
            <Show when=is_operator>
                <A href="/operateur" attr:id="nav-operator">{t!(i18n, common.nav.operator)}</A>
            </Show>
            <Show when=is_platform_admin>
                <A href="/plateforme" attr:id="nav-platform">{t!(i18n, common.nav.platform)}</A>
            </Show>
            <A href="/mon-compte" attr:id="nav-account">{t!(i18n, common.nav.account)}</A>
        </nav>
        {move || error.get().map(|e| view! { <div class="banner"><ErrorNotice error=e /></div> })}
        <main class="page">
            {move || match (session.loaded.get(), session.cabinet.get()) {
                (false, _) => view! { <Loading /> }.into_any(),
                // Operators and platform administrators may belong to no cabinet: their
                // pages say what they do.
                (true, None) if is_operator() || is_platform_admin() => ().into_any(),
                (true, None) => view! { <p class="card">{t!(i18n, common.no_cabinet)}</p> }.into_any(),
                (true, Some(cabinet)) => view! {
                    <h1 data-testid="cabinet-name">{cabinet.name}</h1>
                }.into_any(),
            }}
            <Outlet />
        </main>
    }
}
