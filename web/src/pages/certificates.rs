//! "Ma signature personnelle": the holder's certificates (level, status, serial,
//! validity, issuer), their download, and "Révoquer mon certificat" with a reason.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::enrolment::{follow_verification, verification_note, ConfirmData, IdentityStep, IdentityView};
use crate::api::{
    self, confirm_qcp_details, my_certificates, my_qcp_subscription, open_qcp_subscription, request_qcp_signing_code, resend_qcp_access_code, revoke_my_certificate, sign_qcp_request,
    start_qcp_subscription, ConfirmQcpDetails, MyCertificates, MyQcpSubscription, OpenQcpSubscription, RequestQcpSigningCode, ResendQcpAccessCode, RevokeMyCertificate, SignQcpRequest,
    StartQcpSubscription,
};
use crate::i18n;
use crate::session::{enum_name, enum_value};

const REASONS: [&str; 5] = ["UNSPECIFIED", "KEY_COMPROMISE", "AFFILIATION_CHANGED", "SUPERSEDED", "CESSATION_OF_OPERATION"];

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let certificates = RwSignal::new(None::<Vec<my_certificates::MyCertificatesMyCertificates>>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let revoking = RwSignal::new(None::<String>);
    let reason = RwSignal::new("UNSPECIFIED".to_owned());
    let load = move || {
        spawn_local(async move {
            match api::run::<MyCertificates>(my_certificates::Variables).await {
                Ok(data) => certificates.set(Some(data.my_certificates)),
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };
    load();
    let act = api::action_runner(pending, error, load);
    let revoke = move |id: String| {
        let Some(reason) = enum_value(&reason.get_untracked()) else { return };
        act(Box::pin(async move {
            api::run::<RevokeMyCertificate>(revoke_my_certificate::Variables { id, reason }).await?;
            revoking.set(None);
            Ok(())
        }));
    };

    view! {
        <section class="card">
            <h2>{i18n::CERTIFICATES_TITLE}</h2>
            {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="certificates-error">{message}</p> })}
            {move || match certificates.get() {
                None => view! { <p class="muted">{i18n::LOADING}</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p>{i18n::NO_CERTIFICATE}" "<a href="/enregistrement">{i18n::NAV_ENROLMENT}</a></p> }.into_any(),
                Some(list) => list.into_iter().map(|c| {
                    let status = enum_name(&c.status);
                    let valid = status == "VALID";
                    let id = StoredValue::new(c.id.clone());
                    let asking = move || revoking.get().as_deref() == Some(id.get_value().as_str());
                    view! {
                        <article class="certificate" data-testid="certificate" data-status=status.clone()>
                            <h3>{i18n::certificate_level_label(&enum_name(&c.level))}</h3>
                            <p class=if valid { "success" } else { "warning" }>{i18n::certificate_status_label(&status)}
                                {c.revoked_at.clone().map(|at| format!(" — {}", i18n::date(&at)))}</p>
                            <dl class="facts">
                                <dt>{i18n::SERIAL}</dt><dd class="mono">{c.serial.clone()}</dd>
                                <dt>{i18n::VALIDITY}</dt><dd>{format!("{} → {}", i18n::date(&c.not_before), i18n::date(&c.not_after))}</dd>
                                <dt>{i18n::ISSUER}</dt><dd>{c.issuer.clone()}</dd>
                            </dl>
                            <p><a href=c.download_url.clone() download>{i18n::DOWNLOAD_CERTIFICATE}</a></p>
                            <Show when=move || valid>
                                <Show when=asking fallback=move || view! {
                                    <button class="link danger" data-testid="revoke" on:click=move |_| revoking.set(Some(id.get_value()))>{i18n::REVOKE}</button>
                                }>
                                    <p class="warning">{i18n::REVOKE_WARNING}</p>
                                    <label for="revocation-reason">{i18n::REASON}</label>
                                    <select id="revocation-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                                        {REASONS.into_iter().map(|r| view! { <option value=r>{i18n::revocation_reason_label(r)}</option> }).collect_view()}
                                    </select>
                                    <button class="danger" data-testid="confirm-revoke" disabled=move || pending.get()
                                        on:click=move |_| revoke(id.get_value())>{i18n::REVOKE_CONFIRM}</button>
                                </Show>
                            </Show>
                        </article>
                    }
                }).collect_view().into_any(),
            }}
        </section>
        <QcpSubscription on_issued=load />
    }
}

type QcpData = my_qcp_subscription::ResponseData;

/// "Souscrire à un certificat qualifié": cabinet to debit, email code, details and
/// consents, identity (here or by phone, live), extracted data, the request signed with an
/// SMS code. `on_issued` refreshes the list above.
#[component]
pub fn QcpSubscription(on_issued: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let data = RwSignal::new(None::<QcpData>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::run::<MyQcpSubscription>(my_qcp_subscription::Variables).await {
                Ok(response) => {
                    let issued = response.my_qcp_subscription.as_ref().is_some_and(|q| enum_name(&q.step) == "ISSUED");
                    data.set(Some(response));
                    if issued {
                        on_issued();
                    }
                }
                Err(e) => error.set(Some(i18n::error_message(e.code, &e.message))),
            }
        });
    };
    load();
    let act = api::action_runner(pending, error, load);
    follow_verification(move || data.with(|d| d.as_ref().and_then(|d| d.my_qcp_subscription.as_ref()?.verification.as_ref().map(|v| v.id.clone()))), load);
    let qr = RwSignal::new(None::<(String, String)>);
    let cabinet = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let terms = RwSignal::new(false);
    let privacy = RwSignal::new(false);
    let hint = RwSignal::new(None::<String>);

    let start = move |_| {
        let cabinet_id = cabinet.get_untracked();
        let cabinet_id = if cabinet_id.is_empty() { data.with_untracked(|d| d.as_ref().and_then(|d| d.me.memberships.first().map(|m| m.cabinet_id.clone()))).unwrap_or_default() } else { cabinet_id };
        act(Box::pin(async move { api::run::<StartQcpSubscription>(start_qcp_subscription::Variables { cabinet_id }).await.map(|_| ()) }));
    };

    let body = move |d: QcpData| {
        let me = d.me.clone();
        let Some(q) = d.my_qcp_subscription.clone() else {
            return view! {
                <p class="muted">{i18n::QCP_INTRO}</p>
                <label for="qcp-cabinet">{i18n::QCP_CABINET}</label>
                <select id="qcp-cabinet" on:change=move |ev| cabinet.set(event_target_value(&ev))>
                    {me.memberships.iter().map(|m| view! { <option value=m.cabinet_id.clone()>{m.cabinet_name.clone()}</option> }).collect_view()}
                </select>
                <button class="primary" id="qcp-start" disabled=move || pending.get() on:click=start>{i18n::QCP_SUBSCRIBE}</button>
            }
            .into_any();
        };
        let id = StoredValue::new(q.id.clone());
        let verification = q.verification.clone().map(IdentityView::from);
        match enum_name(&q.step).as_str() {
            "ACCESS" => view! {
                <p>{i18n::QCP_ACCESS_HELP}</p>
                <form class="code-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let entered = code.get_untracked().trim().to_owned();
                    code.set(String::new());
                    act(Box::pin(async move { api::run::<OpenQcpSubscription>(open_qcp_subscription::Variables { id: id.get_value(), code: entered }).await.map(|_| ()) }));
                }>
                    <label for="qcp-access-code">{i18n::QCP_EMAIL_CODE}</label>
                    <input id="qcp-access-code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                    <button class="primary" type="submit" id="qcp-access-submit" disabled=move || pending.get()>{i18n::QCP_ACCESS_SUBMIT}</button>
                    <button type="button" class="link" on:click=move |_| act(Box::pin(async move {
                        api::run::<ResendQcpAccessCode>(resend_qcp_access_code::Variables { id: id.get_value() }).await.map(|_| ())
                    }))>{i18n::RESEND}</button>
                </form>
            }.into_any(),
            "DETAILS" => {
                let name = format!("{} {}", me.user.first_name, me.user.last_name);
                let mobile = me.user.mobile.clone().unwrap_or_default();
                let input = confirm_qcp_details::QcpDetailsInput { first_name: me.user.first_name.clone(), last_name: me.user.last_name.clone(), mobile: mobile.clone(), accept_terms: true, accept_privacy_policy: true };
                let input = StoredValue::new(input);
                view! {
                    <p>{i18n::qcp_identity_check(&name, &mobile)}</p>
                    <label class="check"><input type="checkbox" id="qcp-terms" prop:checked=terms on:change=move |ev| terms.set(event_target_checked(&ev)) /><span>{i18n::QCP_DETAILS_CONSENT_TERMS}</span></label>
                    <label class="check"><input type="checkbox" id="qcp-privacy" prop:checked=privacy on:change=move |ev| privacy.set(event_target_checked(&ev)) /><span>{i18n::QCP_DETAILS_CONSENT_PRIVACY}</span></label>
                    <button class="primary" id="qcp-details-submit" disabled=move || pending.get() || !(terms.get() && privacy.get()) on:click=move |_| {
                        let mut input = input.get_value();
                        input.accept_terms = terms.get_untracked();
                        input.accept_privacy_policy = privacy.get_untracked();
                        act(Box::pin(async move { api::run::<ConfirmQcpDetails>(confirm_qcp_details::Variables { id: id.get_value(), input }).await.map(|_| ()) }));
                    }>{i18n::VALIDATE}</button>
                }.into_any()
            }
            "IDENTITY" => {
                let (first, last) = (me.user.first_name.clone(), me.user.last_name.clone());
                view! { <IdentityStep verification first last qualified=true act=act pending=pending qr=qr /> }.into_any()
            }
            "VERIFYING" => view! { <p data-testid="qcp-verifying">{verification.as_ref().map(|v| verification_note(&v.status)).unwrap_or(i18n::VERIFYING)}</p> }.into_any(),
            "CONFIRM_DATA" => match verification {
                Some(v) => view! { <ConfirmData verification=v act=act pending=pending /> }.into_any(),
                None => ().into_any(),
            },
            "SIGN" => view! {
                <h3>{i18n::QCP_REQUEST_TITLE}</h3>
                <dl class="facts">
                    <dt>{i18n::LAST_NAME}</dt><dd>{format!("{} {}", me.user.first_name, me.user.last_name)}</dd>
                    <dt>{i18n::QCP_CABINET}</dt><dd>{format!("{} (20,00 €)", q.cabinet_name)}</dd>
                </dl>
                <label class="check">
                    <input type="checkbox" id="qcp-request-accept" prop:checked=move || hint.get().is_some() disabled=move || hint.get().is_some() on:change=move |_| act(Box::pin(async move {
                        let sent = api::run::<RequestQcpSigningCode>(request_qcp_signing_code::Variables { id: id.get_value() }).await?;
                        hint.set(Some(sent.request_qcp_signing_code.mobile_hint));
                        Ok(())
                    })) />
                    <span>{i18n::QCP_REQUEST_ACCEPT}</span>
                </label>
                <Show when=move || hint.get().is_some()>
                    <form class="code-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let entered = code.get_untracked().trim().to_owned();
                        act(Box::pin(async move {
                            api::run::<SignQcpRequest>(sign_qcp_request::Variables { id: id.get_value(), code: entered }).await?;
                            code.set(String::new());
                            hint.set(None);
                            Ok(())
                        }));
                    }>
                        <label for="qcp-sms-code">{move || format!("{} {}", i18n::agreement_code_sent_to(&hint.get().unwrap_or_default()), i18n::QCP_CODE_EXPIRES)}</label>
                        <input id="qcp-sms-code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                        <button class="primary" type="submit" id="qcp-sign" disabled=move || pending.get()>{i18n::SIGN}</button>
                        <button type="button" class="link" on:click=move |_| act(Box::pin(async move {
                            let sent = api::run::<RequestQcpSigningCode>(request_qcp_signing_code::Variables { id: id.get_value() }).await?;
                            hint.set(Some(sent.request_qcp_signing_code.mobile_hint));
                            Ok(())
                        }))>{i18n::RESEND}</button>
                    </form>
                </Show>
            }.into_any(),
            _ => view! { <p class="success" data-testid="qcp-issued">{i18n::QCP_ISSUED}</p> }.into_any(),
        }
    };

    view! {
        <section class="card" data-testid="qcp">
            <h2>{i18n::QCP_TITLE}</h2>
            {move || data.get().map(|d| {
                let step = d.my_qcp_subscription.as_ref().map(|q| enum_name(&q.step)).unwrap_or_default();
                view! { <div data-testid="qcp-step" data-step=step>{body(d)}</div> }
            })}
            {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="qcp-error">{message}</p> })}
        </section>
    }
}
