//! The cabinet's contacts (`/contacts`): search, create, edit, delete; a CSV file imported
//! after a preview of what becomes of each line; the list exported as CSV.

use leptos::html;
use leptos::prelude::*;
use paraphe_shared::{
    ClientReference, Company, Email, ErrorCode, PersonName, PhoneE164, ValidationError,
};

use crate::api::{
    self, contacts, create_contact, delete_contact, import_contacts, preview_contact_import,
    update_contact, Contacts, CreateContact, DeleteContact, ImportContacts, PreviewContactImport,
    UpdateContact,
};
use crate::components::{
    selected_file, ConfirmButton, ErrorBanner, ErrorCard, ErrorNotice, Loading, UploadProgress,
};
use crate::enums::{ContactField, CsvEncoding, ImportOutcome, ImportProblemKind};
use crate::hooks::{use_actions, use_query, Actions};
use crate::i18n::*;
use crate::session::Session;
use crate::text;

/// Contacts shown at first, and added by "Show more".
const PAGE: i64 = 50;
/// Lines of a preview shown: a file wrong throughout is fixed at its source, not read here.
const PREVIEW_LINES: usize = 200;

type ContactRow = contacts::ContactsContactsEdgesNode;
type Preview = preview_contact_import::PreviewContactImportPreviewContactImport;
type PreviewLine = preview_contact_import::PreviewContactImportPreviewContactImportLines;

#[component]
pub fn ContactsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let search = RwSignal::new(String::new());
    let shown = RwSignal::new(PAGE);
    let list = use_query(move || {
        session.version.track();
        let cabinet_id = session.cabinet_id();
        let search = Some(search.get()).filter(|s| !s.trim().is_empty());
        let first = shown.get();
        async move {
            let Some(cabinet_id) = cabinet_id else {
                return Ok(None);
            };
            let variables = contacts::Variables {
                cabinet_id,
                search,
                first,
            };
            Ok(Some(api::run::<Contacts>(variables).await?.contacts))
        }
    });
    let actions = use_actions(move || list.reload());
    let editing = RwSignal::new(None::<String>);
    let export_href = move || {
        session.cabinet.with(|c| {
            c.as_ref()
                .map(|c| format!("/api/cabinets/{}/contacts.csv", c.id))
        })
    };

    view! {
        <section class="card">
            <h2>{t!(i18n, contacts.title)}</h2>
            <p class="muted">{t!(i18n, contacts.intro)}</p>
            <div class="row-actions">
                // A download, not a page of the app: the router leaves it to the browser.
                <a class="button ghost" data-testid="contacts-export" rel="external" download=""
                    href=export_href>{t!(i18n, contacts.export)}</a>
            </div>
        </section>
        <NewContact actions />
        <Import on_imported=move || list.reload() />
        <section class="card">
            <label for="contact-search">{t!(i18n, contacts.search)}</label>
            <input id="contact-search" type="search" autocomplete="off" prop:value=search
                on:input=move |ev| {
                    shown.set(PAGE);
                    search.set(event_target_value(&ev));
                } />
            <ErrorBanner error=move || actions.error() testid="contacts-error" />
            {move || match (list.data.get().flatten(), list.error.get()) {
                (_, Some(e)) if e.code == ErrorCode::CabinetNotOpen => view! { <ErrorCard error=e testid="cabinet-closed" /> }.into_any(),
                (_, Some(e)) => view! { <ErrorNotice error=e /> }.into_any(),
                (None, None) => view! { <Loading /> }.into_any(),
                (Some(page), None) => {
                    let total = page.total_count;
                    let more = page.page_info.has_next_page;
                    let empty = page.edges.is_empty();
                    let searching = !search.get_untracked().trim().is_empty();
                    view! {
                        <p class="muted" data-testid="contacts-count" data-count=total.to_string()>
                            {move || td_string!(i18n.get_locale(), contacts.count, count = total).to_string()}
                        </p>
                        {empty.then(|| view! {
                            <p class="muted" data-testid="contacts-empty">
                                {move || if searching { t_string!(i18n, contacts.no_match) } else { t_string!(i18n, contacts.none) }}
                            </p>
                        })}
                        <ul class="rows" data-testid="contacts">
                            {page.edges.into_iter().map(|edge| view! { <Row contact=edge.node editing actions /> }).collect_view()}
                        </ul>
                        {more.then(|| view! {
                            <button class="ghost" data-testid="contacts-more" on:click=move |_| shown.update(|n| *n += PAGE)>
                                {t!(i18n, contacts.more)}
                            </button>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The fields of a contact's form, as typed.
#[derive(Clone, Copy)]
struct Fields {
    first_name: RwSignal<String>,
    last_name: RwSignal<String>,
    email: RwSignal<String>,
    mobile: RwSignal<String>,
    company: RwSignal<String>,
    client_reference: RwSignal<String>,
    /// What the app's own check found wrong, field by field.
    problems: RwSignal<Vec<(ContactField, ValidationError)>>,
}

impl Fields {
    fn new(contact: Option<&ContactRow>) -> Self {
        let value = |pick: fn(&ContactRow) -> &String| {
            RwSignal::new(contact.map(|c| pick(c).clone()).unwrap_or_default())
        };
        Fields {
            first_name: value(|c| &c.first_name),
            last_name: value(|c| &c.last_name),
            email: value(|c| &c.email),
            mobile: RwSignal::new(contact.map(|c| national(&c.mobile)).unwrap_or_default()),
            company: value(|c| &c.company),
            client_reference: value(|c| &c.client_reference),
            problems: RwSignal::new(Vec::new()),
        }
    }

    /// The input to send, once every field passes the checks the server makes; else the
    /// problems are shown and nothing is sent.
    fn checked(&self) -> Option<create_contact::ContactInput> {
        let mut problems = Vec::new();
        let mut check = |field, result: Result<(), ValidationError>| {
            if let Err(e) = result {
                problems.push((field, e));
            }
        };
        let (first_name, last_name, email, mobile, company, client_reference) = (
            self.first_name.get_untracked(),
            self.last_name.get_untracked(),
            self.email.get_untracked(),
            self.mobile.get_untracked(),
            self.company.get_untracked(),
            self.client_reference.get_untracked(),
        );
        check(
            ContactField::FirstName,
            PersonName::parse(&first_name).map(drop),
        );
        check(
            ContactField::LastName,
            PersonName::parse(&last_name).map(drop),
        );
        check(ContactField::Email, Email::parse(&email).map(drop));
        check(ContactField::Mobile, PhoneE164::parse(&mobile).map(drop));
        check(ContactField::Company, Company::parse(&company).map(drop));
        check(
            ContactField::ClientReference,
            ClientReference::parse(&client_reference).map(drop),
        );
        let ok = problems.is_empty();
        self.problems.set(problems);
        ok.then_some(create_contact::ContactInput {
            first_name,
            last_name,
            email,
            mobile,
            company,
            client_reference,
        })
    }

    fn clear(&self) {
        for field in [
            self.first_name,
            self.last_name,
            self.email,
            self.mobile,
            self.company,
            self.client_reference,
        ] {
            field.set(String::new());
        }
        self.problems.set(Vec::new());
    }
}

/// How a French reader writes a stored mobile (`06 12 34 56 78`), else as stored.
fn national(mobile: &str) -> String {
    PhoneE164::parse(mobile)
        .map(|m| m.display_national())
        .unwrap_or_else(|_| mobile.to_owned())
}

/// A contact's fields, stacked, each with what is wrong with it; `prefix` keeps the ids of
/// the new contact's form and of the one being edited apart.
#[component]
fn ContactFields(fields: Fields, prefix: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |name: &'static str,
                      which: ContactField,
                      kind: &'static str,
                      autocomplete: &'static str,
                      value: RwSignal<String>,
                      optional: bool| {
        let id = format!("{prefix}-{name}");
        let error_id = format!("{id}-error");
        let problem = move || {
            fields
                .problems
                .with(|p| p.iter().find(|(f, _)| *f == which).map(|(_, e)| e.clone()))
        };
        let described = {
            let error_id = error_id.clone();
            move || problem().is_some().then(|| error_id.clone())
        };
        view! {
            <label for=id.clone()>
                {move || text::contact_field(i18n.get_locale(), which)}
                {optional.then(|| view! { " " <span class="muted">"("{t!(i18n, contacts.optional)}")"</span> })}
            </label>
            <input id=id type=kind autocomplete=autocomplete required=!optional
                aria-invalid=move || problem().is_some().then_some("true")
                aria-describedby=described
                prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
            {(which == ContactField::Mobile).then(|| view! { <p class="muted hint">{t!(i18n, contacts.mobile_help)}</p> })}
            {move || problem().map(|e| view! {
                <p class="error" id=error_id.clone() data-testid="field-error" data-field=which.as_str()>
                    {move || text::invalid_input(i18n.get_locale(), &e)}
                </p>
            })}
        }
    };
    view! {
        {field("first-name", ContactField::FirstName, "text", "off", fields.first_name, false)}
        {field("last-name", ContactField::LastName, "text", "off", fields.last_name, false)}
        {field("email", ContactField::Email, "email", "off", fields.email, false)}
        {field("mobile", ContactField::Mobile, "tel", "off", fields.mobile, false)}
        {field("company", ContactField::Company, "text", "off", fields.company, true)}
        {field("client-reference", ContactField::ClientReference, "text", "off", fields.client_reference, true)}
    }
}

#[component]
fn NewContact(actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let open = RwSignal::new(false);
    let fields = Fields::new(None);
    let created = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        let (Some(cabinet_id), Some(input)) = (session.cabinet_id(), fields.checked()) else {
            return;
        };
        actions.run(async move {
            let contact =
                api::run::<CreateContact>(create_contact::Variables { cabinet_id, input })
                    .await?
                    .create_contact;
            created.set(Some(format!(
                "{} {}",
                contact.first_name, contact.last_name
            )));
            fields.clear();
            open.set(false);
            Ok(())
        });
    };
    view! {
        <section class="card">
            {move || created.get().map(|name| view! {
                <p class="success" role="status" data-testid="contact-created">
                    {move || td_string!(i18n.get_locale(), contacts.created, name = name.clone()).to_string()}
                </p>
            })}
            <Show when=move || !open.get()>
                <button class="primary" data-testid="new-contact" on:click=move |_| { created.set(None); open.set(true) }>
                    {t!(i18n, contacts.new_contact)}
                </button>
            </Show>
            <Show when=move || open.get()>
                <form class="stacked" on:submit=submit data-testid="new-contact-form" novalidate>
                    <h2>{t!(i18n, contacts.new_contact)}</h2>
                    <ContactFields fields prefix="new-contact" />
                    <div class="row-actions form-actions">
                        <button class="primary" type="submit" id="create-contact" disabled=move || actions.pending()>
                            {t!(i18n, common.create)}
                        </button>
                        <button class="ghost" type="button" on:click=move |_| { fields.clear(); open.set(false) }>
                            {t!(i18n, contacts.cancel)}
                        </button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

/// A contact of the list, or its form while it is being edited.
#[component]
fn Row(contact: ContactRow, editing: RwSignal<Option<String>>, actions: Actions) -> impl IntoView {
    let email = contact.email.clone();
    let id = contact.id.clone();
    let is_editing = move || editing.with(|e| e.as_deref() == Some(id.as_str()));
    view! {
        <li data-testid="contact-row" data-email=email>
            {move || if is_editing() {
                view! { <EditContact contact=contact.clone() editing actions /> }.into_any()
            } else {
                view! { <ContactSummary contact=contact.clone() editing actions /> }.into_any()
            }}
        </li>
    }
}

#[component]
fn ContactSummary(
    contact: ContactRow,
    editing: RwSignal<Option<String>>,
    actions: Actions,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = format!("{} {}", contact.first_name, contact.last_name);
    let delete = {
        let id = contact.id.clone();
        move || {
            let id = id.clone();
            actions.run(async move {
                api::run::<DeleteContact>(delete_contact::Variables { id })
                    .await
                    .map(drop)
            });
        }
    };
    let question = {
        let name = name.clone();
        move || {
            td_string!(
                i18n.get_locale_untracked(),
                contacts.confirm_delete,
                name = name.clone()
            )
            .to_string()
        }
    };
    let edit_label =
        move || td_string!(i18n.get_locale(), contacts.edit_of, name = name.clone()).to_string();
    let id = contact.id.clone();
    let mut details = vec![contact.email.clone(), national(&contact.mobile)];
    if !contact.company.is_empty() {
        details.insert(0, contact.company.clone());
    }
    let reference =
        (!contact.client_reference.is_empty()).then(|| contact.client_reference.clone());
    view! {
        <span class="contact-id">
            <strong>{format!("{} {}", contact.first_name, contact.last_name.to_uppercase())}</strong>
            {reference.map(|r| view! { " " <span class="badge" data-testid="contact-reference">{r}</span> })}
            <br /><span class="muted" data-testid="contact-details">{details.join(" · ")}</span>
        </span>
        <span class="row-actions">
            <button class="ghost" data-testid="edit-contact" aria-label=edit_label
                disabled=move || actions.pending() on:click=move |_| editing.set(Some(id.clone()))>
                {t!(i18n, contacts.edit)}
            </button>
            <ConfirmButton class="ghost danger" testid="delete-contact" question on_confirm=delete
                disabled=Signal::derive(move || actions.pending())>{t!(i18n, contacts.delete)}</ConfirmButton>
        </span>
    }
}

#[component]
fn EditContact(
    contact: ContactRow,
    editing: RwSignal<Option<String>>,
    actions: Actions,
) -> impl IntoView {
    let i18n = use_i18n();
    let fields = Fields::new(Some(&contact));
    let id = contact.id;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = fields.checked() else {
            return;
        };
        let input = update_contact::ContactInput {
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            mobile: input.mobile,
            company: input.company,
            client_reference: input.client_reference,
        };
        let id = id.clone();
        actions.run(async move {
            api::run::<UpdateContact>(update_contact::Variables { id, input }).await?;
            editing.set(None);
            Ok(())
        });
    };
    view! {
        <form class="stacked contact-edit" on:submit=save data-testid="edit-contact-form" novalidate>
            <ContactFields fields prefix="edit-contact" />
            <div class="row-actions form-actions">
                <button class="primary" type="submit" id="save-contact" disabled=move || actions.pending()>
                    {t!(i18n, contacts.save)}
                </button>
                <button class="ghost" type="button" on:click=move |_| editing.set(None)>{t!(i18n, contacts.cancel)}</button>
            </div>
        </form>
    }
}

/// The CSV import: choosing a file shows what becomes of each line; "Import" then sends
/// the same file again, and the server does what it showed.
#[component]
fn Import(on_imported: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let input = NodeRef::<html::Input>::new();
    let preview = RwSignal::new(None::<(String, Preview)>);
    let done = RwSignal::new(None::<import_contacts::ImportContactsImportContacts>);
    let progress = RwSignal::new(None::<u32>);
    let actions = use_actions(|| {});

    let check = move |_| {
        let (Some(cabinet_id), Some(file)) = (session.cabinet_id(), selected_file(input)) else {
            return;
        };
        preview.set(None);
        done.set(None);
        let name = file.name();
        actions.run(async move {
            // The lines to look at; the others become new contacts or are already up to date.
            let variables = preview_contact_import::Variables {
                cabinet_id,
                file: (),
                outcomes: Some(vec![
                    ImportOutcome::Invalid,
                    ImportOutcome::Duplicate,
                    ImportOutcome::Update,
                ]),
            };
            let answer =
                api::upload_operation::<PreviewContactImport>(variables, file, Some(progress))
                    .await?;
            preview.set(Some((name, answer.preview_contact_import)));
            Ok(())
        });
    };
    let forget_file = move || {
        if let Some(input) = input.get_untracked() {
            input.set_value("");
        }
        preview.set(None);
    };
    let import = move |_| {
        let (Some(cabinet_id), Some(file)) = (session.cabinet_id(), selected_file(input)) else {
            return;
        };
        actions.run(async move {
            let variables = import_contacts::Variables {
                cabinet_id,
                file: (),
            };
            let answer =
                api::upload_operation::<ImportContacts>(variables, file, Some(progress)).await?;
            done.set(Some(answer.import_contacts));
            forget_file();
            on_imported();
            Ok(())
        });
    };

    view! {
        <section class="card" data-testid="contacts-import">
            <h2>{t!(i18n, contacts.import.title)}</h2>
            <p class="muted">{t!(i18n, contacts.import.help)}</p>
            <label class="button ghost" for="contacts-file">{t!(i18n, contacts.import.choose)}</label>
            <input id="contacts-file" class="visually-hidden" type="file" accept=".csv,.txt,text/csv,text/plain"
                node_ref=input on:change=check />
            <UploadProgress progress testid="import-progress" />
            <ErrorBanner error=move || actions.error() testid="import-error" />
            {move || done.get().map(|r| {
                let skipped = r.duplicates + r.invalid;
                view! {
                    <p class="success" role="status" data-testid="import-done">
                        {move || td_string!(i18n.get_locale(), contacts.import.done,
                            created = r.created, updated = r.updated, skipped = skipped).to_string()}
                    </p>
                }
            })}
            {move || preview.get().map(|(name, p)| view! {
                <PreviewView name preview=p
                    pending=Signal::derive(move || actions.pending())
                    on_import=import on_cancel=move |_| forget_file() />
            })}
        </section>
    }
}

#[component]
fn PreviewView(
    name: String,
    preview: Preview,
    pending: Signal<bool>,
    on_import: impl Fn(leptos::ev::MouseEvent) + 'static,
    on_cancel: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let importable = preview.create_count + preview.update_count;
    let encoding = preview.encoding;
    let delimiter = preview.delimiter.clone();
    let read_as = move || {
        let locale = i18n.get_locale();
        let encoding = match encoding {
            CsvEncoding::Windows1252 => td_string!(locale, contacts.encoding.windows1252),
            CsvEncoding::Utf16 => td_string!(locale, contacts.encoding.utf16),
            CsvEncoding::Utf8 | CsvEncoding::Unknown => td_string!(locale, contacts.encoding.utf8),
        };
        let delimiter = match delimiter.as_str() {
            "," => td_string!(locale, contacts.delimiter.comma),
            "\t" => td_string!(locale, contacts.delimiter.tab),
            _ => td_string!(locale, contacts.delimiter.semicolon),
        };
        td_string!(
            locale,
            contacts.import.read_as,
            encoding = encoding,
            delimiter = delimiter
        )
        .to_string()
    };
    let counts = [
        ("import-create", preview.create_count),
        ("import-update", preview.update_count),
        ("import-unchanged", preview.unchanged_count),
        ("import-duplicate", preview.duplicate_count),
        ("import-invalid", preview.invalid_count),
    ];
    let missing = preview.missing_fields.clone();
    let columns = preview.columns.clone();
    let mut lines = preview.lines.clone();
    let hidden = lines.len().saturating_sub(PREVIEW_LINES);
    lines.truncate(PREVIEW_LINES);
    let line_count = preview.line_count;
    view! {
        <div class="import-preview" data-testid="import-preview">
            <p>
                <strong>{move || td_string!(i18n.get_locale(), contacts.import.file, name = name.clone()).to_string()}</strong>
                <br />
                <span data-testid="import-lines-read" data-count=line_count.to_string()>
                    {move || td_string!(i18n.get_locale(), contacts.import.lines, count = line_count).to_string()}
                </span>
                " · " <span class="muted" data-testid="import-read-as">{read_as}</span>
            </p>
            <ul class="chips import-counts">
                {counts.into_iter().filter(|(_, n)| *n > 0).map(|(testid, count)| view! {
                    <li class="chip" data-testid=testid data-count=count.to_string()>
                        {move || {
                            let locale = i18n.get_locale();
                            match testid {
                                "import-create" => td_string!(locale, contacts.import.create, count = count).to_string(),
                                "import-update" => td_string!(locale, contacts.import.update, count = count).to_string(),
                                "import-unchanged" => td_string!(locale, contacts.import.unchanged, count = count).to_string(),
                                "import-duplicate" => td_string!(locale, contacts.import.duplicate, count = count).to_string(),
                                _ => td_string!(locale, contacts.import.invalid, count = count).to_string(),
                            }
                        }}
                    </li>
                }).collect_view()}
            </ul>
            {(!missing.is_empty()).then(|| {
                let fields = move || missing.iter().map(|f| text::contact_field(i18n.get_locale(), *f)).collect::<Vec<_>>().join(", ");
                view! {
                    <p class="error" role="alert" data-testid="import-missing-columns">
                        {move || td_string!(i18n.get_locale(), contacts.import.missing_columns, fields = fields()).to_string()}
                    </p>
                }
            })}
            <details class="import-columns">
                <summary>{t!(i18n, contacts.import.columns)}</summary>
                <ul class="rows">
                    {columns.into_iter().map(|c| {
                        let field = c.field;
                        view! {
                            <li data-testid="import-column" data-field=field.map(|f| f.as_str())>
                                <span class="mono">{c.header.clone()}</span>
                                <span class:muted=field.is_none()>{move || match field {
                                    Some(f) => text::contact_field(i18n.get_locale(), f).into_owned(),
                                    None => t_string!(i18n, contacts.import.column_ignored).to_string(),
                                }}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </details>
            <p class="muted">{t!(i18n, contacts.import.rule)}</p>
            {(!lines.is_empty()).then(|| view! {
                <h3>{t!(i18n, contacts.import.lines_title)}</h3>
                <ul class="rows import-lines" data-testid="import-lines">
                    {lines.into_iter().map(|line| view! { <PreviewLineView line /> }).collect_view()}
                </ul>
                {(hidden > 0).then(|| view! {
                    <p class="muted" data-testid="import-more-lines">
                        {move || td_string!(i18n.get_locale(), contacts.import.more_lines, count = hidden).to_string()}
                    </p>
                })}
            })}
            {(importable == 0).then(|| view! {
                <p class="warning" data-testid="import-nothing">{t!(i18n, contacts.import.nothing)}</p>
            })}
            <div class="row-actions form-actions">
                <button class="primary" id="import-confirm" data-testid="import-confirm"
                    disabled=move || importable == 0 || pending.get() on:click=on_import>
                    {t!(i18n, contacts.import.confirm)}
                </button>
                <button class="ghost" type="button" data-testid="import-cancel" on:click=on_cancel>{t!(i18n, contacts.cancel)}</button>
            </div>
        </div>
    }
}

#[component]
fn PreviewLineView(line: PreviewLine) -> impl IntoView {
    let i18n = use_i18n();
    let number = line.line;
    let who = [
        line.first_name.as_str(),
        line.last_name.as_str(),
        line.email.as_str(),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let outcome = line.outcome;
    let duplicate_of = line.duplicate_of;
    let verdict = move || {
        let locale = i18n.get_locale();
        match (outcome, duplicate_of) {
            (ImportOutcome::Duplicate, Some(first)) => {
                Some(td_string!(locale, contacts.import.duplicate_of, line = first).to_string())
            }
            (ImportOutcome::Update, _) => {
                Some(td_string!(locale, contacts.import.updates).to_string())
            }
            _ => None,
        }
    };
    let problems = line.problems.into_iter().map(|p| {
        let field = p.field;
        let (kind, value) = (p.kind, p.value);
        view! {
            <li data-testid="import-problem" data-field=field.as_str() data-kind=kind.as_str()>
                {move || {
                    let locale = i18n.get_locale();
                    let name = text::contact_field(locale, field);
                    match kind {
                        ImportProblemKind::Missing => td_string!(locale, contacts.import.problem_missing, field = name).to_string(),
                        ImportProblemKind::Invalid | ImportProblemKind::Unknown => td_string!(
                            locale, contacts.import.problem_invalid, field = name, value = value.clone()
                        ).to_string(),
                    }
                }}
            </li>
        }
    }).collect_view();
    view! {
        <li data-testid="import-line" data-line=number.to_string() data-outcome=outcome.as_str()>
            <span>
                <strong>{move || td_string!(i18n.get_locale(), contacts.import.line, line = number).to_string()}</strong>
                " " <span class="muted">{who}</span>
                {move || verdict().map(|v| view! { <br /><span>{v}</span> })}
                <ul class="problems">{problems}</ul>
            </span>
        </li>
    }
}
