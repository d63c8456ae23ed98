//! The operators' back office: pending identity verifications, oldest first, with the
//! images (viewable only while in review, each view logged), what was declared, what the
//! MRZ says and the automatic checks; approve or reject with a reason. Live.

use std::sync::atomic::Ordering;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api::{self, approve_identity_verification, reject_identity_verification, verification_queue, ApproveIdentityVerification, RejectIdentityVerification, VerificationQueue};
use crate::i18n;
use crate::live;
use crate::session::enum_name;

type Pending = verification_queue::VerificationQueueVerificationQueue;

const EVENTS: &str = "subscription { verificationQueueEvents { verificationId kind } }";

#[component]
pub fn OperatorPage() -> impl IntoView {
    let queue = RwSignal::new(None::<Vec<Pending>>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::run::<VerificationQueue>(verification_queue::Variables).await {
                Ok(data) => queue.set(Some(data.verification_queue)),
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };
    load();
    let stop = live::follow(EVENTS, json!({}), load);
    on_cleanup(move || stop.store(true, Ordering::Relaxed));
    let act = api::action_runner(pending, error, load);

    view! {
        <section class="card">
            <h2>{i18n::QUEUE_TITLE}</h2>
            {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="queue-error">{message}</p> })}
            {move || match queue.get() {
                None => view! { <p class="muted">{i18n::LOADING}</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p data-testid="queue-empty">{i18n::QUEUE_EMPTY}</p> }.into_any(),
                Some(list) => list.into_iter().map(|v| view! { <Review verification=v act=act pending=pending /> }).collect_view().into_any(),
            }}
        </section>
    }
}

#[component]
fn Review(verification: Pending, act: impl Fn(api::Action) + Copy + Send + Sync + 'static, pending: RwSignal<bool>) -> impl IntoView {
    let status = enum_name(&verification.status);
    let in_review = status == "IN_REVIEW";
    let reason = RwSignal::new(String::new());
    let (approve_id, reject_id) = (verification.id.clone(), verification.id.clone());
    let approve = move |_| {
        let id = approve_id.clone();
        act(Box::pin(async move { api::run::<ApproveIdentityVerification>(approve_identity_verification::Variables { id }).await.map(|_| ()) }));
    };
    let reject = move |_| {
        let (id, reason) = (reject_id.clone(), reason.get_untracked());
        act(Box::pin(async move { api::run::<RejectIdentityVerification>(reject_identity_verification::Variables { id, reason }).await.map(|_| ()) }));
    };
    let images = verification
        .images
        .iter()
        .map(|side| {
            let side = enum_name(side).to_ascii_lowercase();
            let url = format!("/api/identity/{}/images/{side}", verification.id);
            let link = url.clone();
            view! { <a href=link target="_blank" rel="noopener"><img class="identity-image" src=url alt=side /></a> }
        })
        .collect_view();
    let checks = verification.checks.clone();
    view! {
        <article class="review" data-testid="review" data-verification=verification.id.clone() data-status=status.clone()>
            <h3>{format!("{} {}", verification.first_name, verification.last_name.to_uppercase())}
                {verification.flagged.then(|| view! { <span class="badge warning">{i18n::FLAGGED}</span> })}</h3>
            <p class="muted">{i18n::document_type_label(&enum_name(&verification.document_type))}
                {format!(" · {} {}", i18n::BIRTH_DATE, i18n::date(&verification.birth_date))}</p>
            {if in_review { view! { <div class="images">{images}</div> }.into_any() } else { view! { <p class="muted">{i18n::VERIFYING}</p> }.into_any() }}
            {verification.extracted.clone().map(|e| view! {
                <dl class="facts">
                    <dt>{i18n::READ_ON_DOCUMENT}</dt><dd>{format!("{} {} · {} · {}", e.given_names, e.surname, i18n::date(&e.birth_date), e.document_number)}</dd>
                    <dt>{i18n::EXPIRY_DATE}</dt><dd>{i18n::date(&e.expiry_date)}</dd>
                    <dt>{i18n::NATIONALITY}</dt><dd>{format!("{} ({})", e.nationality, e.issuing_state)}</dd>
                </dl>
            })}
            {checks.map(|c| view! {
                <p class="muted">{format!(
                    "{} : nom {} · prénom {} · date de naissance {} · type {} · expirée {}{}",
                    i18n::CHECKS,
                    c.last_name.as_ref().map(enum_name).unwrap_or_else(|| "—".into()),
                    c.first_name.as_ref().map(enum_name).unwrap_or_else(|| "—".into()),
                    i18n::check_label(c.birth_date_matches),
                    i18n::check_label(c.document_kind_matches),
                    c.expired.map(|e| if e { "oui" } else { "non" }).unwrap_or("—"),
                    c.mrz_error.map(|e| format!(" · MRZ illisible : {e}")).unwrap_or_default(),
                )}</p>
            })}
            <Show when=move || in_review>
                <div class="actions">
                    <button class="primary" data-testid="approve" disabled=move || pending.get() on:click=approve.clone()>{i18n::APPROVE}</button>
                    <input data-testid="reject-reason" placeholder=i18n::REJECT_REASON prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                    <button class="danger" data-testid="reject" disabled=move || pending.get() || reason.get().trim().is_empty() on:click=reject.clone()>{i18n::REJECT}</button>
                </div>
            </Show>
        </article>
    }
}
