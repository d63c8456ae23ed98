use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use paraphe_shared::Role;

use crate::api::{self, accept_terms, current_terms, AcceptTerms, ApiError, CurrentTerms};
use crate::i18n::*;
use crate::session::Session;
use crate::text;
use crate::widgets::{error_view, ErrorNotice, Loading};

#[component]
pub fn TermsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let versions = LocalResource::new(|| api::run::<CurrentTerms>(current_terms::Variables));
    let cgu = RwSignal::new(false);
    let privacy = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);

    let accept = move |_| {
        let Some(Ok(terms)) = versions.get_untracked() else {
            return;
        };
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
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
                Err(e) => error.set(Some(e)),
            }
            pending.set(false);
        });
    };

    let accountant = move || {
        session
            .cabinet
            .with(|c| c.as_ref().is_some_and(|c| c.role == Role::Accountant))
    };
    let accepted_at = move || {
        session
            .cabinet
            .with(|c| c.as_ref().and_then(|c| c.accepted_at.clone()))
    };

    view! {
        <section class="card">
            <h2>{t!(i18n, cabinet.terms.title)}</h2>
            <p>{t!(i18n, cabinet.terms.intro)}</p>
            {move || match versions.get() {
                Some(Ok(t)) => {
                    let (cgu, privacy) = (t.current_terms.cgu_version, t.current_terms.privacy_policy_version);
                    view! { <p class="muted">{t!(i18n, cabinet.terms.versions, cgu = cgu.clone(), privacy = privacy.clone())}</p> }.into_any()
                }
                Some(Err(e)) => view! { <ErrorNotice error=e /> }.into_any(),
                None => view! { <Loading /> }.into_any(),
            }}
            {move || accepted_at().map(|date| view! {
                <p class="success">{move || td_string!(i18n.get_locale(), cabinet.terms.accepted_on, date = text::date(i18n.get_locale(), &date)).to_string()}</p>
            })}
            <Show when=accountant fallback=move || view! { <p class="muted">{t!(i18n, cabinet.terms.only_accountant)}</p> }>
                <label class="check">
                    <input id="accept-cgu" type="checkbox" prop:checked=cgu on:change=move |ev| cgu.set(event_target_checked(&ev)) />
                    <span>{t!(i18n, cabinet.terms.accept_cgu)}</span>
                </label>
                <label class="check">
                    <input id="accept-privacy" type="checkbox" prop:checked=privacy on:change=move |ev| privacy.set(event_target_checked(&ev)) />
                    <span>{t!(i18n, cabinet.terms.accept_privacy)}</span>
                </label>
                {error_view(error, "")}
                <button id="accept-terms-submit" class="primary" on:click=accept.clone()
                    disabled=move || !(cgu.get() && privacy.get()) || pending.get()>
                    {t!(i18n, cabinet.terms.submit)}
                </button>
            </Show>
        </section>
    }
}
