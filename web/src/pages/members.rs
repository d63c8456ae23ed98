use leptos::prelude::*;
use paraphe_shared::{Delegation, ErrorCode, Role};

use crate::api::{
    self, invitations, invite_member, members, remove_member, resend_invitation, set_delegations,
    withdraw_invitation, ApiError, Invitations, InviteMember, Members, RemoveMember,
    ResendInvitation, SetDelegations, WithdrawInvitation,
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
        <Show when=manages>
            <InvitationsSection />
        </Show>
    }
}

/// The accountant's invitations: invite someone by email (a collaborator with chosen
/// delegations, or another accountant), then follow, resend or withdraw what waits.
#[component]
pub fn InvitationsSection() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let pending = use_query(move || {
        session.version.track();
        let cabinet_id = session.cabinet_id();
        async move {
            match cabinet_id {
                Some(id) => api::run::<Invitations>(invitations::Variables { id })
                    .await
                    .map(|data| Some(data.cabinet.invitations)),
                None => Ok(None),
            }
        }
    });
    let actions = use_actions(move || pending.reload());
    let email = RwSignal::new(String::new());
    let as_accountant = RwSignal::new(false);
    let chosen = RwSignal::new(vec![Delegation::Prepare]);
    let sent_to = RwSignal::new(None::<String>);

    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        let address = email.get_untracked();
        let role = if as_accountant.get_untracked() {
            Role::Accountant
        } else {
            Role::Collaborator
        };
        let delegations = match role {
            Role::Accountant => Vec::new(),
            Role::Collaborator => chosen.get_untracked().into_iter().map(Into::into).collect(),
        };
        sent_to.set(None);
        actions.run(async move {
            let input = invite_member::InviteMemberInput {
                email: address.clone(),
                role: role.into(),
                delegations,
                language: None,
            };
            api::run::<InviteMember>(invite_member::Variables { cabinet_id, input }).await?;
            email.set(String::new());
            sent_to.set(Some(address));
            Ok(())
        });
    };
    let resend = move |id: String| {
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        actions.run(async move {
            api::run::<ResendInvitation>(resend_invitation::Variables { cabinet_id, id }).await?;
            Ok(())
        });
    };
    let withdraw = move |id: String| {
        let Some(cabinet_id) = session.cabinet_id() else {
            return;
        };
        actions.run(async move {
            api::run::<WithdrawInvitation>(withdraw_invitation::Variables { cabinet_id, id })
                .await?;
            Ok(())
        });
    };
    let toggle = move |delegation: Delegation, on: bool| {
        chosen.update(|list| {
            list.retain(|d| *d != delegation);
            if on {
                list.push(delegation);
                list.sort();
            }
        });
    };

    view! {
        <section class="card" data-testid="invitations">
            <h2>{t!(i18n, cabinet.invitations.title)}</h2>
            <form class="stacked" on:submit=invite>
                <label for="invite-email">{t!(i18n, cabinet.invitations.email)}</label>
                <input id="invite-email" type="email" required autocomplete="off"
                    prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                <fieldset class="toggles">
                    <legend>{t!(i18n, cabinet.invitations.role)}</legend>
                    <label class="toggle">
                        <input type="radio" name="invite-role" id="invite-collaborator"
                            prop:checked=move || !as_accountant.get() on:change=move |_| as_accountant.set(false) />
                        <span>{move || text::role(i18n.get_locale(), Role::Collaborator)}</span>
                    </label>
                    <label class="toggle">
                        <input type="radio" name="invite-role" id="invite-accountant"
                            prop:checked=move || as_accountant.get() on:change=move |_| as_accountant.set(true) />
                        <span>{move || text::role(i18n.get_locale(), Role::Accountant)}</span>
                    </label>
                </fieldset>
                <Show when=move || !as_accountant.get() fallback=move || view! {
                    <p class="muted">{t!(i18n, cabinet.invitations.accountant_note)}</p>
                }>
                    <fieldset class="toggles">
                        <legend>{t!(i18n, cabinet.invitations.delegations)}</legend>
                        {Delegation::ALL.into_iter().map(|delegation| view! {
                            <label class="toggle">
                                <input type="checkbox" data-invite-delegation=delegation.as_str().to_uppercase()
                                    prop:checked=move || chosen.with(|list| list.contains(&delegation))
                                    on:change=move |ev| toggle(delegation, event_target_checked(&ev)) />
                                <span>{move || text::delegation(i18n.get_locale(), delegation)}</span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                </Show>
                <ErrorBanner error=move || actions.error() testid="invitation-error" />
                {move || sent_to.get().map(|to| view! {
                    <p class="success" role="status" data-testid="invitation-sent">
                        {move || td_string!(i18n.get_locale(), cabinet.invitations.sent, email = to.clone()).to_string()}
                    </p>
                })}
                <button id="invite-submit" class="primary" type="submit" disabled=move || actions.pending()>
                    {t!(i18n, cabinet.invitations.submit)}
                </button>
            </form>
            {move || match (pending.data.get().flatten(), pending.error.get()) {
                (_, Some(e)) => view! { <ErrorNotice error=e /> }.into_any(),
                (None, None) => ().into_any(),
                (Some(list), None) if list.is_empty() => view! {
                    <p class="muted" data-testid="no-invitation">{t!(i18n, cabinet.invitations.none)}</p>
                }.into_any(),
                (Some(list), None) => view! {
                    <h3>{t!(i18n, cabinet.invitations.waiting)}</h3>
                    <ul class="rows">
                        {list.into_iter().map(|invitation| {
                            let role: Role = invitation.role.into();
                            let delegations = enums::delegations(&invitation.delegations);
                            let (id_resend, id_withdraw) = (invitation.id.clone(), invitation.id.clone());
                            let email = invitation.email.clone();
                            let (sent_at, expires_at) = (invitation.sent_at.clone(), invitation.expires_at.clone());
                            let expired = js_sys::Date::parse(&expires_at) <= js_sys::Date::now();
                            let what = move || {
                                let locale = i18n.get_locale();
                                let mut line = text::role(locale, role).into_owned();
                                if role == Role::Collaborator && !delegations.is_empty() {
                                    let list = delegations.iter().map(|d| text::delegation(locale, *d)).collect::<Vec<_>>().join(", ");
                                    line = format!("{line} · {list}");
                                }
                                line
                            };
                            let when = move || {
                                let locale = i18n.get_locale();
                                if expired {
                                    td_string!(locale, cabinet.invitations.expired, date = text::date(locale, &expires_at)).to_string()
                                } else {
                                    td_string!(locale, cabinet.invitations.sent_on, date = text::date_time(locale, &sent_at), until = text::date(locale, &expires_at)).to_string()
                                }
                            };
                            view! {
                                <li data-testid="invitation-row" data-email=invitation.email.clone()>
                                    <span><strong>{email}</strong>" "<span class="muted">{what}</span></span>
                                    <span class=if expired { "error" } else { "muted" }>{when}</span>
                                    <span class="member-actions">
                                        <button class="ghost" data-action="resend" disabled=move || actions.pending()
                                            on:click=move |_| resend(id_resend.clone())>{t!(i18n, cabinet.invitations.resend)}</button>
                                        <ConfirmButton class="ghost danger"
                                            question=move || t_string!(i18n, cabinet.invitations.confirm_withdraw).to_string()
                                            on_confirm=move || withdraw(id_withdraw.clone())>{t!(i18n, cabinet.invitations.withdraw)}</ConfirmButton>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
