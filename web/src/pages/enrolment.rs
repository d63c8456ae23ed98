//! "Mon enregistrement": the first-login wizard. Profile (mobile mandatory), identity
//! document (upload here or hand-off to the phone by QR code, followed live), the
//! subscription agreement signed with an SMS code, the wait for the operator, the
//! confirmation of the extracted data, then "Félicitations". The server computes the
//! step, so the wizard resumes where the user left it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api::{
    self, accept_agreement, confirm_identity_data, confirm_profile, create_capture_link, my_enrolment, sign_agreement, start_identity_verification, submit_identity_verification,
    AcceptAgreement, ConfirmIdentityData, ConfirmProfile, CreateCaptureLink, MyEnrolment, SignAgreement, StartIdentityVerification, SubmitIdentityVerification,
};
use crate::i18n;
use crate::live;
use crate::session::{enum_name, enum_value};

type Data = my_enrolment::ResponseData;

/// An identity verification as these pages show it, whichever query brought it.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityView {
    pub id: String,
    pub status: String,
    pub document_type: String,
    pub images: Vec<String>,
    pub rejection_reason: Option<String>,
    pub extracted: Option<Extracted>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    pub surname: String,
    pub given_names: String,
    pub birth_date: String,
    pub document_number: String,
    pub nationality: String,
    pub expiry_date: String,
}

macro_rules! identity_view {
    ($verification:ty) => {
        impl From<$verification> for IdentityView {
            fn from(v: $verification) -> Self {
                IdentityView {
                    id: v.id,
                    status: enum_name(&v.status),
                    document_type: enum_name(&v.document_type),
                    images: v.images.iter().map(enum_name).collect(),
                    rejection_reason: v.rejection_reason,
                    extracted: v.extracted.map(|e| Extracted {
                        surname: e.surname,
                        given_names: e.given_names,
                        birth_date: e.birth_date,
                        document_number: e.document_number,
                        nationality: e.nationality,
                        expiry_date: e.expiry_date,
                    }),
                }
            }
        }
    };
}

identity_view!(my_enrolment::MyEnrolmentMyEnrolmentVerification);
identity_view!(crate::api::my_qcp_subscription::MyQcpSubscriptionMyQcpSubscriptionVerification);

/// Follows the verification `id()` names, live; a new verification replaces the watch.
pub fn follow_verification(id: impl Fn() -> Option<String> + Send + Sync + 'static, load: impl Fn() + Copy + Send + Sync + 'static) {
    let watching = StoredValue::new(None::<(String, Arc<AtomicBool>)>);
    Effect::new(move |_| {
        let id = id();
        let current = watching.with_value(|w| w.as_ref().map(|(id, _)| id.clone()));
        if id == current {
            return;
        }
        watching.update_value(|w| {
            if let Some((_, stop)) = w.take() {
                stop.store(true, Ordering::Relaxed);
            }
            *w = id.map(|id| {
                let stop = live::follow(EVENTS, json!({ "v": id }), load);
                (id, stop)
            });
        });
    });
    on_cleanup(move || {
        if let Some(Some((_, stop))) = watching.try_get_value() {
            stop.store(true, Ordering::Relaxed);
        }
    });
}

const EVENTS: &str = "subscription($v: UUID!) { identityVerificationEvents(verificationId: $v) { kind } }";
const UPLOAD: &str = "mutation($id: UUID!, $side: ImageSide!, $file: Upload!) { uploadIdentityImage(verificationId: $id, side: $side, file: $file) { id } }";

fn step_index(step: &str) -> usize {
    match step {
        "PROFILE" => 0,
        "IDENTITY" => 1,
        "AGREEMENT" => 2,
        "IN_PROGRESS" => 3,
        _ => 4,
    }
}

/// What the user has done on screen that the server does not hold yet. Kept by the page,
/// because each refresh (after an action, or a live event) redraws the step.
#[derive(Clone, Copy)]
struct Local {
    qr: RwSignal<Option<(String, String)>>,
    accepted: RwSignal<bool>,
    hint: RwSignal<Option<String>>,
    code: RwSignal<String>,
}

fn selected_file(input: NodeRef<html::Input>) -> Option<web_sys::File> {
    input.get_untracked().and_then(|i| i.files()).and_then(|files| files.get(0))
}

#[component]
pub fn EnrolmentPage() -> impl IntoView {
    let data = RwSignal::new(None::<Data>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    // Set when an outside signer came to create the certificate a signature needs.
    let query = leptos_router::hooks::use_query_map();
    let signature = move || query.with_untracked(|q| q.get("signature")).filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let load = move || {
        spawn_local(async move {
            match api::run::<MyEnrolment>(my_enrolment::Variables).await {
                Ok(response) => data.set(Some(response)),
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };
    load();
    let act = api::action_runner(pending, error, load);
    let local = Local { qr: RwSignal::new(None), accepted: RwSignal::new(false), hint: RwSignal::new(None), code: RwSignal::new(String::new()) };

    follow_verification(move || data.with(|d| d.as_ref().and_then(|d| d.my_enrolment.verification.as_ref().map(|v| v.id.clone()))), load);

    view! {
        <section class="card enrolment" data-testid="enrolment">
            <h2>{i18n::ENROLMENT_TITLE}</h2>
            <p class="muted">{i18n::ENROLMENT_INTRO}</p>
            {move || data.get().map(|d| {
                let step = enum_name(&d.my_enrolment.step);
                let current = step_index(&step);
                view! {
                    <ol class="steps" data-testid="enrolment-step" data-step=step.clone()>
                        {i18n::ENROLMENT_STEPS.iter().enumerate().map(|(i, label)| {
                            let class = if i < current { "done" } else if i == current { "current" } else { "" };
                            view! { <li class=class>{*label}</li> }
                        }).collect_view()}
                    </ol>
                }
            })}
            {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="enrolment-error">{message}</p> })}
        </section>
        {move || data.get().map(|d| match enum_name(&d.my_enrolment.step).as_str() {
            "PROFILE" => view! { <ProfileStep data=d act=act pending=pending /> }.into_any(),
            "IDENTITY" => {
                let verification = d.my_enrolment.verification.clone().map(IdentityView::from);
                let (first, last) = (d.me.user.first_name.clone(), d.me.user.last_name.clone());
                view! { <IdentityStep verification first last qualified=false act=act pending=pending qr=local.qr /> }.into_any()
            }
            "AGREEMENT" => view! { <AgreementStep data=d act=act pending=pending local=local /> }.into_any(),
            "IN_PROGRESS" => view! { <InProgressStep data=d act=act pending=pending /> }.into_any(),
            _ => {
                view! {
                    <section class="card success" data-testid="enrolment-completed">
                        <h2>{i18n::CONGRATULATIONS}</h2>
                        <p>{i18n::CONGRATULATIONS_HELP}</p>
                        {d.my_enrolment.certificate.map(|c| view! {
                            <p class="muted">{format!("{} {} · {} {}", i18n::SERIAL, c.serial, i18n::VALIDITY, i18n::date(&c.not_after))}</p>
                        })}
                        {match signature() {
                            Some(token) => view! { <p><a class="button primary" data-testid="back-to-signature" href=format!("/signer/{token}")>{i18n::BACK_TO_SIGNATURE}</a></p> }.into_any(),
                            None => view! { <p><a class="button primary" href="/">{i18n::GO_TO_PORTAL}</a>" "<a href="/ma-signature">{i18n::NAV_MY_SIGNATURE}</a></p> }.into_any(),
                        }}
                    </section>
                }.into_any()
            }
        })}
    }
}

#[component]
fn ProfileStep(data: Data, act: impl Fn(api::Action) + Copy + Send + Sync + 'static, pending: RwSignal<bool>) -> impl IntoView {
    let user = data.me.user.clone();
    let first = RwSignal::new(user.first_name.clone());
    let last = RwSignal::new(user.last_name.clone());
    let mobile = RwSignal::new(user.mobile.clone().unwrap_or_default());
    let cabinets = data.me.memberships.iter().map(|m| m.cabinet_name.clone()).collect::<Vec<_>>().join(", ");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = confirm_profile::ProfileInput { first_name: first.get_untracked(), last_name: last.get_untracked(), mobile: mobile.get_untracked().trim().to_owned() };
        act(Box::pin(async move { api::run::<ConfirmProfile>(confirm_profile::Variables { input }).await.map(|_| ()) }));
    };
    view! {
        <section class="card">
            <p>{i18n::PROFILE_HELP}</p>
            <form on:submit=submit class="stack">
                <label for="profile-first">{i18n::FIRST_NAME}</label>
                <input id="profile-first" required prop:value=first on:input=move |ev| first.set(event_target_value(&ev)) />
                <label for="profile-last">{i18n::LAST_NAME}</label>
                <input id="profile-last" required prop:value=last on:input=move |ev| last.set(event_target_value(&ev)) />
                <label for="profile-email">{i18n::EMAIL}</label>
                <input id="profile-email" readonly prop:value=user.email.clone() />
                <label for="profile-cabinets">{i18n::CABINETS}</label>
                <input id="profile-cabinets" readonly prop:value=cabinets />
                <label for="profile-mobile">{i18n::MOBILE}</label>
                <input id="profile-mobile" type="tel" required autocomplete="tel" prop:value=mobile on:input=move |ev| mobile.set(event_target_value(&ev)) />
                <button class="primary" type="submit" id="profile-submit" disabled=move || pending.get()>{i18n::CONTINUE_ENROLMENT}</button>
            </form>
        </section>
    }
}

/// Declare the identity, then send the document (here or from the phone); after a
/// rejection, the reason and a new declaration.
#[component]
pub fn IdentityStep(
    verification: Option<IdentityView>,
    first: String,
    last: String,
    qualified: bool,
    act: impl Fn(api::Action) + Copy + Send + Sync + 'static,
    pending: RwSignal<bool>,
    qr: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let awaiting = verification.as_ref().filter(|v| v.status == "AWAITING_DOCUMENTS").cloned();
    let rejection = verification.as_ref().filter(|v| v.status == "REJECTED").and_then(|v| v.rejection_reason.clone());
    match awaiting {
        Some(v) => view! { <DocumentsForm verification=v act=act pending=pending qr=qr /> }.into_any(),
        None => {
            let document_type = RwSignal::new("IDENTITY_CARD".to_owned());
            let first = RwSignal::new(first);
            let last = RwSignal::new(last);
            let birth = RwSignal::new(String::new());
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let Some(document_type) = enum_value(&document_type.get_untracked()) else { return };
                let input = start_identity_verification::StartIdentityVerificationInput {
                    document_type,
                    first_name: first.get_untracked(),
                    last_name: last.get_untracked(),
                    birth_date: birth.get_untracked(),
                    qualified,
                };
                act(Box::pin(async move { api::run::<StartIdentityVerification>(start_identity_verification::Variables { input }).await.map(|_| ()) }));
            };
            view! {
                <section class="card">
                    {rejection.map(|reason| view! { <p class="error" data-testid="identity-rejected">{format!("{} : {reason}", i18n::REJECTED)}</p> })}
                    <p>{i18n::IDENTITY_HELP}</p>
                    <form on:submit=submit class="stack">
                        <label for="document-type">{i18n::DOCUMENT_TYPE}</label>
                        <select id="document-type" on:change=move |ev| document_type.set(event_target_value(&ev))>
                            {["IDENTITY_CARD", "PASSPORT", "RESIDENCE_PERMIT"].into_iter().map(|t| view! { <option value=t>{i18n::document_type_label(t)}</option> }).collect_view()}
                        </select>
                        <label for="identity-first">{i18n::FIRST_NAME}</label>
                        <input id="identity-first" required prop:value=first on:input=move |ev| first.set(event_target_value(&ev)) />
                        <label for="identity-last">{i18n::LAST_NAME}</label>
                        <input id="identity-last" required prop:value=last on:input=move |ev| last.set(event_target_value(&ev)) />
                        <label for="identity-birth">{i18n::BIRTH_DATE}</label>
                        <input id="identity-birth" type="date" required prop:value=birth on:input=move |ev| birth.set(event_target_value(&ev)) />
                        <button class="primary" type="submit" id="identity-start" disabled=move || pending.get()>{i18n::START_VERIFICATION}</button>
                    </form>
                </section>
            }
            .into_any()
        }
    }
}

#[component]
fn DocumentsForm(verification: IdentityView, act: impl Fn(api::Action) + Copy + Send + Sync + 'static, pending: RwSignal<bool>, qr: RwSignal<Option<(String, String)>>) -> impl IntoView {
    let needs_back = verification.document_type != "PASSPORT";
    let front: NodeRef<html::Input> = NodeRef::new();
    let back: NodeRef<html::Input> = NodeRef::new();
    let id = verification.id.clone();
    let received = verification.images.clone();

    let send = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, front, back) = (id.clone(), selected_file(front), selected_file(back));
            act(Box::pin(async move {
                if let Some(file) = front {
                    api::upload(UPLOAD, json!({ "id": id, "side": "FRONT" }), file, None).await?;
                }
                if let Some(file) = back {
                    api::upload(UPLOAD, json!({ "id": id, "side": "BACK" }), file, None).await?;
                }
                api::run::<SubmitIdentityVerification>(submit_identity_verification::Variables { verification_id: id }).await.map(|_| ())
            }));
        }
    };
    let use_phone = move |_| {
        let id = id.clone();
        act(Box::pin(async move {
            let link = api::run::<CreateCaptureLink>(create_capture_link::Variables { verification_id: id }).await?.create_capture_link;
            qr.set(Some((link.qr_svg, link.url)));
            Ok(())
        }));
    };
    view! {
        <div class="two-ways">
        <section class="card">
            <p>{i18n::document_type_label(&verification.document_type)}</p>
            {(!received.is_empty()).then(|| view! { <p class="success" data-testid="documents-received">{format!("{} : {}", i18n::DOCUMENTS_RECEIVED, received.join(", "))}</p> })}
            <form on:submit=send class="stack">
                <label for="identity-front">{i18n::FRONT}</label>
                <input id="identity-front" type="file" accept="image/jpeg,image/png,application/pdf" node_ref=front />
                <Show when=move || needs_back>
                    <label for="identity-back">{i18n::BACK}</label>
                    <input id="identity-back" type="file" accept="image/jpeg,image/png,application/pdf" node_ref=back />
                </Show>
                <p class="muted">{i18n::FILE_HELP}</p>
                <button class="primary" type="submit" id="identity-send" disabled=move || pending.get()>{i18n::SEND_DOCUMENTS}</button>
            </form>
        </section>
        <section class="card">
            <Show when=move || qr.get().is_some() fallback=move || view! {
                <button id="use-phone" on:click=use_phone.clone() disabled=move || pending.get()>{i18n::USE_PHONE}</button>
            }>
                <p>{i18n::QR_HELP}</p>
                <div class="qr" data-testid="capture-qr" inner_html=move || qr.get().map(|(svg, _)| svg).unwrap_or_default()></div>
                <p class="muted"><a data-testid="capture-url" href=move || qr.get().map(|(_, url)| url).unwrap_or_default()>{move || qr.get().map(|(_, url)| url).unwrap_or_default()}</a></p>
            </Show>
        </section>
        </div>
    }
}

#[component]
fn AgreementStep(data: Data, act: impl Fn(api::Action) + Copy + Send + Sync + 'static, pending: RwSignal<bool>, local: Local) -> impl IntoView {
    let Local { accepted, hint, code, .. } = local;
    let status_note = data.my_enrolment.verification.as_ref().map(|v| verification_note(&enum_name(&v.status)));
    let accept = move |ev: leptos::ev::Event| {
        if !event_target_checked(&ev) {
            return;
        }
        accepted.set(true);
        act(Box::pin(async move {
            match api::run::<AcceptAgreement>(accept_agreement::Variables).await {
                Ok(sent) => {
                    hint.set(Some(sent.accept_agreement.mobile_hint));
                    Ok(())
                }
                Err(e) => {
                    accepted.set(false);
                    Err(e)
                }
            }
        }));
    };
    let sign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entered = code.get_untracked().trim().to_owned();
        act(Box::pin(async move { api::run::<SignAgreement>(sign_agreement::Variables { code: entered }).await.map(|_| ()) }));
    };
    view! {
        {status_note.map(|note| view! { <section class="card"><p data-testid="verification-note">{note}</p></section> })}
        <section class="card agreement">
            <h2>{i18n::AGREEMENT_TITLE}</h2>
            <div class="agreement-text">
                {data.my_enrolment.agreement_articles.iter().map(|a| view! { <h3>{a.heading.clone()}</h3><p>{a.text.clone()}</p> }).collect_view()}
            </div>
            <p><a href=data.my_enrolment.agreement_url.clone() target="_blank" rel="noopener">{i18n::AGREEMENT_PDF}</a></p>
            <p class="muted">{i18n::AGREEMENT_CODE_HELP}</p>
            <label class="check">
                <input type="checkbox" id="agreement-accept" prop:checked=accepted disabled=move || accepted.get() on:change=accept />
                <span>{i18n::AGREEMENT_ACCEPT}</span>
            </label>
            <Show when=move || hint.get().is_some()>
                <form on:submit=sign class="code-form">
                    <label for="agreement-code">{move || i18n::agreement_code_sent_to(&hint.get().unwrap_or_default())}</label>
                    <input id="agreement-code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}" required
                        prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                    <p class="muted">{i18n::AGREEMENT_SIGN_NOTE}</p>
                    <button class="primary" type="submit" id="agreement-sign" disabled=move || pending.get()>{i18n::SIGN}</button>
                </form>
            </Show>
        </section>
    }
}

pub fn verification_note(status: &str) -> &'static str {
    match status {
        "CHECKING" => i18n::VERIFYING,
        "IN_REVIEW" => i18n::IN_REVIEW,
        _ => i18n::DOCUMENTS_RECEIVED,
    }
}

#[component]
fn InProgressStep(data: Data, act: impl Fn(api::Action) + Copy + Send + Sync + 'static, pending: RwSignal<bool>) -> impl IntoView {
    let verification = data.my_enrolment.verification.clone().map(IdentityView::from);
    let approved = verification.as_ref().filter(|v| v.status == "APPROVED").cloned();
    let note = verification.as_ref().map(|v| verification_note(&v.status)).unwrap_or(i18n::IN_REVIEW);
    view! {
        <section class="card" data-testid="request-in-progress">
            <h2>{i18n::REQUEST_IN_PROGRESS}</h2>
            {match approved {
                None => view! {
                    <p>{i18n::REQUEST_IN_PROGRESS_HELP}</p>
                    <p class="muted" data-testid="verification-note">{note}</p>
                }.into_any(),
                Some(v) => view! { <ConfirmData verification=v act=act pending=pending /> }.into_any(),
            }}
        </section>
    }
}

/// "Confirmer ces données" / "Ces données ne sont pas correctes".
#[component]
pub fn ConfirmData(verification: IdentityView, act: impl Fn(api::Action) + Copy + Send + Sync + 'static, pending: RwSignal<bool>) -> impl IntoView {
    let confirm = move |id: String, correct: bool| {
        act(Box::pin(async move { api::run::<ConfirmIdentityData>(confirm_identity_data::Variables { id, correct }).await.map(|_| ()) }));
    };
    let (yes, no) = (verification.id.clone(), verification.id.clone());
    view! {
        <h3>{i18n::EXTRACTED_TITLE}</h3>
        {verification.extracted.map(|e| view! {
            <dl class="facts" data-testid="extracted">
                <dt>{i18n::LAST_NAME}</dt><dd>{e.surname}</dd>
                <dt>{i18n::FIRST_NAME}</dt><dd>{e.given_names}</dd>
                <dt>{i18n::BIRTH_DATE}</dt><dd>{i18n::date(&e.birth_date)}</dd>
                <dt>{i18n::DOCUMENT_NUMBER}</dt><dd>{e.document_number}</dd>
                <dt>{i18n::NATIONALITY}</dt><dd>{e.nationality}</dd>
                <dt>{i18n::EXPIRY_DATE}</dt><dd>{i18n::date(&e.expiry_date)}</dd>
            </dl>
        })}
        <button class="primary" id="confirm-data" disabled=move || pending.get() on:click=move |_| confirm(yes.clone(), true)>{i18n::CONFIRM_DATA}</button>
        " "
        <button class="link danger" id="dispute-data" disabled=move || pending.get() on:click=move |_| confirm(no.clone(), false)>{i18n::DISPUTE_DATA}</button>
    }
}
