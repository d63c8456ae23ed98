//! Development only: the emails and SMS the server wrote, with their links and codes, so
//! that one person can follow a whole signature on one machine. The server shows them to
//! a platform administrator's session only (the demo's `plateforme@demo.paraphe.fr`).

use leptos::prelude::*;

use crate::api::{self, dev_outbox, DevOutbox};
use crate::components::ErrorBanner;
use crate::hooks::use_query;
use crate::i18n::*;
use crate::language::LanguageSwitch;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let outbox = use_query(|| async {
        api::run::<DevOutbox>(dev_outbox::Variables)
            .await
            .map(|data| data.dev_outbox)
    });
    view! {
        <main class="page outbox">
            <LanguageSwitch />
            <h1>{t!(i18n, common.outbox.title)}</h1>
            <p class="muted">{t!(i18n, common.outbox.help)}</p>
            <button on:click=move |_| outbox.reload()>{t!(i18n, common.refresh)}</button>
            <ErrorBanner error=outbox.error />
            <ul class="outbox-list">
                {move || outbox.data.get().unwrap_or_default().into_iter().map(|m| view! {
                    <li class="card" data-testid="outbox-message" data-channel=m.channel.clone()>
                        <p class="muted">{format!("{} → {} · {}", m.channel.to_uppercase(), m.recipient, m.created_at)}</p>
                        {m.subject.clone().map(|s| view! { <h2 class="subject">{s}</h2> })}
                        <pre>{m.body.clone()}</pre>
                    </li>
                }).collect_view()}
            </ul>
        </main>
    }
}
