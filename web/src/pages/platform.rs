//! The platform's administration (platform administrators only): create a cabinet with its
//! accountant, credit and close cabinets, grant or withdraw the operator role, read the
//! platform's log.

use leptos::prelude::*;

use crate::api::{
    self, close_cabinet, create_cabinet, credit_cabinet, platform_cabinets, platform_events,
    platform_users, set_operator, CloseCabinet, CreateCabinet, CreditCabinet, PlatformCabinets,
    PlatformEvents, PlatformUsers, SetOperator,
};
use crate::components::{ConfirmButton, ErrorBanner, Loading};
use crate::hooks::{use_actions, use_query, Actions};
use crate::i18n::*;
use crate::text;

type CabinetRow = platform_cabinets::PlatformCabinetsPlatformCabinets;
type UserRow = platform_users::PlatformUsersPlatformUsersEdgesNode;

/// The people listed so far: the pages asked for, one after the other.
#[derive(Debug, Clone, PartialEq)]
struct UserList {
    rows: Vec<UserRow>,
    total: i64,
    more: bool,
}

/// "25", "25,5", "25.50" → 2550 cents; `None` for anything else, zero or negative.
fn parse_euros(typed: &str) -> Option<i64> {
    let typed = typed.trim().replace(['\u{a0}', ' '], "").replace(',', ".");
    let (units, fraction) = typed.split_once('.').unwrap_or((&typed, ""));
    if units.is_empty() || !units.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 2 {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let hundredths: i64 = format!("{fraction:0<2}").parse().ok()?;
    let cents = units.checked_mul(100)?.checked_add(hundredths)?;
    (cents > 0).then_some(cents)
}

#[component]
pub fn PlatformPage() -> impl IntoView {
    let i18n = use_i18n();
    let search = RwSignal::new(String::new());
    let cabinets = use_query(move || {
        let search = Some(search.get()).filter(|s| !s.trim().is_empty());
        async move {
            api::run::<PlatformCabinets>(platform_cabinets::Variables { search })
                .await
                .map(|data| data.platform_cabinets)
        }
    });
    let user_search = RwSignal::new(String::new());
    // Pages of 50 shown; a reload (after granting a role) asks them all again.
    let user_pages = RwSignal::new(1usize);
    let users = use_query(move || {
        let search = Some(user_search.get()).filter(|s| !s.trim().is_empty());
        let pages = user_pages.get();
        async move {
            let mut list = UserList {
                rows: Vec::new(),
                total: 0,
                more: false,
            };
            let mut after = None;
            for _ in 0..pages {
                let page = api::run::<PlatformUsers>(platform_users::Variables {
                    search: search.clone(),
                    after,
                })
                .await?
                .platform_users;
                list.total = page.total_count;
                list.more = page.page_info.has_next_page;
                after = page.page_info.end_cursor;
                list.rows
                    .extend(page.edges.into_iter().map(|edge| edge.node));
                if !list.more {
                    break;
                }
            }
            Ok(list)
        }
    });
    let events = use_query(|| async {
        api::run::<PlatformEvents>(platform_events::Variables {
            first: 50,
            before: None,
        })
        .await
        .map(|data| data.platform_events)
    });
    let actions = use_actions(move || {
        cabinets.reload();
        users.reload();
        events.reload();
    });

    view! {
        <h2>{t!(i18n, platform.title)}</h2>
        <NewCabinet actions />
        <section class="card">
            <h2>{t!(i18n, platform.cabinets_title)}</h2>
            <label for="cabinet-search">{t!(i18n, platform.search)}</label>
            <input id="cabinet-search" type="search" prop:value=search
                on:change=move |ev| search.set(event_target_value(&ev)) />
            <ErrorBanner error=move || actions.error().or_else(|| cabinets.error.get()) testid="platform-error" />
            {move || match cabinets.data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted">{t!(i18n, platform.no_cabinet)}</p> }.into_any(),
                Some(list) => view! {
                    <ul class="rows" data-testid="platform-cabinets">
                        {list.into_iter().map(|c| view! { <Cabinet cabinet=c actions /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
        <section class="card">
            <h2>{t!(i18n, platform.users_title)}</h2>
            <label for="user-search">{t!(i18n, platform.search)}</label>
            <input id="user-search" type="search" prop:value=user_search
                on:change=move |ev| {
                    user_pages.set(1);
                    user_search.set(event_target_value(&ev));
                } />
            <ErrorBanner error=move || users.error.get() />
            {move || match users.data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) => {
                    let (shown, total, more) = (list.rows.len(), list.total, list.more);
                    view! {
                        <p class="muted" data-testid="platform-users-count">
                            {move || td_string!(i18n.get_locale(), platform.users_shown, shown = shown, total = total).to_string()}
                        </p>
                        <ul class="rows" data-testid="platform-users">
                            {list.rows.into_iter().map(|u| view! { <User user=u actions /> }).collect_view()}
                        </ul>
                        {more.then(|| view! {
                            <button class="ghost" id="platform-users-more" on:click=move |_| user_pages.update(|p| *p += 1)>
                                {t!(i18n, platform.users_more)}
                            </button>
                        })}
                    }.into_any()
                }
            }}
        </section>
        <section class="card">
            <h2>{t!(i18n, platform.events_title)}</h2>
            <ErrorBanner error=move || events.error.get() />
            {move || match events.data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) => view! {
                    <ul class="rows" data-testid="platform-events">
                        {list.into_iter().map(|e| {
                            let at = e.at.clone();
                            view! {
                                <li data-kind=e.kind.clone()>
                                    <span><strong>{e.kind.clone()}</strong>
                                        <br /><span class="muted mono">{e.details.clone()}</span></span>
                                    <span class="muted">{move || text::date_time(i18n.get_locale(), &at)}" · "{e.actor.clone()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn NewCabinet(actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let siren = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<(String, String)>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        let input = create_cabinet::CreateCabinetInput {
            name: name.get_untracked(),
            siren: siren.get_untracked(),
            accountant_email: email.get_untracked(),
            accountant_first_name: first_name.get_untracked(),
            accountant_last_name: last_name.get_untracked(),
        };
        actions.run(async move {
            let data = api::run::<CreateCabinet>(create_cabinet::Variables { input }).await?;
            let cabinet = data.create_cabinet;
            created.set(Some((
                cabinet.name,
                cabinet.accountants.into_iter().next().unwrap_or_default(),
            )));
            for field in [name, siren, email, first_name, last_name] {
                field.set(String::new());
            }
            Ok(())
        });
    };
    let field = move |id: &'static str,
                      label: String,
                      kind: &'static str,
                      value: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type=kind required prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    view! {
        <form class="card stacked" on:submit=submit data-testid="new-cabinet">
            <h2>{t!(i18n, platform.new_cabinet)}</h2>
            <p class="muted">{t!(i18n, platform.create_help)}</p>
            {move || {
                let locale = i18n.get_locale();
                view! {
                    {field("new-cabinet-name", td_string!(locale, platform.cabinet_name).to_string(), "text", name)}
                    {field("new-cabinet-siren", td_string!(locale, platform.siren).to_string(), "text", siren)}
                    {field("new-cabinet-email", td_string!(locale, platform.accountant_email).to_string(), "email", email)}
                    {field("new-cabinet-first-name", td_string!(locale, common.first_name).to_string(), "text", first_name)}
                    {field("new-cabinet-last-name", td_string!(locale, common.last_name).to_string(), "text", last_name)}
                }
            }}
            {move || created.get().map(|(name, email)| view! {
                <p class="success" role="status" data-testid="cabinet-created">
                    {move || td_string!(i18n.get_locale(), platform.created, name = name.clone(), email = email.clone()).to_string()}
                </p>
            })}
            <button id="create-cabinet" class="primary" type="submit" disabled=move || actions.pending()>
                {t!(i18n, common.create)}
            </button>
        </form>
    }
}

#[component]
fn Cabinet(cabinet: CabinetRow, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let amount = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let bad_amount = RwSignal::new(false);
    let id = cabinet.id.clone();
    let credit = {
        let cabinet_id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(amount_cents) = parse_euros(&amount.get_untracked()) else {
                bad_amount.set(true);
                return;
            };
            bad_amount.set(false);
            let variables = credit_cabinet::Variables {
                cabinet_id: cabinet_id.clone(),
                amount_cents,
                note: note.get_untracked(),
            };
            actions.run(async move {
                api::run::<CreditCabinet>(variables).await?;
                amount.set(String::new());
                note.set(String::new());
                Ok(())
            });
        }
    };
    let close = {
        let id = id.clone();
        move || {
            let id = id.clone();
            actions.run(async move {
                api::run::<CloseCabinet>(close_cabinet::Variables { id })
                    .await
                    .map(|_| ())
            });
        }
    };
    let name = cabinet.name.clone();
    let question = move || {
        td_string!(
            i18n.get_locale(),
            platform.close_question,
            name = name.clone()
        )
        .to_string()
    };
    let closed_at = cabinet.closed_at.clone();
    let open = closed_at.is_none();
    let (balance, members) = (cabinet.credit_balance_cents, cabinet.member_count);
    let facts = move || {
        let locale = i18n.get_locale();
        let mut facts = vec![
            td_string!(locale, platform.members, count = members).to_string(),
            td_string!(
                locale,
                platform.balance,
                amount = text::euros(locale, balance)
            )
            .to_string(),
        ];
        if let Some(at) = &closed_at {
            facts.push(
                td_string!(locale, platform.closed_on, date = text::date(locale, at)).to_string(),
            );
        }
        facts.join(" · ")
    };
    let amount_field = format!("credit-amount-{id}");
    let note_field = format!("credit-note-{id}");
    view! {
        <li data-testid="platform-cabinet" data-cabinet=id.clone() data-closed=(!open).to_string()>
            <span>
                <strong>{cabinet.name.clone()}</strong>
                {cabinet.siren.clone().map(|s| view! { " " <span class="muted mono">{s}</span> })}
                <br /><span class="muted">{cabinet.accountants.join(", ")}</span>
                <br /><span class="muted" data-testid="cabinet-facts">{facts}</span>
            </span>
            <Show when=move || open>
                <form class="row-actions" on:submit=credit.clone()>
                    <label class="visually-hidden" for=amount_field.clone()>{t!(i18n, platform.credit_amount)}</label>
                    <input id=amount_field.clone() data-testid="credit-amount" inputmode="decimal" size="8"
                        placeholder=move || t_string!(i18n, platform.credit_amount)
                        prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev)) />
                    <label class="visually-hidden" for=note_field.clone()>{t!(i18n, platform.credit_note)}</label>
                    <input id=note_field.clone() data-testid="credit-note" size="16"
                        placeholder=move || t_string!(i18n, platform.credit_note)
                        prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                    <button class="ghost" type="submit" data-testid="credit" disabled=move || actions.pending()>{t!(i18n, platform.credit)}</button>
                    <ConfirmButton class="danger" question=question.clone() on_confirm=close.clone() testid="close-cabinet"
                        disabled=Signal::derive(move || actions.pending())>
                        {t!(i18n, platform.close)}
                    </ConfirmButton>
                </form>
            </Show>
            <Show when=move || bad_amount.get()>
                <p class="error" role="alert" data-testid="bad-amount">{t!(i18n, platform.bad_amount)}</p>
            </Show>
        </li>
    }
}

#[component]
fn User(user: UserRow, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let operator = user.is_operator;
    let user_id = user.id.clone();
    let toggle = move |_| {
        let user_id = user_id.clone();
        actions.run(async move {
            api::run::<SetOperator>(set_operator::Variables {
                user_id,
                operator: !operator,
            })
            .await
            .map(|_| ())
        });
    };
    view! {
        <li data-testid="platform-user" data-email=user.email.clone()>
            <span>
                <strong>{format!("{} {}", user.first_name, user.last_name)}</strong>
                {user.is_operator.then(|| view! { " " <span class="badge">{t!(i18n, platform.operator)}</span> })}
                {user.is_platform_admin.then(|| view! { " " <span class="badge">{t!(i18n, platform.admin)}</span> })}
                <br /><span class="muted">{user.email.clone()}</span>
                {(!user.has_password).then(|| view! { " " <span class="muted">"("{t!(i18n, platform.no_password)}")"</span> })}
            </span>
            <button class="ghost" data-testid="toggle-operator" disabled=move || actions.pending() on:click=toggle>
                {move || if operator { t_string!(i18n, platform.withdraw_operator) } else { t_string!(i18n, platform.grant_operator) }}
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_euros;

    #[test]
    fn amounts_are_read_in_euros_with_either_separator() {
        assert_eq!(parse_euros("25"), Some(2500));
        assert_eq!(parse_euros(" 25,5 "), Some(2550));
        assert_eq!(parse_euros("1 000.05"), Some(100_005));
        for bad in ["", "0", "-3", "2,505", "abc", ",5", "1.2.3"] {
            assert_eq!(parse_euros(bad), None, "{bad:?}");
        }
    }
}
