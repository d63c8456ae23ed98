//! The signer's page, reached from the invitation email (no account): read the documents,
//! accept them, receive a code by SMS, sign — or refuse. Phone first, keyboard too.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use paraphe_shared::Language;

use crate::api::{
    self, accept_documents, begin_certificate_creation, refuse, request_signing_code,
    set_signer_language, sign, signing_session, AcceptDocuments, BeginCertificateCreation, Refuse,
    RequestSigningCode, SetSignerLanguage, Sign, SigningSession,
};
use crate::components::{CodeInput, ErrorBanner, ErrorCard, Reader, ReaderDocument};
use crate::enums::DocumentKind;
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::language::{self, LanguageSwitch};
use crate::text;

type Session = signing_session::SigningSessionSigningSession;

/// Longer documents are read through their PDF link.
const MAX_PAGES_SHOWN: i64 = 30;

/// Tells the server which language this signer reads, for the SMS and emails to come.
fn report_language(token: String, language: Language) {
    spawn_local(async move {
        let _ = api::run::<SetSignerLanguage>(set_signer_language::Variables {
            token,
            language: language.into(),
        })
        .await;
    });
}

#[component]
pub fn SignerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let code_hint = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let refusing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    // Once refused, the link is dead: the page says so instead of reloading the session.
    let refused = RwSignal::new(false);
    // The document open in the full-screen reader, and at which page.
    let reading = RwSignal::new(None::<(ReaderDocument, i64)>);
    let language_settled = StoredValue::new(false);

    // The session; failing to load it leaves nothing to do on this page ("fatal").
    let session = use_query(move || {
        let token = token();
        async move {
            let s = api::run::<SigningSession>(signing_session::Variables {
                token: token.clone(),
            })
            .await?
            .signing_session;
            // First load: the language chosen in this browser, else the one the preparer
            // set for this signer, else the browser's; the server learns which one the
            // signer reads.
            if !language_settled.get_value() {
                language_settled.set_value(true);
                let preparers = s.language.and_then(|l| Language::try_from(l).ok());
                let shown = match (language::chosen(), preparers) {
                    (Some(chosen), _) => chosen,
                    (None, Some(set)) => language::to_locale(set),
                    (None, None) => i18n.get_locale_untracked(),
                };
                if i18n.get_locale_untracked() != shown {
                    i18n.set_locale(shown);
                }
                if preparers != Some(language::to_language(shown)) {
                    report_language(token, language::to_language(shown));
                }
            }
            Ok(s)
        }
    });

    // Runs one step; then reloads the session, and on failure shows why.
    let step = use_actions(move || session.reload());

    let accept = move |_| {
        step.run(async move {
            api::run::<AcceptDocuments>(accept_documents::Variables { token: token() })
                .await
                .map(|_| ())
        })
    };
    let send_code = move |_| {
        step.run(async move {
            let sent =
                api::run::<RequestSigningCode>(request_signing_code::Variables { token: token() })
                    .await?;
            code_hint.set(Some(sent.request_signing_code.mobile_hint));
            Ok(())
        })
    };
    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entered = code.get_untracked().trim().to_owned();
        step.run(async move {
            api::run::<Sign>(sign::Variables {
                token: token(),
                code: entered,
            })
            .await?;
            code.set(String::new());
            Ok(())
        })
    };
    let confirm_refusal = move |_| {
        let why = reason.get_untracked();
        step.run(async move {
            let reason = (!why.trim().is_empty()).then_some(why);
            api::run::<Refuse>(refuse::Variables {
                token: token(),
                reason,
            })
            .await?;
            refused.set(true);
            Ok(())
        })
    };

    let documents = move |s: &Session| {
        s.documents
            .iter()
            .map(|d| {
                let attachment = d.kind == DocumentKind::Attachment;
                let document = ReaderDocument { name: d.filename.clone(), pages: d.pages.min(MAX_PAGES_SHOWN), url: d.url.clone() };
                let (open_first, url, filename, pages) = (document.clone(), d.url.clone(), d.filename.clone(), d.pages);
                let meta = move || {
                    let locale = i18n.get_locale();
                    let kind = if attachment { td_string!(locale, public.signer.to_read) } else { td_string!(locale, public.signer.to_sign) };
                    td_string!(locale, public.signer.document_meta, kind, pages = text::pages(locale, pages)).to_string()
                };
                view! {
                    <li class="document">
                        <h2 class="document-name">{filename.clone()}</h2>
                        <p class="muted">{meta}</p>
                        <p class="document-actions">
                            <button type="button" class="primary" data-testid="read-document" on:click=move |_| reading.set(Some((open_first.clone(), 1)))>
                                {t!(i18n, public.signer.read)}
                            </button>
                            <a href=url.clone() target="_blank" rel="noopener" data-testid="document-link">{t!(i18n, public.signer.open_pdf)}</a>
                        </p>
                        // Pages as pictures, the width of the phone: readable without a
                        // PDF viewer; a tap opens the reader there, with zoom.
                        <div class="pages">
                            {(1..=document.pages).map(|n| {
                                let (document, filename) = (document.clone(), filename.clone());
                                view! {
                                    <button type="button" class="page-button" on:click=move |_| reading.set(Some((document.clone(), n)))>
                                        <img class="document-page" loading="lazy" data-testid="document-page" width="1240" height="1754"
                                            src=format!("{url}/pages/{n}.png")
                                            alt=move || td_string!(i18n.get_locale(), public.reader.page_alt, document = filename.clone(), page = n).to_string() />
                                    </button>
                                }
                            }).collect_view()}
                        </div>
                        {(pages > MAX_PAGES_SHOWN).then(|| view! { <p class="muted">{t!(i18n, public.signer.more_pages)}</p> })}
                    </li>
                }
            })
            .collect_view()
    };

    let on_language = Callback::new(move |language: Language| report_language(token(), language));

    view! {
        <div class="signer">
            <header class="signer-header">
                <span class="brand">{t!(i18n, common.app_name)}</span>
                <LanguageSwitch on_change=on_language />
            </header>
            <main>
            {move || refused.get().then(|| view! { <section class="card warning" data-testid="signer-refused"><p>{t!(i18n, public.signer.you_refused)}</p></section> })}
            {move || session.error.get().filter(|_| !refused.get()).map(|e| view! { <ErrorCard error=e testid="signer-fatal" /> })}
            {move || session.data.get().filter(|_| !refused.get()).map(|s| {
                use crate::enums::{CollectionStatus as C, SignerStatus as S};
                let cabinet = s.cabinet_name.clone();
                let signer_name = s.signer_name.clone();
                let heading = view! {
                    <section class="card">
                        <p class="muted">{t!(i18n, public.signer.sent_by, cabinet = cabinet.clone())}</p>
                        <h1 data-testid="collection-title">{s.title.clone()}</h1>
                        {(!s.message.is_empty()).then(|| view! { <p class="message">{s.message.clone()}</p> })}
                        <p class="muted">{t!(i18n, public.signer.signer, name = signer_name.clone())}</p>
                        <ul class="documents">{documents(&s)}</ul>
                    </section>
                };
                let body = match (s.status, s.signer_status) {
                    (C::Completed, _) => view! { <section class="card success" data-testid="signer-completed" role="status"><p>{t!(i18n, public.signer.all_signed)}</p></section> }.into_any(),
                    (_, S::Signed) => view! { <section class="card success" data-testid="signer-done" role="status"><p>{t!(i18n, public.signer.you_signed)}</p></section> }.into_any(),
                    (C::Refused, _) | (_, S::Refused) => view! { <section class="card warning" data-testid="signer-refused"><p>{t!(i18n, public.signer.refused)}</p></section> }.into_any(),
                    (C::Active, S::Invited) if s.certificate_required => {
                        let create = move |_| {
                            step.run(async move {
                                let token = token();
                                api::run::<BeginCertificateCreation>(begin_certificate_creation::Variables { token: token.clone() }).await?;
                                // The enrolment wizard is in the back office: a full load,
                                // with the session just opened.
                                crate::load_page(&format!("/enregistrement?signature={token}"));
                                Ok(())
                            })
                        };
                        view! {
                            <section class="card" data-testid="certificate-required">
                                <h2>{t!(i18n, public.signer.create_certificate_title)}</h2>
                                <p>{t!(i18n, public.signer.create_certificate_help)}</p>
                                <button class="primary" data-testid="create-certificate" on:click=create disabled=move || step.pending()>{t!(i18n, public.signer.create_certificate)}</button>
                                <ErrorBanner error=move || step.error() testid="signer-error" />
                            </section>
                        }.into_any()
                    }
                    (C::Active, S::Invited) => {
                        let accepted = s.accepted;
                        let pages = s.pages_to_sign;
                        view! {
                            <section class="card">
                                <label class="check">
                                    <input type="checkbox" data-testid="accept-documents" prop:checked=accepted disabled=accepted on:change=accept />
                                    <span>{move || td_string!(i18n.get_locale(), public.signer.accept, pages = text::pages(i18n.get_locale(), pages)).to_string()}</span>
                                </label>
                                <Show when=move || accepted>
                                    <Show when=move || code_hint.get().is_some() fallback=move || view! {
                                        <button class="primary" data-testid="send-code" on:click=send_code disabled=move || step.pending()>{t!(i18n, public.signer.send_code)}</button>
                                    }>
                                        <form on:submit=submit_code class="code-form">
                                            <p id="code-help" class="muted" role="status">{move || td_string!(i18n.get_locale(), public.signer.code_sent_to, hint = code_hint.get().unwrap_or_default()).to_string()}</p>
                                            <label for="code">{t!(i18n, public.signer.code_label)}</label>
                                            <CodeInput id="code" testid="code" described_by="code-help" digits_only=true code />
                                            <button class="primary" type="submit" data-testid="sign" disabled=move || step.pending()>{t!(i18n, public.signer.sign)}</button>
                                            <button type="button" class="link" on:click=send_code>{t!(i18n, common.resend_code)}</button>
                                        </form>
                                    </Show>
                                </Show>
                                <ErrorBanner error=move || step.error() testid="signer-error" />
                            </section>
                            <section class="card">
                                <Show when=move || refusing.get() fallback=move || view! {
                                    <button class="link danger" data-testid="refuse" on:click=move |_| refusing.set(true)>{t!(i18n, public.signer.refuse)}</button>
                                }>
                                    <label for="reason">{t!(i18n, public.signer.refusal_reason)}</label>
                                    <textarea id="reason" data-testid="refusal-reason" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                                    <p class="muted">{t!(i18n, public.signer.refusal_warning)}</p>
                                    <button class="danger" data-testid="confirm-refusal" on:click=confirm_refusal disabled=move || step.pending()>{t!(i18n, public.signer.confirm_refusal)}</button>
                                </Show>
                            </section>
                        }.into_any()
                    }
                    _ => view! { <section class="card"><p>{t!(i18n, public.signer.not_your_turn)}</p></section> }.into_any(),
                };
                view! { {heading} {body} }
            })}
            </main>
            {move || reading.get().map(|(document, page)| view! { <Reader document page on_close=Callback::new(move |_| reading.set(None)) /> })}
        </div>
    }
}
