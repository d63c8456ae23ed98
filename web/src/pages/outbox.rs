//! Development only: the emails and SMS the server wrote, with their links and codes, so
//! that one person can follow a whole signature on one machine.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, dev_outbox, DevOutbox};
use crate::i18n;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let messages = RwSignal::new(Vec::new());
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match api::run::<DevOutbox>(dev_outbox::Variables).await {
                Ok(data) => messages.set(data.dev_outbox),
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        })
    };
    load();
    view! {
        <main class="page outbox">
            <h1>{i18n::OUTBOX_TITLE}</h1>
            <p class="muted">{i18n::OUTBOX_HELP}</p>
            <button on:click=move |_| load()>{i18n::REFRESH}</button>
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            <ul class="outbox-list">
                {move || messages.get().into_iter().map(|m| view! {
                    <li class="card" data-testid="outbox-message" data-channel=m.channel.clone()>
                        <p class="muted">{format!("{} → {} · {}", m.channel.to_uppercase(), m.recipient, m.created_at)}</p>
                        {m.subject.clone().map(|s| view! { <h3>{s}</h3> })}
                        <pre>{m.body.clone()}</pre>
                    </li>
                }).collect_view()}
            </ul>
        </main>
    }
}
