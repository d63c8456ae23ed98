use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use paraphe_shared::Role;

use crate::api::{self, accept_terms, current_terms, AcceptTerms, CurrentTerms};
use crate::components::{Checkbox, ErrorBanner, ErrorNotice, Loading};
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::session::Session;
use crate::text;

#[component]
pub fn TermsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let versions = use_query(|| async {
        api::run::<CurrentTerms>(current_terms::Variables)
            .await
            .map(|data| data.current_terms)
    });
    let cgu = RwSignal::new(false);
    let privacy = RwSignal::new(false);
    let actions = use_actions(|| {});

    let accept = move |_| {
        let Some(terms) = versions.data.get_untracked() else {
            return;
        };
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        let navigate = navigate.clone();
        actions.run(async move {
            let variables = accept_terms::Variables {
                cabinet_id,
                cgu_version: terms.cgu_version,
                privacy_policy_version: terms.privacy_policy_version,
            };
            api::run::<AcceptTerms>(variables).await?;
            let _ = session.load().await;
            navigate("/", Default::default());
            Ok(())
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
            {move || match (versions.data.get(), versions.error.get()) {
                (Some(t), _) => {
                    let (cgu, privacy) = (t.cgu_version, t.privacy_policy_version);
                    view! { <p class="muted">{t!(i18n, cabinet.terms.versions, cgu = cgu.clone(), privacy = privacy.clone())}</p> }.into_any()
                }
                (None, Some(e)) => view! { <ErrorNotice error=e /> }.into_any(),
                (None, None) => view! { <Loading /> }.into_any(),
            }}
            {move || accepted_at().map(|date| view! {
                <p class="success">{move || td_string!(i18n.get_locale(), cabinet.terms.accepted_on, date = text::date(i18n.get_locale(), &date)).to_string()}</p>
            })}
            <Show when=accountant fallback=move || view! { <p class="muted">{t!(i18n, cabinet.terms.only_accountant)}</p> }>
                <Checkbox id="accept-cgu" checked=cgu>{t!(i18n, cabinet.terms.accept_cgu)}</Checkbox>
                <Checkbox id="accept-privacy" checked=privacy>{t!(i18n, cabinet.terms.accept_privacy)}</Checkbox>
                <ErrorBanner error=move || actions.error() />
                <button id="accept-terms-submit" class="primary" on:click=accept.clone()
                    disabled=move || !(cgu.get() && privacy.get()) || actions.pending()>
                    {t!(i18n, cabinet.terms.submit)}
                </button>
            </Show>
        </section>
    }
}
