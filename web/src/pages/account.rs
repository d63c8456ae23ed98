//! My account: who I am, changing my password, my open sessions ("sign out the others").

use leptos::prelude::*;

use crate::api::{
    self, change_password, close_session, my_sessions, sign_out_other_sessions, ChangePassword,
    CloseSession, MySessions, SignOutOtherSessions,
};
use crate::components::{ErrorBanner, Loading};
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::session::Session;
use crate::text;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    view! {
        <section class="card">
            <h2>{t!(i18n, account.title)}</h2>
            <p data-testid="account-name">{move || session.person.get().map(|p| format!("{} {}", p.first_name, p.last_name))}</p>
        </section>
        <PasswordChange />
        <Sessions />
    }
}

#[component]
fn PasswordChange() -> impl IntoView {
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let changed = RwSignal::new(false);
    let actions = use_actions(|| {});
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        changed.set(false);
        let variables = change_password::Variables {
            current_password: current.get_untracked(),
            new_password: new_password.get_untracked(),
        };
        actions.run(async move {
            api::run::<ChangePassword>(variables).await?;
            current.set(String::new());
            new_password.set(String::new());
            changed.set(true);
            Ok(())
        });
    };
    view! {
        <form class="card" on:submit=submit>
            <h2>{t!(i18n, account.password_title)}</h2>
            <label for="current-password">{t!(i18n, account.current_password)}</label>
            <input id="current-password" type="password" autocomplete="current-password" required
                prop:value=current on:input=move |ev| current.set(event_target_value(&ev)) />
            <label for="new-password">{t!(i18n, account.new_password)}</label>
            <input id="new-password" type="password" autocomplete="new-password" required minlength="12" maxlength="128"
                prop:value=new_password on:input=move |ev| new_password.set(event_target_value(&ev)) />
            <ErrorBanner error=move || actions.error() testid="password-error" />
            <Show when=move || changed.get()>
                <p class="success" role="status" data-testid="password-changed">{t!(i18n, account.changed)}</p>
            </Show>
            <button id="change-password" class="primary" type="submit" disabled=move || actions.pending()>
                {t!(i18n, account.change)}
            </button>
        </form>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let i18n = use_i18n();
    let sessions = use_query(|| async {
        api::run::<MySessions>(my_sessions::Variables)
            .await
            .map(|data| data.my_sessions)
    });
    let closed = RwSignal::new(None::<i64>);
    let actions = use_actions(move || sessions.reload());
    let sign_out_others = move |_| {
        actions.run(async move {
            let data = api::run::<SignOutOtherSessions>(sign_out_other_sessions::Variables).await?;
            closed.set(Some(data.sign_out_other_sessions));
            Ok(())
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, account.sessions_title)}</h2>
            <p class="muted">{t!(i18n, account.sessions_help)}</p>
            <ErrorBanner error=move || actions.error().or_else(|| sessions.error.get()) testid="sessions-error" />
            {move || match sessions.data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) => view! {
                    <ul class="rows" data-testid="sessions">
                        {list.into_iter().map(|s| {
                            let id = s.id.clone();
                            let close = move |_| {
                                let id = id.clone();
                                actions.run(async move {
                                    api::run::<CloseSession>(close_session::Variables { id }).await.map(|_| ())
                                });
                            };
                            let (browser, system) = (s.browser.clone(), s.system.clone());
                            let (created_at, ip) = (s.created_at.clone(), s.ip.clone());
                            let line = move || {
                                let locale = i18n.get_locale();
                                let mut line = td_string!(locale, account.opened, date = text::date_time(locale, &created_at)).to_string();
                                if let Some(ip) = &ip {
                                    line.push_str(" · ");
                                    line.push_str(&td_string!(locale, account.from, ip = ip.clone()).to_string());
                                }
                                line
                            };
                            view! {
                                <li data-testid="session" data-current=s.current.to_string()>
                                    <span>
                                        <strong data-testid="session-device">{move || match (browser.clone(), system.clone()) {
                                            (Some(browser), Some(system)) => td_string!(i18n.get_locale(), account.browser_on, browser = browser, system = system).to_string(),
                                            (Some(one), None) | (None, Some(one)) => one,
                                            (None, None) => t_string!(i18n, account.unknown_browser).to_string(),
                                        }}</strong>
                                        {s.current.then(|| view! { " " <span class="badge">{t!(i18n, account.this_session)}</span> })}
                                        <br /><span class="muted">{line}</span>
                                    </span>
                                    {(!s.current).then(|| view! {
                                        <button class="ghost" data-testid="close-session" disabled=move || actions.pending() on:click=close.clone()>{t!(i18n, account.close)}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || closed.get().is_some()>
                <p class="success" role="status" data-testid="sessions-closed">
                    {move || td_string!(i18n.get_locale(), account.closed_count, count = closed.get().unwrap_or(0)).to_string()}
                </p>
            </Show>
            <button id="sign-out-others" class="ghost" disabled=move || actions.pending() on:click=sign_out_others>
                {t!(i18n, account.sign_out_others)}
            </button>
        </section>
    }
}
