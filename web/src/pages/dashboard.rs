//! The dashboard: what needs me now (enrolment to finish, documents awaiting my
//! signature, terms to accept), the cabinet's signature requests by status and its
//! credit. Only what exists: no card for a feature that is not built.

use leptos::prelude::*;
use leptos_router::components::A;
use paraphe_shared::{Delegation, Role};

use crate::api::{
    self, cabinet_credit, collection_counts, my_enrolment_step, my_signature_requests,
    open_my_signature,
};
use crate::api::{
    CabinetCredit, CollectionCounts, MyEnrolmentStep, MySignatureRequests, OpenMySignature,
};
use crate::components::ErrorBanner;
use crate::enums;
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::session::{CurrentCabinet, Session};
use crate::text;

#[component]
pub fn Dashboard() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let enrolment = use_query(|| async {
        api::run::<MyEnrolmentStep>(my_enrolment_step::Variables)
            .await
            .map(|data| data.my_enrolment.step)
    });
    let unfinished = move || {
        enrolment
            .data
            .get()
            .is_some_and(|step| step != enums::EnrolmentStep::Completed)
    };
    view! {
        <Show when=unfinished>
            <section class="card warning" data-testid="enrolment-nudge">
                <p>{t!(i18n, cabinet.dashboard.enrolment_nudge)}</p>
                <A href="/enregistrement" attr:class="button primary">{t!(i18n, cabinet.dashboard.continue_enrolment)}</A>
            </section>
        </Show>
        {move || session.cabinet.get().map(|cabinet| view! { <CabinetStatus cabinet /> })}
        <AwaitingMe />
        {move || session.cabinet.get().map(|cabinet| view! { <CabinetSummary cabinet /> })}
    }
}

/// My role in the cabinet, and whether its service is open (what to do if not).
#[component]
fn CabinetStatus(cabinet: CurrentCabinet) -> impl IntoView {
    let i18n = use_i18n();
    let accountant = cabinet.role == Role::Accountant;
    let role = cabinet.role;
    let closed = (!cabinet.is_open).then(|| {
        view! {
            <section class="card warning" data-testid="cabinet-closed">
                <h2>{t!(i18n, cabinet.closed.title)}</h2>
                {if accountant {
                    view! {
                        <p>{t!(i18n, cabinet.closed.accountant)}</p>
                        <A href="/cabinet/conditions" attr:class="button primary">{t!(i18n, cabinet.closed.go_to_terms)}</A>
                    }.into_any()
                } else {
                    view! { <p>{t!(i18n, cabinet.closed.collaborator)}</p> }.into_any()
                }}
            </section>
        }
    });
    view! {
        <p class="muted">{move || text::role(i18n.get_locale(), role)}</p>
        {closed}
    }
}

/// Documents of any of my cabinets' collections where I am the signer now invited.
#[component]
fn AwaitingMe() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let requests = use_query(move || {
        session.version.track();
        async {
            api::run::<MySignatureRequests>(my_signature_requests::Variables)
                .await
                .map(|data| data.my_signature_requests)
        }
    });
    let actions = use_actions(|| {});
    // A fresh personal link, then the signer's page (the public bundle: a full load,
    // pending until this page is gone).
    let open = move |signer_id: String| {
        actions.run(async move {
            let data =
                api::run::<OpenMySignature>(open_my_signature::Variables { signer_id }).await?;
            crate::load_page(&data.open_my_signature);
            std::future::pending().await
        });
    };
    view! {
        <section class="card" data-testid="awaiting-me">
            <h2>{t!(i18n, cabinet.dashboard.awaiting_me)}</h2>
            {move || requests.data.get().map(|list| if list.is_empty() {
                view! { <p class="muted">{t!(i18n, cabinet.dashboard.nothing_awaits)}</p> }.into_any()
            } else {
                view! {
                    <ul class="awaiting">
                        {list.into_iter().map(|r| {
                            let (signer_id, cabinet, since) = (r.signer_id.clone(), r.cabinet_name.clone(), r.invited_at.clone().unwrap_or_default());
                            view! {
                                <li data-testid="awaiting-row">
                                    <strong>{r.title.clone()}</strong>
                                    <span class="muted">{move || td_string!(i18n.get_locale(), cabinet.dashboard.awaiting_since, cabinet = cabinet.clone(), date = text::date(i18n.get_locale(), &since)).to_string()}</span>
                                    <button class="primary" data-testid="sign-now" disabled=move || actions.pending() on:click=move |_| open(signer_id.clone())>
                                        {t!(i18n, cabinet.dashboard.sign_now)}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
            <ErrorBanner error=move || actions.error().or_else(|| requests.error.get()) testid="awaiting-error" />
        </section>
    }
}

#[component]
fn CabinetSummary(cabinet: CurrentCabinet) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let prepares =
        cabinet.role == Role::Accountant || cabinet.delegations.contains(&Delegation::Prepare);
    let delegations = cabinet.delegations.clone();
    let delegations = move || {
        if delegations.is_empty() {
            view! { <span class="muted">{t!(i18n, cabinet.dashboard.no_delegation)}</span> }
                .into_any()
        } else {
            delegations
                .iter()
                .map(|d| {
                    let testid = format!("delegation-{}", d.as_str().to_uppercase());
                    let d = *d;
                    view! { <span class="chip" data-testid=testid>{move || text::delegation(i18n.get_locale(), d)}</span> }
                })
                .collect_view()
                .into_any()
        }
    };
    // The cabinet's collections by status and its credit, refreshed by every live event;
    // only once the cabinet is open, and the counters for those who prepare.
    let cabinet_id = StoredValue::new(cabinet.id.clone());
    let open = cabinet.is_open;
    let counts = use_query(move || {
        session.version.track();
        let cabinet_id = cabinet_id.get_value();
        async move {
            if !(open && prepares) {
                return Ok(None);
            }
            api::run::<CollectionCounts>(collection_counts::Variables { cabinet_id })
                .await
                .map(|data| Some(data.collection_counts))
        }
    });
    let credit = use_query(move || {
        session.version.track();
        let cabinet_id = cabinet_id.get_value();
        async move {
            if !open {
                return Ok(None);
            }
            api::run::<CabinetCredit>(cabinet_credit::Variables { cabinet_id })
                .await
                .map(|data| Some(data.credit))
        }
    });
    view! {
        <div class="grid">
            {move || counts.data.get().flatten().map(|counts| view! {
                <section class="card" data-testid="dashboard-collections">
                    <h2><A href="/collections">{t!(i18n, cabinet.dashboard.collections)}</A></h2>
                    {if counts.iter().all(|c| c.count == 0) {
                        view! { <p class="muted">{t!(i18n, cabinet.dashboard.no_collection)}</p> }.into_any()
                    } else {
                        view! {
                            <div class="chips" data-testid="dashboard-counts">
                                {counts.into_iter().filter(|c| c.count > 0).map(|c| {
                                    let status = c.status.as_str();
                                    let label = {
                                        move || td_string!(i18n.get_locale(), collections.status_count, status = text::collection_status(i18n.get_locale(), status), count = c.count).to_string()
                                    };
                                    view! { <span class="chip" data-status=status>{label}</span> }
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }}
                    <A href="/collections" attr:class="button">{t!(i18n, cabinet.dashboard.new_collection)}</A>
                </section>
            })}
            {move || credit.data.get().flatten().map(|credit| {
                let (balance, available) = (credit.balance_cents, credit.available_cents);
                view! {
                    <section class="card" data-testid="dashboard-credit">
                        <h2>{t!(i18n, cabinet.dashboard.credit)}</h2>
                        <p class="amount">{move || td_string!(i18n.get_locale(), cabinet.dashboard.credit_balance, amount = text::euros(i18n.get_locale(), balance)).to_string()}</p>
                        <p class="muted">{move || td_string!(i18n.get_locale(), cabinet.dashboard.credit_available, amount = text::euros(i18n.get_locale(), available)).to_string()}</p>
                    </section>
                }
            })}
            <section class="card">
                <h2>{t!(i18n, cabinet.dashboard.my_delegations)}</h2>
                <div class="chips" data-testid="my-delegations">{delegations}</div>
            </section>
        </div>
    }
}
