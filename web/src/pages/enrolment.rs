//! "Mon enregistrement": the first-login wizard. Profile (mobile mandatory), identity
//! document (upload here or hand-off to the phone by QR code, followed live), the
//! subscription agreement signed with an SMS code, the wait for the operator, the
//! confirmation of the extracted data, then "Félicitations". The server computes the
//! step, so the wizard resumes where the user left it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use serde_json::json;

use crate::api::{
    self, accept_agreement, confirm_identity_data, confirm_profile, create_capture_link,
    my_enrolment, sign_agreement, start_identity_verification, submit_identity_verification,
    AcceptAgreement, ConfirmIdentityData, ConfirmProfile, CreateCaptureLink, MyEnrolment,
    SignAgreement, StartIdentityVerification, SubmitIdentityVerification,
};
use crate::components::{selected_file, CodeInput, ErrorBanner, FileField};
use crate::enums::{DocumentType, EnrolmentStep, ImageSide, VerificationStatus};
use crate::hooks::{use_actions, use_query, Actions};
use crate::i18n::*;
use crate::live;
use crate::text;

type Data = my_enrolment::ResponseData;

/// An identity verification as these pages show it, whichever query brought it.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityView {
    pub id: String,
    pub status: VerificationStatus,
    pub document_type: DocumentType,
    pub images: Vec<ImageSide>,
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
                    status: v.status,
                    document_type: v.document_type,
                    images: v.images,
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
pub fn follow_verification(
    id: impl Fn() -> Option<String> + Send + Sync + 'static,
    load: impl Fn() + Copy + Send + Sync + 'static,
) {
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

const EVENTS: &str =
    "subscription($v: UUID!) { identityVerificationEvents(verificationId: $v) { kind } }";
/// What the identity document may be sent as.
const IDENTITY_FILES: &str = "image/jpeg,image/png,application/pdf";
const UPLOAD: &str = "mutation($id: UUID!, $side: ImageSide!, $file: Upload!) { uploadIdentityImage(verificationId: $id, side: $side, file: $file) { id } }";

fn step_index(step: EnrolmentStep) -> usize {
    match step {
        EnrolmentStep::Profile => 0,
        EnrolmentStep::Identity => 1,
        EnrolmentStep::Agreement => 2,
        EnrolmentStep::InProgress => 3,
        EnrolmentStep::Completed | EnrolmentStep::Unknown => 4,
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

#[component]
pub fn EnrolmentPage() -> impl IntoView {
    let i18n = use_i18n();
    // Set when an outside signer came to create the certificate a signature needs.
    let query = leptos_router::hooks::use_query_map();
    let signature = move || {
        query.with_untracked(|q| q.get("signature")).filter(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
    };
    let query = use_query(|| api::run::<MyEnrolment>(my_enrolment::Variables));
    let data = query.data;
    let load = move || query.reload();
    let actions = use_actions(load);
    let local = Local {
        qr: RwSignal::new(None),
        accepted: RwSignal::new(false),
        hint: RwSignal::new(None),
        code: RwSignal::new(String::new()),
    };

    follow_verification(
        move || {
            data.with(|d| {
                d.as_ref()
                    .and_then(|d| d.my_enrolment.verification.as_ref().map(|v| v.id.clone()))
            })
        },
        load,
    );

    view! {
        <section class="card enrolment" data-testid="enrolment">
            <h2>{t!(i18n, enrolment.title)}</h2>
            <p class="muted">{t!(i18n, enrolment.intro)}</p>
            {move || data.get().map(|d| {
                let step = d.my_enrolment.step;
                let current = step_index(step);
                view! {
                    <ol class="steps" data-testid="enrolment-step" data-step=step.as_str()>
                        {(0..5).map(|i| {
                            let class = if i < current { "done" } else if i == current { "current" } else { "" };
                            let label = move || {
                                let locale = i18n.get_locale();
                                match i {
                                    0 => td_string!(locale, enrolment.steps.profile),
                                    1 => td_string!(locale, enrolment.steps.identity),
                                    2 => td_string!(locale, enrolment.steps.agreement),
                                    3 => td_string!(locale, enrolment.steps.validation),
                                    _ => td_string!(locale, enrolment.steps.certificate),
                                }
                            };
                            view! { <li class=class aria-current=(i == current).then_some("step")>{label}</li> }
                        }).collect_view()}
                    </ol>
                }
            })}
            <ErrorBanner error=move || actions.error().or_else(|| query.error.get()) testid="enrolment-error" />
        </section>
        {move || data.get().map(|d| match d.my_enrolment.step {
            EnrolmentStep::Profile => view! { <ProfileStep data=d actions /> }.into_any(),
            EnrolmentStep::Identity => {
                let verification = d.my_enrolment.verification.clone().map(IdentityView::from);
                let (first, last) = (d.me.user.first_name.clone(), d.me.user.last_name.clone());
                view! { <IdentityStep verification first last qualified=false actions qr=local.qr /> }.into_any()
            }
            EnrolmentStep::Agreement => view! { <AgreementStep data=d actions local=local /> }.into_any(),
            EnrolmentStep::InProgress => view! { <InProgressStep data=d actions /> }.into_any(),
            EnrolmentStep::Completed | EnrolmentStep::Unknown => {
                view! {
                    <section class="card success" data-testid="enrolment-completed">
                        <h2>{t!(i18n, enrolment.congratulations)}</h2>
                        <p>{t!(i18n, enrolment.congratulations_help)}</p>
                        {d.my_enrolment.certificate.map(|c| {
                            let (serial, until) = (c.serial.clone(), c.not_after.clone());
                            view! {
                                <p class="muted">{move || td_string!(i18n.get_locale(), enrolment.certificate_facts, serial = serial.clone(), date = text::date(i18n.get_locale(), &until)).to_string()}</p>
                            }
                        })}
                        {match signature() {
                            Some(token) => view! { <p><a class="button primary" data-testid="back-to-signature" rel="external" href=format!("/signer/{token}")>{t!(i18n, enrolment.back_to_signature)}</a></p> }.into_any(),
                            None => view! { <p><a class="button primary" href="/">{t!(i18n, enrolment.go_to_portal)}</a>" "<a href="/ma-signature">{t!(i18n, common.nav.my_signature)}</a></p> }.into_any(),
                        }}
                    </section>
                }.into_any()
            }
        })}
    }
}

#[component]
fn ProfileStep(data: Data, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let user = data.me.user.clone();
    let first = RwSignal::new(user.first_name.clone());
    let last = RwSignal::new(user.last_name.clone());
    let mobile = RwSignal::new(user.mobile.clone().unwrap_or_default());
    let cabinets = data
        .me
        .memberships
        .iter()
        .map(|m| m.cabinet_name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = confirm_profile::ProfileInput {
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            mobile: mobile.get_untracked().trim().to_owned(),
        };
        actions.run(async move {
            api::run::<ConfirmProfile>(confirm_profile::Variables { input })
                .await
                .map(|_| ())
        });
    };
    view! {
        <section class="card">
            <p>{t!(i18n, enrolment.profile_help)}</p>
            <form on:submit=submit class="stack">
                <label for="profile-first">{t!(i18n, common.first_name)}</label>
                <input id="profile-first" required prop:value=first on:input=move |ev| first.set(event_target_value(&ev)) />
                <label for="profile-last">{t!(i18n, common.last_name)}</label>
                <input id="profile-last" required prop:value=last on:input=move |ev| last.set(event_target_value(&ev)) />
                <label for="profile-email">{t!(i18n, common.email)}</label>
                <input id="profile-email" readonly prop:value=user.email.clone() />
                <label for="profile-cabinets">{t!(i18n, enrolment.cabinets)}</label>
                <input id="profile-cabinets" readonly prop:value=cabinets />
                <label for="profile-mobile">{t!(i18n, enrolment.mobile)}</label>
                <input id="profile-mobile" type="tel" required autocomplete="tel" prop:value=mobile on:input=move |ev| mobile.set(event_target_value(&ev)) />
                <button class="primary" type="submit" id="profile-submit" disabled=move || actions.pending()>{t!(i18n, enrolment.continue_enrolment)}</button>
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
    actions: Actions,
    qr: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let awaiting = verification
        .as_ref()
        .filter(|v| v.status == VerificationStatus::AwaitingDocuments)
        .cloned();
    let rejection = verification
        .as_ref()
        .filter(|v| v.status == VerificationStatus::Rejected)
        .and_then(|v| v.rejection_reason.clone());
    match awaiting {
        Some(v) => view! { <DocumentsForm verification=v actions qr=qr /> }.into_any(),
        None => {
            let document_type = RwSignal::new(DocumentType::IdentityCard);
            let first = RwSignal::new(first);
            let last = RwSignal::new(last);
            let birth = RwSignal::new(String::new());
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let document_type = document_type.get_untracked();
                let input = start_identity_verification::StartIdentityVerificationInput {
                    document_type,
                    first_name: first.get_untracked(),
                    last_name: last.get_untracked(),
                    birth_date: birth.get_untracked(),
                    qualified,
                };
                actions.run(async move {
                    api::run::<StartIdentityVerification>(start_identity_verification::Variables {
                        input,
                    })
                    .await
                    .map(|_| ())
                });
            };
            view! {
                <section class="card">
                    {rejection.map(|reason| view! { <p class="error" data-testid="identity-rejected">{t!(i18n, enrolment.rejected, reason = reason.clone())}</p> })}
                    <p>{t!(i18n, enrolment.identity_help)}</p>
                    <form on:submit=submit class="stack">
                        <label for="document-type">{t!(i18n, enrolment.document_type)}</label>
                        <select id="document-type" on:change=move |ev| document_type.set(DocumentType::from_name(&event_target_value(&ev)).unwrap_or(DocumentType::IdentityCard))>
                            {DocumentType::ALL.iter().map(|kind| view! { <option value=kind.as_str()>{move || text::document_type(i18n.get_locale(), kind.as_str())}</option> }).collect_view()}
                        </select>
                        <label for="identity-first">{t!(i18n, common.first_name)}</label>
                        <input id="identity-first" required prop:value=first on:input=move |ev| first.set(event_target_value(&ev)) />
                        <label for="identity-last">{t!(i18n, common.last_name)}</label>
                        <input id="identity-last" required prop:value=last on:input=move |ev| last.set(event_target_value(&ev)) />
                        <label for="identity-birth">{t!(i18n, enrolment.birth_date)}</label>
                        <input id="identity-birth" type="date" required prop:value=birth on:input=move |ev| birth.set(event_target_value(&ev)) />
                        <button class="primary" type="submit" id="identity-start" disabled=move || actions.pending()>{t!(i18n, enrolment.start_verification)}</button>
                    </form>
                </section>
            }
            .into_any()
        }
    }
}

#[component]
fn DocumentsForm(
    verification: IdentityView,
    actions: Actions,
    qr: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let needs_back = verification.document_type != DocumentType::Passport;
    let front: NodeRef<html::Input> = NodeRef::new();
    let back: NodeRef<html::Input> = NodeRef::new();
    let id = verification.id.clone();
    let received = verification.images.clone();
    let document_type = verification.document_type;

    let send = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, front, back) = (id.clone(), selected_file(front), selected_file(back));
            actions.run(async move {
                if let Some(file) = front {
                    api::upload(
                        UPLOAD,
                        json!({ "id": id, "side": ImageSide::Front }),
                        file,
                        None,
                    )
                    .await?;
                }
                if let Some(file) = back {
                    api::upload(
                        UPLOAD,
                        json!({ "id": id, "side": ImageSide::Back }),
                        file,
                        None,
                    )
                    .await?;
                }
                api::run::<SubmitIdentityVerification>(submit_identity_verification::Variables {
                    verification_id: id,
                })
                .await
                .map(|_| ())
            });
        }
    };
    let use_phone = move |_| {
        let id = id.clone();
        actions.run(async move {
            let link = api::run::<CreateCaptureLink>(create_capture_link::Variables {
                verification_id: id,
            })
            .await?
            .create_capture_link;
            qr.set(Some((link.qr_svg, link.url)));
            Ok(())
        });
    };
    view! {
        <div class="two-ways">
        <section class="card">
            <p>{move || text::document_type(i18n.get_locale(), document_type.as_str())}</p>
            {(!received.is_empty()).then(|| view! {
                <p class="success" data-testid="documents-received">{move || {
                    let locale = i18n.get_locale();
                    let sides: Vec<String> = received.iter().map(|side| text::image_side(locale, side.as_str()).into_owned()).collect();
                    td_string!(locale, enrolment.documents_received, sides = sides.join(", ")).to_string()
                }}</p>
            })}
            <form on:submit=send class="stack">
                <FileField id="identity-front" accept=IDENTITY_FILES input=front>{t!(i18n, enrolment.front)}</FileField>
                <Show when=move || needs_back>
                    <FileField id="identity-back" accept=IDENTITY_FILES input=back>{t!(i18n, enrolment.back)}</FileField>
                </Show>
                <p class="muted">{t!(i18n, enrolment.file_help)}</p>
                <button class="primary" type="submit" id="identity-send" disabled=move || actions.pending()>{t!(i18n, enrolment.send_documents)}</button>
            </form>
        </section>
        <section class="card">
            <Show when=move || qr.get().is_some() fallback=move || view! {
                <button id="use-phone" on:click=use_phone.clone() disabled=move || actions.pending()>{t!(i18n, enrolment.use_phone)}</button>
            }>
                <p>{t!(i18n, enrolment.qr_help)}</p>
                <div class="qr" data-testid="capture-qr" role="img" aria-label=move || t_string!(i18n, enrolment.qr_alt)
                    inner_html=move || qr.get().map(|(svg, _)| svg).unwrap_or_default()></div>
                <p class="muted"><a data-testid="capture-url" rel="external" href=move || qr.get().map(|(_, url)| url).unwrap_or_default()>{move || qr.get().map(|(_, url)| url).unwrap_or_default()}</a></p>
            </Show>
        </section>
        </div>
    }
}

#[component]
fn AgreementStep(data: Data, actions: Actions, local: Local) -> impl IntoView {
    let i18n = use_i18n();
    let Local {
        accepted,
        hint,
        code,
        ..
    } = local;
    let status_note = data.my_enrolment.verification.as_ref().map(|v| v.status);
    let accept = move |ev: leptos::ev::Event| {
        if !event_target_checked(&ev) {
            return;
        }
        accepted.set(true);
        actions.run(async move {
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
        });
    };
    let sign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entered = code.get_untracked().trim().to_owned();
        actions.run(async move {
            api::run::<SignAgreement>(sign_agreement::Variables { code: entered })
                .await
                .map(|_| ())
        });
    };
    view! {
        {status_note.map(|status| view! { <section class="card"><p data-testid="verification-note">{move || verification_note(i18n.get_locale(), status)}</p></section> })}
        <section class="card agreement">
            <h2>{t!(i18n, enrolment.agreement_title)}</h2>
            <div class="agreement-text">
                {data.my_enrolment.agreement_articles.iter().map(|a| view! { <h3>{a.heading.clone()}</h3><p>{a.text.clone()}</p> }).collect_view()}
            </div>
            <p><a href=data.my_enrolment.agreement_url.clone() target="_blank" rel="noopener">{t!(i18n, enrolment.agreement_pdf)}</a></p>
            <p class="muted">{t!(i18n, enrolment.agreement_code_help)}</p>
            <label class="check">
                <input type="checkbox" id="agreement-accept" prop:checked=accepted disabled=move || accepted.get() on:change=accept />
                <span>{t!(i18n, enrolment.agreement_accept)}</span>
            </label>
            <Show when=move || hint.get().is_some()>
                <form on:submit=sign class="code-form">
                    <label for="agreement-code">{move || td_string!(i18n.get_locale(), enrolment.code_sent_to, hint = hint.get().unwrap_or_default()).to_string()}</label>
                    <CodeInput id="agreement-code" digits_only=true code />
                    <p class="muted">{t!(i18n, enrolment.agreement_sign_note)}</p>
                    <button class="primary" type="submit" id="agreement-sign" disabled=move || actions.pending()>{t!(i18n, common.sign)}</button>
                </form>
            </Show>
        </section>
    }
}

/// Where the identity check stands, in the holder's words.
pub fn verification_note(locale: Locale, status: VerificationStatus) -> &'static str {
    match status {
        VerificationStatus::Checking => td_string!(locale, enrolment.verifying),
        VerificationStatus::InReview => td_string!(locale, enrolment.in_review),
        _ => td_string!(locale, enrolment.received),
    }
}

#[component]
fn InProgressStep(data: Data, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let verification = data
        .my_enrolment
        .verification
        .clone()
        .map(IdentityView::from);
    let approved = verification
        .as_ref()
        .filter(|v| v.status == VerificationStatus::Approved)
        .cloned();
    let status = verification
        .as_ref()
        .map_or(VerificationStatus::InReview, |v| v.status);
    let note = move || verification_note(i18n.get_locale(), status);
    view! {
        <section class="card" data-testid="request-in-progress">
            <h2>{t!(i18n, enrolment.request_in_progress)}</h2>
            {match approved {
                None => view! {
                    <p>{t!(i18n, enrolment.request_in_progress_help)}</p>
                    <p class="muted" data-testid="verification-note">{note}</p>
                }.into_any(),
                Some(v) => view! { <ConfirmData verification=v actions /> }.into_any(),
            }}
        </section>
    }
}

/// "Confirmer ces données" / "Ces données ne sont pas correctes".
#[component]
pub fn ConfirmData(verification: IdentityView, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let confirm = move |id: String, correct: bool| {
        actions.run(async move {
            api::run::<ConfirmIdentityData>(confirm_identity_data::Variables { id, correct })
                .await
                .map(|_| ())
        });
    };
    let (yes, no) = (verification.id.clone(), verification.id.clone());
    view! {
        <h3>{t!(i18n, enrolment.extracted_title)}</h3>
        {verification.extracted.map(|e| {
            let (birth, expiry) = (e.birth_date.clone(), e.expiry_date.clone());
            view! {
                <dl class="facts" data-testid="extracted">
                    <dt>{t!(i18n, common.last_name)}</dt><dd>{e.surname}</dd>
                    <dt>{t!(i18n, common.first_name)}</dt><dd>{e.given_names}</dd>
                    <dt>{t!(i18n, enrolment.birth_date)}</dt><dd>{move || text::date(i18n.get_locale(), &birth)}</dd>
                    <dt>{t!(i18n, enrolment.document_number)}</dt><dd>{e.document_number}</dd>
                    <dt>{t!(i18n, enrolment.nationality)}</dt><dd>{e.nationality}</dd>
                    <dt>{t!(i18n, enrolment.expiry_date)}</dt><dd>{move || text::date(i18n.get_locale(), &expiry)}</dd>
                </dl>
            }
        })}
        <button class="primary" id="confirm-data" disabled=move || actions.pending() on:click=move |_| confirm(yes.clone(), true)>{t!(i18n, enrolment.confirm_data)}</button>
        " "
        <button class="link danger" id="dispute-data" disabled=move || actions.pending() on:click=move |_| confirm(no.clone(), false)>{t!(i18n, enrolment.dispute_data)}</button>
    }
}
