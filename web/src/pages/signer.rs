//! The signer's page, reached from the invitation email (no account): read the documents,
//! accept them, receive a code by SMS, sign — or refuse. Phone first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use crate::api::{
    self, accept_documents, begin_certificate_creation, refuse, request_signing_code, sign, signing_session, AcceptDocuments, BeginCertificateCreation, Refuse, RequestSigningCode, Sign,
    SigningSession,
};
use crate::i18n;

type Session = signing_session::SigningSessionSigningSession;

/// Longer documents are read through their PDF link.
const MAX_PAGES_SHOWN: i64 = 30;

#[component]
pub fn SignerPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let session = RwSignal::new(None::<Session>);
    let error = RwSignal::new(None::<String>);
    let fatal = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let code_hint = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let refusing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    // Once refused, the link is dead: the page says so instead of reloading the session.
    let refused = RwSignal::new(false);

    let reload = move || {
        spawn_local(async move {
            match api::run::<SigningSession>(signing_session::Variables { token: token() }).await {
                Ok(data) => session.set(Some(data.signing_session)),
                Err(e) => fatal.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };
    reload();

    // Runs one step; on success reloads the session, on failure shows why.
    let step = api::action_runner(pending, error, reload);

    let accept = move |_| {
        step(Box::pin(async move { api::run::<AcceptDocuments>(accept_documents::Variables { token: token() }).await.map(|_| ()) }))
    };
    let send_code = move |_| {
        step(Box::pin(async move {
            let sent = api::run::<RequestSigningCode>(request_signing_code::Variables { token: token() }).await?;
            code_hint.set(Some(sent.request_signing_code.mobile_hint));
            Ok(())
        }))
    };
    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entered = code.get_untracked().trim().to_owned();
        step(Box::pin(async move {
            api::run::<Sign>(sign::Variables { token: token(), code: entered }).await?;
            code.set(String::new());
            Ok(())
        }))
    };
    let confirm_refusal = move |_| {
        let why = reason.get_untracked();
        step(Box::pin(async move {
            let reason = (!why.trim().is_empty()).then_some(why);
            api::run::<Refuse>(refuse::Variables { token: token(), reason }).await?;
            refused.set(true);
            Ok(())
        }))
    };

    let documents = move |s: &Session| {
        s.documents
            .iter()
            .map(|d| {
                let label = if matches!(d.kind, signing_session::DocumentKind::ATTACHMENT) { i18n::ATTACHMENT } else { i18n::TO_SIGN };
                view! {
                    <li class="document">
                        <a href=d.url.clone() target="_blank" rel="noopener" data-testid="document-link">{d.filename.clone()}</a>
                        <span class="muted">{format!(" — {} · {}", label, i18n::pages(d.pages))}</span>
                        // Pages as pictures: readable on any phone, without a PDF viewer.
                        <div class="pages">
                            {(1..=d.pages.min(MAX_PAGES_SHOWN)).map(|n| view! {
                                <img class="page" loading="lazy" data-testid="document-page" src=format!("{}/pages/{n}.png", d.url) alt=format!("{} — page {n}", d.filename) />
                            }).collect_view()}
                        </div>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <main class="signer">
            <header class="signer-header"><span class="brand">{i18n::APP_NAME}</span></header>
            {move || refused.get().then(|| view! { <section class="card warning" data-testid="signer-refused"><p>{i18n::YOU_REFUSED}</p></section> })}
            {move || fatal.get().filter(|_| !refused.get()).map(|message| view! { <section class="card warning" data-testid="signer-fatal"><p>{message}</p></section> })}
            {move || session.get().filter(|_| !refused.get()).map(|s| {
                use signing_session::{CollectionStatus as C, SignerStatus as S};
                let heading = view! {
                    <section class="card">
                        <p class="muted">{i18n::sent_by(&s.cabinet_name)}</p>
                        <h1 data-testid="collection-title">{s.title.clone()}</h1>
                        {(!s.message.is_empty()).then(|| view! { <p class="message">{s.message.clone()}</p> })}
                        <p class="muted">{format!("{} : {}", i18n::SIGNER, s.signer_name)}</p>
                        <ul class="documents">{documents(&s)}</ul>
                    </section>
                };
                let body = match (&s.status, &s.signer_status) {
                    (C::COMPLETED, _) => view! { <section class="card success" data-testid="signer-completed"><p>{i18n::ALL_SIGNED}</p></section> }.into_any(),
                    (_, S::SIGNED) => view! { <section class="card success" data-testid="signer-done"><p>{i18n::YOU_SIGNED}</p></section> }.into_any(),
                    (C::REFUSED, _) | (_, S::REFUSED) => view! { <section class="card warning" data-testid="signer-refused"><p>{i18n::REFUSED}</p></section> }.into_any(),
                    (C::ACTIVE, S::INVITED) if s.certificate_required => {
                        let create = move |_| {
                            step(Box::pin(async move {
                                let token = token();
                                api::run::<BeginCertificateCreation>(begin_certificate_creation::Variables { token: token.clone() }).await?;
                                // A full load: the app starts again with the session just opened.
                                if let Some(window) = web_sys::window() {
                                    let _ = window.location().set_href(&format!("/enregistrement?signature={token}"));
                                }
                                Ok(())
                            }))
                        };
                        view! {
                            <section class="card" data-testid="certificate-required">
                                <h2>{i18n::CREATE_CERTIFICATE_TITLE}</h2>
                                <p>{i18n::CREATE_CERTIFICATE_HELP}</p>
                                <button class="primary" data-testid="create-certificate" on:click=create disabled=move || pending.get()>{i18n::CREATE_CERTIFICATE}</button>
                                {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="signer-error">{message}</p> })}
                            </section>
                        }.into_any()
                    }
                    (C::ACTIVE, S::INVITED) => {
                        let accepted = s.accepted;
                        let pages = s.pages_to_sign;
                        view! {
                            <section class="card">
                                <label class="check">
                                    <input type="checkbox" data-testid="accept-documents" prop:checked=accepted disabled=accepted on:change=accept />
                                    {i18n::accept_documents(pages)}
                                </label>
                                <Show when=move || accepted>
                                    <Show when=move || code_hint.get().is_some() fallback=move || view! {
                                        <button class="primary" data-testid="send-code" on:click=send_code disabled=move || pending.get()>{i18n::SEND_CODE}</button>
                                    }>
                                        <form on:submit=submit_code class="code-form">
                                            <label for="code">{move || i18n::code_sent_to(&code_hint.get().unwrap_or_default())}</label>
                                            <input id="code" data-testid="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}" required
                                                prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                                            <button class="primary" type="submit" data-testid="sign" disabled=move || pending.get()>{i18n::SIGN}</button>
                                            <button type="button" class="link" on:click=send_code>{i18n::RESEND_CODE}</button>
                                        </form>
                                    </Show>
                                </Show>
                                {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="signer-error">{message}</p> })}
                            </section>
                            <section class="card">
                                <Show when=move || refusing.get() fallback=move || view! {
                                    <button class="link danger" data-testid="refuse" on:click=move |_| refusing.set(true)>{i18n::REFUSE}</button>
                                }>
                                    <label for="reason">{i18n::REFUSAL_REASON}</label>
                                    <textarea id="reason" data-testid="refusal-reason" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                                    <p class="muted">{i18n::REFUSAL_WARNING}</p>
                                    <button class="danger" data-testid="confirm-refusal" on:click=confirm_refusal disabled=move || pending.get()>{i18n::CONFIRM_REFUSAL}</button>
                                </Show>
                            </section>
                        }.into_any()
                    }
                    _ => view! { <section class="card"><p>{i18n::NOT_YOUR_TURN}</p></section> }.into_any(),
                };
                view! { {heading} {body} }
            })}
        </main>
    }
}
