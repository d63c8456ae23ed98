//! The cabinet's collections: list with counters by status, a new draft, and one
//! collection's page (documents, signers in order, launch, remind, cancel, download, live
//! timeline). Everything reloads when the live channel reports a change.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{self, add_signer, cancel_collection, collection, collections, create_collection, launch_collection, move_signer, remind_collection, remove_signer};
use crate::api::{signer_choices, AddSigner, CancelCollection, Collection, Collections, CreateCollection, LaunchCollection, MoveSigner, RemindCollection, RemoveSigner, SignerChoices};
use crate::i18n;
use crate::session::Session;

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
    let (natural_width, natural_height) = (f64::from(image.natural_width()), f64::from(image.natural_height()));
    let (shown_width, shown_height) = (f64::from(image.client_width()), f64::from(image.client_height()));
    if natural_width < STAMP_WIDTH || natural_height < STAMP_HEIGHT || shown_width <= 0.0 || shown_height <= 0.0 {
        return None;
    }
    let x = f64::from(ev.offset_x()) * natural_width / shown_width - STAMP_WIDTH / 2.0;
    let from_top = f64::from(ev.offset_y()) * natural_height / shown_height - STAMP_HEIGHT / 2.0;
    Some(Stamp {
        page,
        x: x.clamp(0.0, natural_width - STAMP_WIDTH).round(),
        y: (natural_height - from_top - STAMP_HEIGHT).clamp(0.0, natural_height - STAMP_HEIGHT).round(),
        page_width: natural_width,
        page_height: natural_height,
    })
}

fn euros(cents: i64) -> String {
    format!("{},{:02} €", cents / 100, cents.abs() % 100)
}

#[component]
pub fn CollectionsPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let data = RwSignal::new(None::<collections::ResponseData>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let _ = session.version.get();
        let Some(cabinet) = session.cabinet.get() else { return };
        spawn_local(async move {
            match api::run::<Collections>(collections::Variables { cabinet_id: cabinet.id }).await {
                Ok(response) => data.set(Some(response)),
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    });

    let title = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let parallel = RwSignal::new(false);
    let navigate = use_navigate();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(cabinet) = session.cabinet.get_untracked() else { return };
        let navigate = navigate.clone();
        spawn_local(async move {
            let mode = if parallel.get_untracked() { create_collection::SigningMode::PARALLEL } else { create_collection::SigningMode::SEQUENTIAL };
            let variables = create_collection::Variables { cabinet_id: cabinet.id, title: title.get_untracked(), message: message.get_untracked(), mode };
            match api::run::<CreateCollection>(variables).await {
                Ok(created) => navigate(&format!("/collections/{}", created.create_collection.id), Default::default()),
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };

    view! {
        <section class="card">
            <h2>{i18n::COLLECTIONS}</h2>
            {move || data.get().map(|d| view! {
                <p class="muted" data-testid="credit">{format!("{} : {} ({} {})", i18n::CREDIT, euros(d.credit.balance_cents), euros(d.credit.available_cents), i18n::AVAILABLE)}</p>
                <div class="chips" data-testid="collection-counts">
                    {d.collection_counts.iter().map(|c| view! { <span class="chip">{format!("{} : {}", i18n::status_label(&format!("{:?}", c.status)), c.count)}</span> }).collect_view()}
                </div>
                <ul class="collection-list">
                    {d.collections.edges.clone().into_iter().map(|edge| {
                        let node = edge.node;
                        view! {
                            <li data-testid="collection-row">
                                <A href=format!("/collections/{}", node.id)>{node.title.clone()}</A>
                                <span class="badge">{i18n::status_label(&format!("{:?}", node.status))}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
        <section class="card">
            <h2>{i18n::NEW_COLLECTION}</h2>
            <form on:submit=create class="stack">
                <label for="collection-title">{i18n::TITLE}</label>
                <input id="collection-title" required prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) />
                <label for="collection-message">{i18n::MESSAGE}</label>
                <textarea id="collection-message" prop:value=message on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                <label class="check"><input type="checkbox" prop:checked=parallel on:change=move |ev| parallel.set(event_target_checked(&ev)) />{i18n::PARALLEL}</label>
                <button class="primary" type="submit" id="create-collection">{i18n::CREATE}</button>
            </form>
        </section>
    }
}

#[component]
pub fn CollectionPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = RwSignal::new(None::<collection::CollectionCollection>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::run::<Collection>(collection::Variables { id: id() }).await {
                Ok(response) => data.set(Some(response.collection)),
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };
    Effect::new(move |_| {
        let _ = session.version.get();
        load();
    });

    // Runs one mutation, then reloads; errors show under the page title.
    let act = api::action_runner(pending, error, load);

    let progress = RwSignal::new(None::<u32>);
    // The signer being dragged to a new place in the order.
    let dragged = RwSignal::new(None::<String>);
    let upload = move |ev: leptos::ev::Event, kind: &'static str| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        input.set_value("");
        let query = "mutation($id: UUID!, $kind: DocumentKind!, $file: Upload!) { addDocument(collectionId: $id, kind: $kind, file: $file) { id } }";
        act(Box::pin(api::upload(query, serde_json::json!({ "id": id(), "kind": kind }), file, Some(progress))));
    };
    let on_file = move |ev: leptos::ev::Event| upload(ev, "TO_SIGN");
    let on_attachment = move |ev: leptos::ev::Event| upload(ev, "ATTACHMENT");

    // Members and contacts to pick from, and the level every new signer gets.
    let choices = RwSignal::new(None::<signer_choices::ResponseData>);
    Effect::new(move |_| {
        let Some(cabinet) = session.cabinet.get() else { return };
        spawn_local(async move {
            if let Ok(data) = api::run::<SignerChoices>(signer_choices::Variables { cabinet_id: cabinet.id }).await {
                choices.set(Some(data));
            }
        });
    });
    let level = RwSignal::new(1i64);
    let picked = RwSignal::new(String::new());
    // Where the next signer's visible stamp goes: page, and the rectangle in points from
    // the page's bottom-left corner, with the page's size for drawing it.
    let stamp = RwSignal::new(None::<Stamp>);
    let stamp_page = RwSignal::new(1i64);
    let stamp_input = move || {
        stamp.get_untracked().map(|s| add_signer::StampInput { page: s.page, x: s.x, y: s.y, width: STAMP_WIDTH, height: STAMP_HEIGHT })
    };
    let add_picked = move |_| {
        let choice = picked.get_untracked();
        let (user_id, contact_id) = match choice.split_once(':') {
            Some(("member", id)) => (Some(id.to_owned()), None),
            Some(("contact", id)) => (None, Some(id.to_owned())),
            _ => return,
        };
        let signer = add_signer::SignerInput { me: false, user_id, contact_id, first_name: None, last_name: None, email: None, mobile: None, level: level.get_untracked(), stamp: stamp_input() };
        act(Box::pin(async move {
            api::run::<AddSigner>(add_signer::Variables { collection_id: id(), signer }).await?;
            picked.set(String::new());
            stamp.set(None);
            Ok(())
        }));
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
        };
        act(Box::pin(async move {
            api::run::<AddSigner>(add_signer::Variables { collection_id: id(), signer }).await?;
            for field in [first, last, email, mobile] {
                field.set(String::new());
            }
            stamp.set(None);
            Ok(())
        }));
    };
    let add_me = move |_| {
        let signer = add_signer::SignerInput { me: true, user_id: None, contact_id: None, first_name: None, last_name: None, email: None, mobile: None, level: level.get_untracked(), stamp: stamp_input() };
        act(Box::pin(async move {
            api::run::<AddSigner>(add_signer::Variables { collection_id: id(), signer }).await?;
            stamp.set(None);
            Ok(())
        }));
    };
    let launch = move |_| act(Box::pin(async move { api::run::<LaunchCollection>(launch_collection::Variables { id: id() }).await.map(|_| ()) }));
    let remind = move |_| act(Box::pin(async move { api::run::<RemindCollection>(remind_collection::Variables { id: id() }).await.map(|_| ()) }));
    let cancel = move |_| {
        let confirmed = web_sys::window().and_then(|w| w.confirm_with_message(i18n::CONFIRM_CANCEL).ok()).unwrap_or(false);
        if confirmed {
            act(Box::pin(async move { api::run::<CancelCollection>(cancel_collection::Variables { id: id() }).await.map(|_| ()) }));
        }
    };

    view! {
        {move || error.get().map(|m| view! { <p class="error" role="alert" data-testid="collection-error">{m}</p> })}
        {move || data.get().map(|c| {
            use collection::CollectionStatus as S;
            let draft = matches!(c.status, S::DRAFT);
            let active = matches!(c.status, S::ACTIVE);
            let collection_id = c.id.clone();
            let signer_count = c.signers.len() as i64;
            view! {
                <section class="card">
                    <h2 data-testid="collection-title">{c.title.clone()}</h2>
                    <p><span class="badge" data-testid="collection-status">{i18n::status_label(&format!("{:?}", c.status))}</span>
                       {c.expires_at.clone().map(|at| format!(" · {} {}", i18n::EXPIRES, at.get(..10).unwrap_or(&at).to_owned()))}</p>
                    {(!c.message.is_empty()).then(|| view! { <p class="message">{c.message.clone()}</p> })}
                    <p class="muted">{format!("{} : {}", i18n::COST, euros(c.cost_cents))}</p>
                    {draft.then(|| view! { <button class="primary" data-testid="launch" on:click=launch disabled=move || pending.get()>{i18n::LAUNCH}</button> })}
                    {(!draft).then(|| view! {
                        <a class="button" data-testid="proof-file" href=format!("/api/collections/{}/proof.zip", c.id)>{i18n::PROOF_FILE}</a>
                    })}
                    {active.then(|| view! {
                        <button data-testid="remind" on:click=remind disabled=move || pending.get()>{i18n::REMIND}</button>
                        <button class="danger" data-testid="cancel" on:click=cancel disabled=move || pending.get()>{i18n::CANCEL}</button>
                    })}
                </section>
                <section class="card">
                    <h3>{i18n::DOCUMENTS}</h3>
                    <ul>
                        {c.documents.iter().map(|d| view! {
                            <li data-testid="document-row">
                                <a href=format!("/api/collections/{}/documents/{}", collection_id, d.id) target="_blank" rel="noopener">{d.filename.clone()}</a>
                                <span class="muted">{format!(" — {} · {}", if matches!(d.kind, collection::DocumentKind::ATTACHMENT) { i18n::ATTACHMENT } else { i18n::TO_SIGN }, i18n::pages(d.pages))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                    {move || progress.get().map(|p| view! {
                        <progress data-testid="upload-progress" max="100" value=p.to_string()>{format!("{p} %")}</progress>
                    })}
                    {draft.then(|| view! {
                        <label class="button" for="upload">{i18n::ADD_PDF}</label>
                        <input id="upload" class="visually-hidden" type="file" accept="application/pdf,.pdf" on:change=on_file />
                        " "
                        <label class="button ghost" for="upload-attachment">{i18n::ADD_ATTACHMENT}</label>
                        <input id="upload-attachment" class="visually-hidden" type="file" accept="application/pdf,.pdf" on:change=on_attachment />
                    })}
                </section>
                <section class="card">
                    <h3>{i18n::SIGNERS}</h3>
                    <ol class="signers">
                        {c.signers.iter().map(|s| {
                            let signer_id = s.id.clone();
                            let up = s.position - 1;
                            let down = s.position + 1;
                            let (id_up, id_down, id_remove) = (signer_id.clone(), signer_id.clone(), signer_id.clone());
                            let (id_drag, position) = (signer_id.clone(), s.position);
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
                                        act(Box::pin(async move { api::run::<MoveSigner>(move_signer::Variables { collection_id: id(), signer_id: sid, position }).await.map(|_| ()) }))
                                    }>
                                    <strong>{format!("{} {}", s.first_name, s.last_name.to_uppercase())}</strong>
                                    <span class="muted">{format!(" {} · {}", s.email, s.mobile)}</span>
                                    <span class="badge">{i18n::signer_status_label(&format!("{:?}", s.status))}</span>
                                    <span class="muted">{format!(" · {} {}", i18n::LEVEL, s.level)}</span>
                                    {s.refusal_reason.clone().map(|r| view! { <p class="muted">{format!("{} : {r}", i18n::REASON)}</p> })}
                                    {draft.then(|| view! {
                                        <span class="member-actions">
                                            <button class="ghost" disabled={up < 1} on:click=move |_| { let sid = id_up.clone(); act(Box::pin(async move { api::run::<MoveSigner>(move_signer::Variables { collection_id: id(), signer_id: sid, position: up }).await.map(|_| ()) })) }>"↑"</button>
                                            <button class="ghost" disabled={down > signer_count} on:click=move |_| { let sid = id_down.clone(); act(Box::pin(async move { api::run::<MoveSigner>(move_signer::Variables { collection_id: id(), signer_id: sid, position: down }).await.map(|_| ()) })) }>"↓"</button>
                                            <button class="ghost danger" on:click=move |_| { let sid = id_remove.clone(); act(Box::pin(async move { api::run::<RemoveSigner>(remove_signer::Variables { collection_id: id(), signer_id: sid }).await.map(|_| ()) })) }>{i18n::REMOVE}</button>
                                        </span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    {draft.then(|| {
                        let first_document = c.documents.iter().find(|d| !matches!(d.kind, collection::DocumentKind::ATTACHMENT)).map(|d| (d.id.clone(), d.pages));
                        first_document.map(|(document_id, pages)| {
                            let collection_id = collection_id.clone();
                            view! {
                                <details class="stamp-picker" data-testid="stamp-picker">
                                    <summary>{i18n::STAMP_TITLE}</summary>
                                    <p class="muted">{i18n::STAMP_HELP}</p>
                                    <label for="stamp-page">{i18n::STAMP_PAGE}</label>
                                    <input id="stamp-page" type="number" min="1" max=pages.to_string() prop:value=move || stamp_page.get().to_string()
                                        on:input=move |ev| { stamp_page.set(event_target_value(&ev).parse().unwrap_or(1).clamp(1, pages)); stamp.set(None); } />
                                    <button type="button" class="link" on:click=move |_| stamp.set(None)>{i18n::STAMP_NONE}</button>
                                    <div class="page-preview">
                                        <img data-testid="page-preview" alt=i18n::STAMP_TITLE
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
                        <label for="signer-level">{i18n::LEVEL}</label>
                        <select id="signer-level" on:change=move |ev| level.set(event_target_value(&ev).parse().unwrap_or(1))>
                            {[1i64, 2, 3].into_iter().map(|l| view! { <option value=l.to_string() selected=move || level.get() == l>{i18n::level_label(l)}</option> }).collect_view()}
                        </select>
                        <button class="ghost" data-testid="add-me" on:click=add_me>{i18n::ADD_ME}</button>
                        <div class="picker">
                            <label for="signer-pick">{i18n::PICK_SIGNER}</label>
                            <select id="signer-pick" prop:value=picked on:change=move |ev| picked.set(event_target_value(&ev))>
                                <option value="">{i18n::PICK_NOBODY}</option>
                                {move || choices.get().map(|c| {
                                    let members = c.cabinet.members.edges.into_iter().map(|e| e.node).map(|m| view! {
                                        <option value=format!("member:{}", m.user_id)>{format!("{} {} <{}>", m.first_name, m.last_name.to_uppercase(), m.email)}</option>
                                    }).collect_view();
                                    let contacts = c.contacts.into_iter().map(|p| view! {
                                        <option value=format!("contact:{}", p.id)>{format!("{} {} <{}>", p.first_name, p.last_name.to_uppercase(), p.email)}</option>
                                    }).collect_view();
                                    view! { <optgroup label=i18n::MEMBERS>{members}</optgroup><optgroup label=i18n::CONTACTS>{contacts}</optgroup> }
                                })}
                            </select>
                            <button class="ghost" data-testid="add-picked" on:click=add_picked disabled=move || picked.get().is_empty()>{i18n::ADD}</button>
                        </div>
                        <p class="muted">{i18n::NEW_PERSON}</p>
                        <form class="stack" on:submit=add>
                            <input placeholder=i18n::FIRST_NAME required prop:value=first on:input=move |ev| first.set(event_target_value(&ev)) />
                            <input placeholder=i18n::LAST_NAME required prop:value=last on:input=move |ev| last.set(event_target_value(&ev)) />
                            <input type="email" placeholder=i18n::EMAIL required prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                            <input type="tel" placeholder="+33612345678" required prop:value=mobile on:input=move |ev| mobile.set(event_target_value(&ev)) />
                            <button type="submit">{i18n::ADD_SIGNER}</button>
                        </form>
                    })}
                </section>
                <section class="card">
                    <h3>{i18n::TIMELINE}</h3>
                    {(!c.audit_trail_intact).then(|| view! { <p class="error">{i18n::AUDIT_BROKEN}</p> })}
                    <ol class="timeline" data-testid="timeline">
                        {c.audit_trail.iter().rev().map(|e| view! {
                            <li>{format!("{} — {}", e.at.get(..16).unwrap_or(&e.at).replace('T', " "), i18n::event_label(&e.kind))}</li>
                        }).collect_view()}
                    </ol>
                </section>
            }
        })}
    }
}
