use leptos::prelude::*;
use leptos_router::components::A;
use paraphe_shared::Role;

use crate::api::{self, collection_counts, enrolment_step, CollectionCounts, EnrolmentStep};
use crate::i18n;
use crate::session::{enum_name, CurrentCabinet, Session};

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = expect_context::<Session>();
    let enrolment = LocalResource::new(|| api::run::<EnrolmentStep>(enrolment_step::Variables));
    let unfinished = move || matches!(enrolment.get(), Some(Ok(data)) if enum_name(&data.my_enrolment.step) != "COMPLETED");
    view! {
        <Show when=unfinished>
            <section class="card warning" data-testid="enrolment-nudge">
                <p>{i18n::ENROLMENT_NUDGE}</p>
                <A href="/enregistrement" attr:class="button primary">{i18n::CONTINUE_ENROLMENT}</A>
            </section>
        </Show>
        {move || session.cabinet.get().map(|cabinet| view! { <CabinetSummary cabinet /> })}
    }
}

#[component]
fn CabinetSummary(cabinet: CurrentCabinet) -> impl IntoView {
    let accountant = cabinet.role == Role::Accountant;
    let role = if accountant { i18n::ROLE_ACCOUNTANT } else { i18n::ROLE_COLLABORATOR };
    let closed = (!cabinet.is_open).then(|| {
        view! {
            <section class="card warning" data-testid="cabinet-closed">
                <h2>{i18n::CLOSED_TITLE}</h2>
                {if accountant {
                    view! {
                        <p>{i18n::CLOSED_ACCOUNTANT}</p>
                        <A href="/cabinet/conditions" attr:class="button primary">{i18n::GO_TO_TERMS}</A>
                    }.into_any()
                } else {
                    view! { <p>{i18n::CLOSED_COLLABORATOR}</p> }.into_any()
                }}
            </section>
        }
    });
    let delegations = if cabinet.delegations.is_empty() {
        view! { <span class="muted">{i18n::NO_DELEGATION}</span> }.into_any()
    } else {
        cabinet
            .delegations
            .iter()
            .map(|d| {
                let testid = format!("delegation-{}", d.as_str().to_uppercase());
                view! { <span class="chip" data-testid=testid>{i18n::delegation(*d)}</span> }
            })
            .collect_view()
            .into_any()
    };
    // The cabinet's collections by status, refreshed by every live event (when the
    // member may see them: preparers).
    let session = expect_context::<Session>();
    let counts = RwSignal::new(None::<Vec<collection_counts::CollectionCountsCollectionCounts>>);
    let cabinet_id = cabinet.id.clone();
    Effect::new(move |_| {
        let _ = session.version.get();
        let cabinet_id = cabinet_id.clone();
        leptos::task::spawn_local(async move {
            if let Ok(data) = api::run::<CollectionCounts>(collection_counts::Variables { cabinet_id }).await {
                counts.set(Some(data.collection_counts));
            }
        });
    });
    view! {
        <p class="muted">{role}</p>
        {closed}
        {move || counts.get().map(|counts| view! {
            <section class="card">
                <h2><A href="/collections">{i18n::NAV_COLLECTIONS}</A></h2>
                <div class="chips" data-testid="dashboard-counts">
                    {counts.into_iter().map(|c| {
                        let status = format!("{:?}", c.status);
                        view! { <span class="chip" data-status=status.clone()>{format!("{} : {}", i18n::status_label(&status), c.count)}</span> }
                    }).collect_view()}
                </div>
            </section>
        })}
        <section class="card">
            <h2>{i18n::MY_DELEGATIONS}</h2>
            <div class="chips" data-testid="my-delegations">{delegations}</div>
        </section>
        <div class="grid">
            {i18n::CARDS.iter().map(|(title, text)| view! {
                <section class="card empty">
                    <span class="badge">{i18n::SOON}</span>
                    <h3>{*title}</h3>
                    <p class="muted">{*text}</p>
                </section>
            }).collect_view()}
        </div>
    }
}
