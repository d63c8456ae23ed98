//! The operators' back office: pending identity verifications, oldest first, with the
//! images (viewable only while in review, each view logged), what was declared, what the
//! MRZ says and the automatic checks; approve or reject with a reason. Live.

use std::sync::atomic::Ordering;

use leptos::prelude::*;
use serde_json::json;

use crate::api::{
    self, approve_identity_verification, reject_identity_verification, verification_queue,
    ApproveIdentityVerification, RejectIdentityVerification, VerificationQueue,
};
use crate::components::{ErrorBanner, Loading};
use crate::enums::{NameAgreement, VerificationStatus};
use crate::hooks::{use_actions, use_query, Actions};
use crate::i18n::*;
use crate::live;
use crate::text;

type Pending = verification_queue::VerificationQueueVerificationQueue;

const EVENTS: &str = "subscription { verificationQueueEvents { verificationId kind } }";

#[component]
pub fn OperatorPage() -> impl IntoView {
    let i18n = use_i18n();
    let queue = use_query(|| async {
        api::run::<VerificationQueue>(verification_queue::Variables)
            .await
            .map(|data| data.verification_queue)
    });
    let stop = live::follow(EVENTS, json!({}), move || queue.reload());
    on_cleanup(move || stop.store(true, Ordering::Relaxed));
    let actions = use_actions(move || queue.reload());

    view! {
        <section class="card">
            <h2>{t!(i18n, operator.queue_title)}</h2>
            <ErrorBanner error=move || actions.error().or_else(|| queue.error.get()) testid="queue-error" />
            {move || match queue.data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) if list.is_empty() => view! { <p data-testid="queue-empty">{t!(i18n, operator.queue_empty)}</p> }.into_any(),
                Some(list) => list.into_iter().map(|v| view! { <Review verification=v actions /> }).collect_view().into_any(),
            }}
        </section>
    }
}

#[component]
fn Review(verification: Pending, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let status = verification.status;
    let in_review = status == VerificationStatus::InReview;
    let reason = RwSignal::new(String::new());
    let (approve_id, reject_id) = (verification.id.clone(), verification.id.clone());
    let approve = move |_| {
        let id = approve_id.clone();
        actions.run(async move {
            api::run::<ApproveIdentityVerification>(approve_identity_verification::Variables { id })
                .await
                .map(|_| ())
        });
    };
    let reject = move |_| {
        let (id, reason) = (reject_id.clone(), reason.get_untracked());
        actions.run(async move {
            api::run::<RejectIdentityVerification>(reject_identity_verification::Variables {
                id,
                reason,
            })
            .await
            .map(|_| ())
        });
    };
    let holder = format!(
        "{} {}",
        verification.first_name,
        verification.last_name.to_uppercase()
    );
    let reason_field = format!("reject-reason-{}", verification.id);
    let images = verification
        .images
        .iter()
        .map(|side| {
            let side_name = side.as_str();
            let side = side_name.to_ascii_lowercase();
            let url = format!("/api/identity/{}/images/{side}", verification.id);
            let link = url.clone();
            let holder = holder.clone();
            let alt = move || td_string!(i18n.get_locale(), operator.image_alt, side = text::image_side(i18n.get_locale(), side_name), name = holder.clone()).to_string();
            view! { <a href=link target="_blank" rel="noopener external"><img class="identity-image" src=url alt=alt /></a> }
        })
        .collect_view();
    let checks = verification.checks.clone();
    let (document_type, birth_date) = (
        verification.document_type.as_str(),
        verification.birth_date.clone(),
    );
    view! {
        <article class="review" data-testid="review" data-verification=verification.id.clone() data-status=status.as_str()>
            <h3>{holder.clone()}
                {verification.flagged.then(|| view! { " " <span class="badge warning">{t!(i18n, operator.flagged)}</span> })}</h3>
            <p class="muted">{move || {
                let locale = i18n.get_locale();
                format!("{} · {}", text::document_type(locale, document_type), td_string!(locale, operator.born_on, date = text::date(locale, &birth_date)))
            }}</p>
            {if in_review { view! { <div class="images">{images}</div> }.into_any() } else { view! { <p class="muted">{t!(i18n, operator.checking)}</p> }.into_any() }}
            {verification.extracted.clone().map(|e| {
                let read = {
                    let (given, surname, birth, number) = (e.given_names.clone(), e.surname.clone(), e.birth_date.clone(), e.document_number.clone());
                    move || format!("{given} {surname} · {} · {number}", text::date(i18n.get_locale(), &birth))
                };
                let expiry = e.expiry_date.clone();
                view! {
                    <dl class="facts">
                        <dt>{t!(i18n, operator.read_on_document)}</dt><dd>{read}</dd>
                        <dt>{t!(i18n, operator.expiry_date)}</dt><dd>{move || text::date(i18n.get_locale(), &expiry)}</dd>
                        <dt>{t!(i18n, operator.nationality)}</dt><dd>{format!("{} ({})", e.nationality, e.issuing_state)}</dd>
                    </dl>
                }
            })}
            {checks.map(|c| {
                let words = move || {
                    let locale = i18n.get_locale();
                    let name = |m: Option<NameAgreement>| m.map_or("—", NameAgreement::as_str);
                    let expired = match c.expired {
                        Some(true) => td_string!(locale, operator.check.yes),
                        Some(false) => td_string!(locale, operator.check.no),
                        None => "—",
                    };
                    let mut words = td_string!(
                        locale,
                        operator.checks,
                        last_name = name(c.last_name),
                        first_name = name(c.first_name),
                        birth_date = text::check(locale, c.birth_date_matches),
                        kind = text::check(locale, c.document_kind_matches),
                        expired,
                    )
                    .to_string();
                    if let Some(detail) = &c.mrz_error {
                        words.push_str(" · ");
                        words.push_str(&td_string!(locale, operator.mrz_unreadable, detail = detail.clone()).to_string());
                    }
                    words
                };
                view! { <p class="muted">{words}</p> }
            })}
            <Show when=move || in_review>
                <div class="actions">
                    <button class="primary" data-testid="approve" disabled=move || actions.pending() on:click=approve.clone()>{t!(i18n, operator.approve)}</button>
                    <label class="visually-hidden" for=reason_field.clone()>{t!(i18n, operator.reject_reason)}</label>
                    <input id=reason_field.clone() data-testid="reject-reason" placeholder=move || t_string!(i18n, operator.reject_reason)
                        prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                    <button class="danger" data-testid="reject" disabled=move || actions.pending() || reason.get().trim().is_empty() on:click=reject.clone()>{t!(i18n, operator.reject)}</button>
                </div>
            </Show>
        </article>
    }
}
