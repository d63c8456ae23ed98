use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use paraphe_shared::Role;

use crate::api::{self, accept_terms, current_terms, AcceptTerms, CurrentTerms};
use crate::i18n;
use crate::session::Session;

#[component]
pub fn TermsPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let versions = LocalResource::new(|| api::run::<CurrentTerms>(current_terms::Variables));
    let cgu = RwSignal::new(false);
    let privacy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let accept = move |_| {
        let Some(Ok(terms)) = versions.get_untracked() else { return };
        let Some(cabinet_id) = session.cabinet_id() else { return };
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let variables = accept_terms::Variables {
                cabinet_id,
                cgu_version: terms.current_terms.cgu_version,
                privacy_policy_version: terms.current_terms.privacy_policy_version,
            };
            match api::run::<AcceptTerms>(variables).await {
                Ok(_) => {
                    let _ = session.load().await;
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
            pending.set(false);
        });
    };

    let accountant = move || session.cabinet.with(|c| c.as_ref().is_some_and(|c| c.role == Role::Accountant));
    let accepted_at = move || session.cabinet.with(|c| c.as_ref().and_then(|c| c.accepted_at.clone()));

    view! {
        <section class="card">
            <h2>{i18n::TERMS_TITLE}</h2>
            <p>{i18n::TERMS_INTRO}</p>
            <p class="muted">{move || match versions.get() {
                Some(Ok(t)) => i18n::version_label(&t.current_terms.cgu_version, &t.current_terms.privacy_policy_version),
                Some(Err(e)) => i18n::error_message(e.code, &e.message),
                None => i18n::LOADING.to_owned(),
            }}</p>
            {move || accepted_at().map(|date| view! { <p class="success">{i18n::accepted_on(&date)}</p> })}
            <Show when=accountant fallback=|| view! { <p class="muted">{i18n::TERMS_ONLY_ACCOUNTANT}</p> }>
                <label class="check">
                    <input id="accept-cgu" type="checkbox" prop:checked=cgu on:change=move |ev| cgu.set(event_target_checked(&ev)) />
                    <span>{i18n::ACCEPT_CGU}</span>
                </label>
                <label class="check">
                    <input id="accept-privacy" type="checkbox" prop:checked=privacy on:change=move |ev| privacy.set(event_target_checked(&ev)) />
                    <span>{i18n::ACCEPT_PRIVACY}</span>
                </label>
                {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button id="accept-terms-submit" class="primary" on:click=accept.clone()
                    disabled=move || !(cgu.get() && privacy.get()) || pending.get()>
                    {i18n::ACCEPT_SUBMIT}
                </button>
            </Show>
        </section>
    }
}
