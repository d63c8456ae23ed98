use leptos::prelude::*;
use leptos::task::spawn_local;
use paraphe_shared::{Delegation, ErrorCode, Role};

use crate::api::{
    self, members, remove_member, set_delegations, ApiError, Members, RemoveMember, SetDelegations,
};
use crate::i18n::*;
use crate::session::{delegations_from, enum_name, role_of, Session};
use crate::text;
use crate::widgets::{error_view, ErrorNotice, Loading};

const PAGE: i64 = 50;

#[derive(Debug, Clone, PartialEq)]
struct Row {
    user_id: String,
    email: String,
    name: String,
    role: Role,
    delegations: Vec<Delegation>,
}

async fn load_all(cabinet_id: String) -> Result<Vec<Row>, ApiError> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let variables = members::Variables {
            id: cabinet_id.clone(),
            first: PAGE,
            after: after.clone(),
        };
        let page = api::run::<Members>(variables).await?.cabinet.members;
        rows.extend(page.edges.into_iter().map(|edge| {
            let m = edge.node;
            Row {
                user_id: m.user_id,
                email: m.email,
                name: format!("{} {}", m.first_name, m.last_name),
                role: role_of(&enum_name(&m.role)),
                delegations: delegations_from(&m.delegations),
            }
        }));
        if !page.page_info.has_next_page {
            return Ok(rows);
        }
        after = page.page_info.end_cursor;
    }
}

fn to_schema(delegation: Delegation) -> set_delegations::Delegation {
    match delegation {
        Delegation::Prepare => set_delegations::Delegation::PREPARE,
        Delegation::Sign => set_delegations::Delegation::SIGN,
        Delegation::Seal => set_delegations::Delegation::SEAL,
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let rows = RwSignal::new(None::<Result<Vec<Row>, ApiError>>);
    let saved = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);

    // Reload whenever the session refreshes (a live event, a cabinet switch).
    Effect::new(move |_| {
        session.version.track();
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        spawn_local(async move { rows.set(Some(load_all(cabinet_id).await)) });
    });

    let toggle = move |row: Row, delegation: Delegation, on: bool| {
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        let mut wanted: Vec<Delegation> = row
            .delegations
            .iter()
            .copied()
            .filter(|d| *d != delegation)
            .collect();
        if on {
            wanted.push(delegation);
        }
        wanted.sort();
        saved.set(None);
        spawn_local(async move {
            let variables = set_delegations::Variables {
                cabinet_id,
                user_id: row.user_id.clone(),
                delegations: wanted.iter().copied().map(to_schema).collect(),
            };
            match api::run::<SetDelegations>(variables).await {
                Ok(_) => {
                    error.set(None);
                    saved.set(Some(row.user_id));
                    let _ = session.load().await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let remove = move |row: Row| {
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(
                    &td_string!(
                        i18n.get_locale_untracked(),
                        cabinet.members.confirm_remove,
                        name = row.name.clone()
                    )
                    .to_string(),
                )
                .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        spawn_local(async move {
            match api::run::<RemoveMember>(remove_member::Variables {
                cabinet_id,
                user_id: row.user_id,
            })
            .await
            {
                Ok(_) => {
                    let _ = session.load().await;
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let manages = move || {
        session
            .cabinet
            .with(|c| c.as_ref().is_some_and(|c| c.role == Role::Accountant))
    };

    view! {
        <section class="card">
            <h2>{t!(i18n, cabinet.members.title)}</h2>
            <p class="muted">{t!(i18n, cabinet.members.intro)}</p>
            {error_view(error, "")}
        </section>
        {move || match rows.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) if e.code == ErrorCode::CabinetNotOpen => view! {
                <section class="card warning" data-testid="cabinet-closed">
                    <ErrorNotice error=e />
                </section>
            }.into_any(),
            Some(Err(e)) => view! { <ErrorNotice error=e /> }.into_any(),
            Some(Ok(list)) => list.into_iter().map(|row| {
                let email = row.email.clone();
                let email_attr = row.email.clone();
                let is_collaborator = row.role == Role::Collaborator;
                let role = row.role;
                let role_label = move || text::role(i18n.get_locale(), role);
                let user_id = row.user_id.clone();
                let toggles = if is_collaborator {
                    Delegation::ALL.into_iter().map(|delegation| {
                        let row = row.clone();
                        let checked = row.delegations.contains(&delegation);
                        view! {
                            <label class="toggle">
                                <input type="checkbox" data-delegation=delegation.as_str().to_uppercase()
                                    prop:checked=checked disabled=move || !manages()
                                    on:change=move |ev| toggle(row.clone(), delegation, event_target_checked(&ev)) />
                                <span>{move || text::delegation(i18n.get_locale(), delegation)}</span>
                            </label>
                        }
                    }).collect_view().into_any()
                } else {
                    view! { <span class="muted">{t!(i18n, cabinet.members.all_delegations)}</span> }.into_any()
                };
                let removable = (is_collaborator).then(|| {
                    let row = row.clone();
                    view! {
                        <Show when=manages>
                            <button class="ghost danger" on:click={
                                let row = row.clone();
                                move |_| remove(row.clone())
                            }>{t!(i18n, common.remove)}</button>
                        </Show>
                    }
                });
                view! {
                    <article class="card member" data-testid="member-row" data-email=email_attr>
                        <div class="member-id">
                            <strong>{row.name.clone()}</strong>
                            <span class="muted">{email}</span>
                            <span class="badge">{role_label}</span>
                        </div>
                        <div class="toggles" role="group" aria-label={
                            let name = row.name.clone();
                            move || td_string!(i18n.get_locale(), cabinet.members.delegations_of, name = name.clone()).to_string()
                        }>{toggles}</div>
                        <div class="member-actions">
                            {move || (saved.get().as_deref() == Some(user_id.as_str()))
                                .then(|| view! { <span class="success" data-testid="delegations-saved" role="status">{t!(i18n, common.saved)}</span> })}
                            {removable}
                        </div>
                    </article>
                }
            }).collect_view().into_any(),
        }}
    }
}
