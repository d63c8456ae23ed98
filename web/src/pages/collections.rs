//! The cabinet's collections: list with counters by status, a new draft, and one
//! collection's page (documents, signers in order, launch, remind, cancel, download, live
//! timeline). Everything reloads when the live channel reports a change.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use paraphe_shared::Language;

use crate::api::{
    self, add_signer, cancel_collection, collection, collections, create_collection,
    launch_collection, move_signer, remind_collection, remove_signer,
};
use crate::api::{
    signer_choices, AddSigner, CancelCollection, Collection, Collections, CreateCollection,
    LaunchCollection, MoveSigner, RemindCollection, RemoveSigner, SignerChoices,
};
use crate::components::{Checkbox, ConfirmButton, ErrorBanner, FilePicker, UploadProgress};
use crate::enums::{CollectionStatus, DocumentKind, SigningMode};
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::session::Session;
use crate::text;

/// Each language named in itself, as language pickers show them.
fn language_name(language: Language) -> &'static str {
    match language {
        Language::Fr => "Français",
        Language::En => "English",
    }
}

/// What a collection's documents may be sent as.
const PDF: &str = "application/pdf,.pdf";
const STAMP_WIDTH: f64 = 180.0;
const STAMP_HEIGHT: f64 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Stamp {
    page: i64,
    x: f64,
    y: f64,
    page_width: f64,
    page_height: f64,
}

/// The stamp centred where the page picture was clicked, kept inside the page. The
/// picture is rendered at 72 dpi: its natural size is the page's, in points.
fn stamp_at(ev: &leptos::ev::MouseEvent, page: i64) -> Option<Stamp> {
    let image: web_sys::HtmlImageElement = leptos::prelude::event_target(ev);
    let (natural_width, natural_height) = (
        f64::from(image.natural_width()),
        f64::from(image.natural_height()),
    );
    let (shown_width, shown_height) = (
        f64::from(image.client_width()),
        f64::from(image.client_height()),
    );
    if natural_width < STAMP_WIDTH
        || natural_height < STAMP_HEIGHT
        || shown_width <= 0.0
        || shown_height <= 0.0
    {
        return None;
    }
    let x = f64::from(ev.offset_x()) * natural_width / shown_width - STAMP_WIDTH / 2.0;
    let from_top = f64::from(ev.offset_y()) * natural_height / shown_height - STAMP_HEIGHT / 2.0;
    Some(Stamp {
        page,
        x: x.clamp(0.0, natural_width - STAMP_WIDTH).round(),
        y: (natural_height - from_top - STAMP_HEIGHT)
            .clamp(0.0, natural_height - STAMP_HEIGHT)
            .round(),
        page_width: natural_width,
        page_height: natural_height,
    })
}

#[component]
pub fn CollectionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let list = use_query(move || {
        session.version.track();
        let cabinet_id = session.cabinet.with(|c| c.as_ref().map(|c| c.id.clone()));
        async move {
            match cabinet_id {
                Some(cabinet_id) => api::run::<Collections>(collections::Variables { cabinet_id })
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });
    let actions = use_actions(|| {});

    let title = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let parallel = RwSignal::new(false);
    let navigate = use_navigate();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(cabinet) = session.cabinet.get_untracked() else {
            return;
        };
        let navigate = navigate.clone();
        let mode = if parallel.get_untracked() {
            SigningMode::Parallel
        } else {
            SigningMode::Sequential
        };
        let variables = create_collection::Variables {
            cabinet_id: cabinet.id,
            title: title.get_untracked(),
            message: message.get_untracked(),
            mode,
        };
        actions.run(async move {
            let created = api::run::<CreateCollection>(variables).await?;
            navigate(
                &format!("/collections/{}", created.create_collection.id),
                Default::default(),
            );
            Ok(())
        });
    };

    view! {
        <section class="card">
            <h2>{t!(i18n, cabinet.dashboard.collections)}</h2>
            {move || list.data.get().flatten().map(|d| {
                let (balance, available) = (d.credit.balance_cents, d.credit.available_cents);
                view! {
                    <p class="muted" data-testid="credit">{move || {
                        let locale = i18n.get_locale();
                        td_string!(locale, collections.credit_line, balance = text::euros(locale, balance), available = text::euros(locale, available)).to_string()
                    }}</p>
                    <div class="chips" data-testid="collection-counts">
                        {d.collection_counts.iter().map(|c| {
                            let (status, count) = (c.status.as_str(), c.count);
                            view! { <span class="chip">{move || td_string!(i18n.get_locale(), collections.status_count, status = text::collection_status(i18n.get_locale(), status), count).to_string()}</span> }
                        }).collect_view()}
                    </div>
                    <ul class="collection-list">
                        {d.collections.edges.clone().into_iter().map(|edge| {
                            let node = edge.node;
                            let status = node.status.as_str();
                            view! {
                                <li data-testid="collection-row">
                                    <A href=format!("/collections/{}", node.id)>{node.title.clone()}</A>
                                    <span class="badge">{move || text::collection_status(i18n.get_locale(), status)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
            })}
            <ErrorBanner error=move || actions.error().or_else(|| list.error.get()) testid="collections-error" />
        </section>
        // A closed cabinet says so above (with the way to open it): no form to fill in vain.
        <Show when=move || session.cabinet.with(|c| c.as_ref().is_some_and(|c| c.is_open))>
        <section class="card">
            <h2>{t!(i18n, cabinet.dashboard.new_collection)}</h2>
            <form on:submit=create.clone() class="stack">
                <label for="collection-title">{t!(i18n, collections.title)}</label>
                <input id="collection-title" required prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) />
                <label for="collection-message">{t!(i18n, collections.message)}</label>
                <textarea id="collection-message" prop:value=message on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                <Checkbox checked=parallel>{t!(i18n, collections.parallel)}</Checkbox>
                <button class="primary" type="submit" id="create-collection">{t!(i18n, collections.create)}</button>
            </form>
        </section>
        </Show>
    }
}

#[component]
pub fn CollectionPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    // Reloaded by every live event (the session's version).
    let query = use_query(move || {
        session.version.track();
        let variables = collection::Variables { id: id() };
        async move {
            api::run::<Collection>(variables)
                .await
                .map(|response| response.collection)
        }
    });
    let data = query.data;

    // Runs one mutation, then reloads; errors show under the page title.
    let actions = use_actions(move || query.reload());

    let progress = RwSignal::new(None::<u32>);
    // The signer being dragged to a new place in the order.
    let dragged = RwSignal::new(None::<String>);
    let upload = move |file: web_sys::File, kind: DocumentKind| {
        let query = "mutation($id: UUID!, $kind: DocumentKind!, $file: Upload!) { addDocument(collectionId: $id, kind: $kind, file: $file) { id } }";
        actions.run(api::upload(
            query,
            serde_json::json!({ "id": id(), "kind": kind }),
            file,
            Some(progress),
        ));
    };

    // Members and contacts to pick from (those matching the search: a cabinet may have
    // thousands), and the level every new signer gets.
    let signer_search = RwSignal::new(String::new());
    let choices = use_query(move || {
        let cabinet_id = session.cabinet.with(|c| c.as_ref().map(|c| c.id.clone()));
        let search = signer_search.get();
        async move {
            match cabinet_id {
                Some(cabinet_id) => {
                    let search = Some(search.trim().to_owned()).filter(|s| !s.is_empty());
                    api::run::<SignerChoices>(signer_choices::Variables { cabinet_id, search })
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        }
    });
    let level = RwSignal::new(1i64);
    // The language of the next signer's emails, SMS and page; none: their browser's, once
    // they open the link (French until then).
    let signer_language = RwSignal::new(None::<Language>);
    let picked = RwSignal::new(String::new());
    // Where the next signer's visible stamp goes: page, and the rectangle in points from
    // the page's bottom-left corner, with the page's size for drawing it.
    let stamp = RwSignal::new(None::<Stamp>);
    let stamp_page = RwSignal::new(1i64);
    let stamp_input = move || {
        stamp.get_untracked().map(|s| add_signer::StampInput {
            page: s.page,
            x: s.x,
            y: s.y,
            width: STAMP_WIDTH,
            height: STAMP_HEIGHT,
        })
    };
    let add_picked = move |_| {
        let choice = picked.get_untracked();
        let (user_id, contact_id) = match choice.split_once(':') {
            Some(("member", id)) => (Some(id.to_owned()), None),
            Some(("contact", id)) => (None, Some(id.to_owned())),
            _ => return,
        };
        let signer = add_signer::SignerInput {
            me: false,
            user_id,
            contact_id,
            first_name: None,
            last_name: None,
            email: None,
            mobile: None,
            level: level.get_untracked(),
            stamp: stamp_input(),
            language: signer_language.get_untracked().map(Into::into),
        };
        actions.run(async move {
            api::run::<AddSigner>(add_signer::Variables {
                collection_id: id(),
                signer,
            })
            .await?;
            picked.set(String::new());
            stamp.set(None);
            Ok(())
        });
    };

    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let signer = add_signer::SignerInput {
            me: false,
            user_id: None,
            contact_id: None,
            first_name: Some(first.get_untracked()),
            last_name: Some(last.get_untracked()),
            email: Some(email.get_untracked()),
            mobile: Some(mobile.get_untracked()),
            level: level.get_untracked(),
            stamp: stamp_input(),
            language: signer_language.get_untracked().map(Into::into),
        };
        actions.run(async move {
            api::run::<AddSigner>(add_signer::Variables {
                collection_id: id(),
                signer,
            })
            .await?;
            for field in [first, last, email, mobile] {
                field.set(String::new());
            }
            stamp.set(None);
            Ok(())
        });
    };
    let add_me = move |_| {
        let signer = add_signer::SignerInput {
            me: true,
            user_id: None,
            contact_id: None,
            first_name: None,
            last_name: None,
            email: None,
            mobile: None,
            level: level.get_untracked(),
            stamp: stamp_input(),
            language: signer_language.get_untracked().map(Into::into),
        };
        actions.run(async move {
            api::run::<AddSigner>(add_signer::Variables {
                collection_id: id(),
                signer,
            })
            .await?;
            stamp.set(None);
            Ok(())
        });
    };
    let launch = move |_| {
        actions.run(async move {
            api::run::<LaunchCollection>(launch_collection::Variables { id: id() })
                .await
                .map(|_| ())
        })
    };
    let remind = move |_| {
        actions.run(async move {
            api::run::<RemindCollection>(remind_collection::Variables { id: id() })
                .await
                .map(|_| ())
        })
    };
    let cancel = move || {
        actions.run(async move {
            api::run::<CancelCollection>(cancel_collection::Variables { id: id() })
                .await
                .map(|_| ())
        })
    };
    let cancel_question =
        move || td_string!(i18n.get_locale_untracked(), collections.confirm_cancel).to_string();

    view! {
        <ErrorBanner error=move || actions.error().or_else(|| query.error.get()) testid="collection-error" />
        {move || data.get().map(|c| {
            let draft = c.status == CollectionStatus::Draft;
            let active = c.status == CollectionStatus::Active;
            let collection_id = c.id.clone();
            let signer_count = c.signers.len() as i64;
            let (status, cost_cents) = (c.status.as_str(), c.cost_cents);
            view! {
                <section class="card">
                    <h2 data-testid="collection-title">{c.title.clone()}</h2>
                    <p><span class="badge" data-testid="collection-status">{move || text::collection_status(i18n.get_locale(), status)}</span>
                       {c.expires_at.clone().map(|at| view! { " · " {move || td_string!(i18n.get_locale(), collections.expires, date = text::date(i18n.get_locale(), &at)).to_string()} })}</p>
                    {(!c.message.is_empty()).then(|| view! { <p class="message">{c.message.clone()}</p> })}
                    <p class="muted">{move || td_string!(i18n.get_locale(), collections.cost, amount = text::euros(i18n.get_locale(), cost_cents)).to_string()}</p>
                    {draft.then(|| view! { <button class="primary" data-testid="launch" on:click=launch disabled=move || actions.pending()>{t!(i18n, collections.launch)}</button> })}
                    {(!draft).then(|| view! {
                        <a class="button" data-testid="proof-file" rel="external" download="" href=format!("/api/collections/{}/proof.zip", c.id)>{t!(i18n, collections.proof_file)}</a>
                    })}
                    {active.then(|| view! {
                        <button data-testid="remind" on:click=remind disabled=move || actions.pending()>{t!(i18n, collections.remind)}</button>
                        <ConfirmButton class="danger" testid="cancel" question=cancel_question on_confirm=cancel disabled=move || actions.pending()>{t!(i18n, collections.cancel)}</ConfirmButton>
                    })}
                </section>
                <section class="card">
                    <h3>{t!(i18n, collections.documents)}</h3>
                    <ul>
                        {c.documents.iter().map(|d| {
                            let (attachment, pages) = (d.kind == DocumentKind::Attachment, d.pages);
                            let meta = move || {
                                let locale = i18n.get_locale();
                                let kind = if attachment { td_string!(locale, public.signer.to_read) } else { td_string!(locale, public.signer.to_sign) };
                                td_string!(locale, public.signer.document_meta, kind, pages = text::pages(locale, pages)).to_string()
                            };
                            view! {
                                <li data-testid="document-row">
                                    <a href=format!("/api/collections/{}/documents/{}", collection_id, d.id) target="_blank" rel="noopener">{d.filename.clone()}</a>
                                    <span class="muted">" — "{meta}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <UploadProgress progress testid="upload-progress" />
                    {draft.then(|| view! {
                        <FilePicker id="upload" accept=PDF label_class="button ghost" on_file=move |file| upload(file, DocumentKind::ToSign)>{t!(i18n, collections.add_pdf)}</FilePicker>
                        " "
                        <FilePicker id="upload-attachment" accept=PDF label_class="button ghost" on_file=move |file| upload(file, DocumentKind::Attachment)>{t!(i18n, collections.add_attachment)}</FilePicker>
                    })}
                </section>
                <section class="card">
                    <h3>{t!(i18n, collections.signers)}</h3>
                    <ol class="signers">
                        {c.signers.iter().map(|s| {
                            let signer_id = s.id.clone();
                            let up = s.position - 1;
                            let down = s.position + 1;
                            let (id_up, id_down, id_remove) = (signer_id.clone(), signer_id.clone(), signer_id.clone());
                            let (id_drag, position) = (signer_id.clone(), s.position);
                            let (signer_status, signer_level) = (s.status.as_str(), s.level);
                            let name = format!("{} {}", s.first_name, s.last_name.to_uppercase());
                            let (label_up, label_down, label_remove) = {
                                let (a, b, c) = (name.clone(), name.clone(), name.clone());
                                (
                                    move || td_string!(i18n.get_locale(), collections.move_up, name = a.clone()).to_string(),
                                    move || td_string!(i18n.get_locale(), collections.move_down, name = b.clone()).to_string(),
                                    move || td_string!(i18n.get_locale(), collections.remove_signer, name = c.clone()).to_string(),
                                )
                            };
                            view! {
                                <li data-testid="signer-row" data-email=s.email.clone() draggable=if draft { "true" } else { "false" } class:draggable=draft
                                    on:dragstart=move |ev: leptos::ev::DragEvent| {
                                        dragged.set(Some(id_drag.clone()));
                                        if let Some(transfer) = ev.data_transfer() {
                                            let _ = transfer.set_data("text/plain", &id_drag);
                                        }
                                    }
                                    on:dragover=move |ev: leptos::ev::DragEvent| if draft { ev.prevent_default() }
                                    on:drop=move |ev: leptos::ev::DragEvent| {
                                        ev.prevent_default();
                                        let Some(sid) = dragged.get_untracked() else { return };
                                        dragged.set(None);
                                        actions.run(async move { api::run::<MoveSigner>(move_signer::Variables { collection_id: id(), signer_id: sid, position }).await.map(|_| ()) })
                                    }>
                                    <strong>{format!("{} {}", s.first_name, s.last_name.to_uppercase())}</strong>
                                    <span class="muted">{format!(" {} · {}", s.email, s.mobile)}</span>
                                    <span class="badge">{move || text::signer_status(i18n.get_locale(), signer_status)}</span>
                                    <span class="muted">" · "{t!(i18n, collections.level_of, level = signer_level)}</span>
                                    {s.refusal_reason.clone().map(|reason| view! { <p class="muted">{t!(i18n, collections.reason, reason = reason.clone())}</p> })}
                                    {draft.then(|| view! {
                                        <span class="member-actions">
                                            <button class="ghost" disabled={up < 1} aria-label=label_up on:click=move |_| { let sid = id_up.clone(); actions.run(async move { api::run::<MoveSigner>(move_signer::Variables { collection_id: id(), signer_id: sid, position: up }).await.map(|_| ()) }) }>"↑"</button>
                                            <button class="ghost" disabled={down > signer_count} aria-label=label_down on:click=move |_| { let sid = id_down.clone(); actions.run(async move { api::run::<MoveSigner>(move_signer::Variables { collection_id: id(), signer_id: sid, position: down }).await.map(|_| ()) }) }>"↓"</button>
                                            <button class="ghost danger" aria-label=label_remove on:click=move |_| { let sid = id_remove.clone(); actions.run(async move { api::run::<RemoveSigner>(remove_signer::Variables { collection_id: id(), signer_id: sid }).await.map(|_| ()) }) }>{t!(i18n, common.remove)}</button>
                                        </span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    {draft.then(|| {
                        let first_document = c.documents.iter().find(|d| d.kind != DocumentKind::Attachment).map(|d| (d.id.clone(), d.pages));
                        first_document.map(|(document_id, pages)| {
                            let collection_id = collection_id.clone();
                            view! {
                                <details class="stamp-picker" data-testid="stamp-picker">
                                    <summary>{t!(i18n, collections.stamp.title)}</summary>
                                    <p class="muted">{t!(i18n, collections.stamp.help)}</p>
                                    <label for="stamp-page">{t!(i18n, collections.stamp.page)}</label>
                                    <input id="stamp-page" type="number" min="1" max=pages.to_string() prop:value=move || stamp_page.get().to_string()
                                        on:input=move |ev| { stamp_page.set(event_target_value(&ev).parse().unwrap_or(1).clamp(1, pages)); stamp.set(None); } />
                                    <button type="button" class="link" on:click=move |_| stamp.set(None)>{t!(i18n, collections.stamp.none)}</button>
                                    <div class="page-preview">
                                        <img data-testid="page-preview" alt=move || td_string!(i18n.get_locale(), collections.stamp.preview_alt, page = stamp_page.get()).to_string()
                                            src=move || format!("/api/collections/{}/documents/{}/pages/{}.png", collection_id, document_id, stamp_page.get())
                                            on:click=move |ev| stamp.set(stamp_at(&ev, stamp_page.get_untracked())) />
                                        {move || stamp.get().map(|s| view! {
                                            <div class="stamp-box" data-testid="stamp-box" style=format!(
                                                "left:{:.2}%;top:{:.2}%;width:{:.2}%;height:{:.2}%",
                                                s.x / s.page_width * 100.0,
                                                (s.page_height - s.y - STAMP_HEIGHT) / s.page_height * 100.0,
                                                STAMP_WIDTH / s.page_width * 100.0,
                                                STAMP_HEIGHT / s.page_height * 100.0,
                                            )></div>
                                        })}
                                    </div>
                                </details>
                            }
                        })
                    })}
                    {draft.then(|| view! {
                        <label for="signer-level">{t!(i18n, collections.level)}</label>
                        <select id="signer-level" on:change=move |ev| level.set(event_target_value(&ev).parse().unwrap_or(1))>
                            {[1i64, 2, 3].into_iter().map(|l| view! { <option value=l.to_string() selected=move || level.get() == l>{move || text::signature_level(i18n.get_locale(), l)}</option> }).collect_view()}
                        </select>
                        <label for="signer-language">{t!(i18n, collections.signer_language)}</label>
                        <select id="signer-language" data-testid="signer-language" on:change=move |ev| signer_language.set(Language::from_tag(&event_target_value(&ev)))>
                            <option value="" selected=move || signer_language.get().is_none()>{t!(i18n, collections.signer_language_auto)}</option>
                            {Language::ALL.into_iter().map(|l| view! {
                                <option value=l.code() lang=l.code() selected=move || signer_language.get() == Some(l)>{language_name(l)}</option>
                            }).collect_view()}
                        </select>
                        <button class="ghost" data-testid="add-me" on:click=add_me>{t!(i18n, collections.add_me)}</button>
                        <div class="picker">
                            <label for="signer-search">{t!(i18n, collections.search_contacts)}</label>
                            <input id="signer-search" type="search" autocomplete="off"
                                prop:value=signer_search on:input=move |ev| signer_search.set(event_target_value(&ev)) />
                            <label for="signer-pick">{t!(i18n, collections.pick_signer)}</label>
                            <select id="signer-pick" prop:value=picked on:change=move |ev| picked.set(event_target_value(&ev))>
                                <option value="">{t!(i18n, collections.pick_nobody)}</option>
                                {move || choices.data.get().flatten().map(|c| {
                                    let members = c.cabinet.members.edges.into_iter().map(|e| e.node).map(|m| view! {
                                        <option value=format!("member:{}", m.user_id)>{format!("{} {} <{}>", m.first_name, m.last_name.to_uppercase(), m.email)}</option>
                                    }).collect_view();
                                    let shown = c.contacts.edges.len() as i64;
                                    let more = (c.contacts.total_count - shown).max(0);
                                    let contacts = c.contacts.edges.into_iter().map(|e| e.node).map(|p| view! {
                                        <option value=format!("contact:{}", p.id)>{format!("{} {} <{}>", p.first_name, p.last_name.to_uppercase(), p.email)}</option>
                                    }).collect_view();
                                    view! {
                                        <optgroup label=move || t_string!(i18n, collections.members)>{members}</optgroup>
                                        <optgroup label=move || t_string!(i18n, collections.contacts)>{contacts}</optgroup>
                                        {(more > 0).then(|| view! {
                                            <option disabled data-testid="more-contacts">{move || td_string!(i18n.get_locale(), collections.more_contacts, count = more).to_string()}</option>
                                        })}
                                    }
                                })}
                            </select>
                            <button class="ghost" data-testid="add-picked" on:click=add_picked disabled=move || picked.get().is_empty()>{t!(i18n, common.add)}</button>
                        </div>
                        <p class="muted">{t!(i18n, collections.new_person)}</p>
                        <form class="stack" on:submit=add>
                            <label for="signer-first">{t!(i18n, common.first_name)}</label>
                            <input id="signer-first" required autocomplete="off" prop:value=first on:input=move |ev| first.set(event_target_value(&ev)) />
                            <label for="signer-last">{t!(i18n, common.last_name)}</label>
                            <input id="signer-last" required autocomplete="off" prop:value=last on:input=move |ev| last.set(event_target_value(&ev)) />
                            <label for="signer-email">{t!(i18n, common.email)}</label>
                            <input id="signer-email" type="email" required autocomplete="off" prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                            <label for="signer-mobile">{t!(i18n, common.mobile)}</label>
                            <input id="signer-mobile" type="tel" placeholder="+33612345678" required autocomplete="off" prop:value=mobile on:input=move |ev| mobile.set(event_target_value(&ev)) />
                            <button type="submit">{t!(i18n, collections.add_signer)}</button>
                        </form>
                    })}
                </section>
                <section class="card">
                    <h3>{t!(i18n, collections.timeline)}</h3>
                    {(!c.audit_trail_intact).then(|| view! { <p class="error">{t!(i18n, collections.audit_broken)}</p> })}
                    <ol class="timeline" data-testid="timeline">
                        {c.audit_trail.iter().rev().map(|e| {
                            let (at, kind) = (e.at.clone(), e.kind.clone());
                            view! {
                                <li>{move || format!("{} — {}", text::date_time(i18n.get_locale(), &at), text::event(i18n.get_locale(), &kind))}</li>
                            }
                        }).collect_view()}
                    </ol>
                </section>
            }
        })}
    }
}
