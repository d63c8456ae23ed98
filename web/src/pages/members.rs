use leptos::prelude::*;
use paraphe_shared::{Delegation, ErrorCode, Role};

use crate::api::{
    self, members, remove_member, set_delegations, ApiError, Members, RemoveMember, SetDelegations,
};
use crate::components::{ConfirmButton, ErrorBanner, ErrorCard, ErrorNotice, Loading};
use crate::enums;
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::session::Session;
use crate::text;

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
                role: m.role.into(),
                delegations: enums::delegations(&m.delegations),
            }
        }));
        if !page.page_info.has_next_page {
            return Ok(rows);
        }
        after = page.page_info.end_cursor;
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let saved = RwSignal::new(None::<String>);
    // Reload whenever the session refreshes (a live event, a cabinet switch).
    let rows = use_query(move || {
        session.version.track();
        let cabinet_id = session.cabinet_id();
        async move {
            match cabinet_id {
                Some(cabinet_id) => load_all(cabinet_id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // Each change then reloads the session, which reloads the rows.
    let actions = use_actions(|| {});

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
        actions.run(async move {
            let variables = set_delegations::Variables {
                cabinet_id,
                user_id: row.user_id.clone(),
                delegations: wanted.into_iter().map(Into::into).collect(),
            };
            api::run::<SetDelegations>(variables).await?;
            saved.set(Some(row.user_id));
            let _ = session.load().await;
            Ok(())
        });
    };

    let remove = move |user_id: String| {
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        actions.run(async move {
            api::run::<RemoveMember>(remove_member::Variables {
                cabinet_id,
                user_id,
            })
            .await?;
            let _ = session.load().await;
            Ok(())
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
            <ErrorBanner error=move || actions.error() />
        </section>
        {move || match (rows.data.get().flatten(), rows.error.get()) {
            (_, Some(e)) if e.code == ErrorCode::CabinetNotOpen => view! { <ErrorCard error=e testid="cabinet-closed" /> }.into_any(),
            (_, Some(e)) => view! { <ErrorNotice error=e /> }.into_any(),
            (None, None) => view! { <Loading /> }.into_any(),
            (Some(list), None) => list.into_iter().map(|row| {
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
                                    prop:checked=checked disabled=move || !manages() || actions.pending()
                                    on:change=move |ev| toggle(row.clone(), delegation, event_target_checked(&ev)) />
                                <span>{move || text::delegation(i18n.get_locale(), delegation)}</span>
                            </label>
                        }
                    }).collect_view().into_any()
                } else {
                    view! { <span class="muted">{t!(i18n, cabinet.members.all_delegations)}</span> }.into_any()
                };
                let removable = (is_collaborator).then(|| {
                    let (name, user_id) = (row.name.clone(), row.user_id.clone());
                    view! {
                        <Show when=manages>
                            <ConfirmButton class="ghost danger"
                                question={
                                    let name = name.clone();
                                    move || td_string!(i18n.get_locale_untracked(), cabinet.members.confirm_remove, name = name.clone()).to_string()
                                }
                                on_confirm={
                                    let user_id = user_id.clone();
                                    move || remove(user_id.clone())
                                }>{t!(i18n, common.remove)}</ConfirmButton>
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
