//! "Ma signature personnelle": the holder's certificates (level, status, serial,
//! validity, issuer), their download, and "Révoquer mon certificat" with a reason.

use leptos::prelude::*;

use super::enrolment::{
    follow_verification, verification_note, ConfirmData, IdentityStep, IdentityView,
};
use crate::api::{
    self, confirm_qcp_details, my_certificates, my_qcp_subscription, open_qcp_subscription,
    request_qcp_signing_code, resend_qcp_access_code, revoke_my_certificate, sign_qcp_request,
    start_qcp_subscription, ConfirmQcpDetails, MyCertificates, MyQcpSubscription,
    OpenQcpSubscription, RequestQcpSigningCode, ResendQcpAccessCode, RevokeMyCertificate,
    SignQcpRequest, StartQcpSubscription,
};
use crate::components::{Checkbox, CodeInput, ErrorBanner, Loading};
use crate::enums::{CertificateStatus, QcpStep, RevocationReasonInput, VerificationStatus};
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::text;

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let revoking = RwSignal::new(None::<String>);
    let reason = RwSignal::new(RevocationReasonInput::Unspecified);
    let certificates = use_query(|| async {
        api::run::<MyCertificates>(my_certificates::Variables)
            .await
            .map(|data| data.my_certificates)
    });
    let actions = use_actions(move || certificates.reload());
    let revoke = move |id: String| {
        let reason = reason.get_untracked();
        actions.run(async move {
            api::run::<RevokeMyCertificate>(revoke_my_certificate::Variables { id, reason })
                .await?;
            revoking.set(None);
            Ok(())
        });
    };

    view! {
        <section class="card">
            <h2>{t!(i18n, certificates.title)}</h2>
            <ErrorBanner error=move || actions.error().or_else(|| certificates.error.get()) testid="certificates-error" />
            {move || match certificates.data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) if list.is_empty() => view! { <p>{t!(i18n, certificates.none)}" "<a href="/enregistrement">{t!(i18n, common.nav.enrolment)}</a></p> }.into_any(),
                Some(list) => list.into_iter().map(|c| {
                    let status = c.status;
                    let valid = status == CertificateStatus::Valid;
                    let id = StoredValue::new(c.id.clone());
                    let asking = move || revoking.get().as_deref() == Some(id.get_value().as_str());
                    let (level, revoked_at, not_before, not_after) = (c.level.as_str(), c.revoked_at.clone(), c.not_before.clone(), c.not_after.clone());
                    let status_words = {
                        move || {
                            let locale = i18n.get_locale();
                            let status = text::certificate_status(locale, status.as_str());
                            match &revoked_at {
                                Some(at) => td_string!(locale, certificates.revoked_on, status, date = text::date(locale, at)).to_string(),
                                None => status.into_owned(),
                            }
                        }
                    };
                    view! {
                        <article class="certificate" data-testid="certificate" data-status=status.as_str()>
                            <h3>{move || text::certificate_level(i18n.get_locale(), level)}</h3>
                            <p class=if valid { "success" } else { "warning" }>{status_words}</p>
                            <dl class="facts">
                                <dt>{t!(i18n, certificates.serial)}</dt><dd class="mono">{c.serial.clone()}</dd>
                                <dt>{t!(i18n, certificates.validity)}</dt>
                                <dd>{move || td_string!(i18n.get_locale(), certificates.validity_range, from = text::date(i18n.get_locale(), &not_before), to = text::date(i18n.get_locale(), &not_after)).to_string()}</dd>
                                <dt>{t!(i18n, certificates.issuer)}</dt><dd>{c.issuer.clone()}</dd>
                            </dl>
                            <p><a href=c.download_url.clone() download="" rel="external">{t!(i18n, certificates.download)}</a></p>
                            <Show when=move || valid>
                                <Show when=asking fallback=move || view! {
                                    <button class="link danger" data-testid="revoke" on:click=move |_| revoking.set(Some(id.get_value()))>{t!(i18n, certificates.revoke)}</button>
                                }>
                                    <p class="warning">{t!(i18n, certificates.revoke_warning)}</p>
                                    <label for="revocation-reason">{t!(i18n, certificates.revoke_reason)}</label>
                                    <select id="revocation-reason" on:change=move |ev| reason.set(RevocationReasonInput::from_name(&event_target_value(&ev)).unwrap_or(RevocationReasonInput::Unspecified))>
                                        {RevocationReasonInput::ALL.iter().map(|r| view! { <option value=r.as_str()>{move || text::revocation_reason(i18n.get_locale(), r.as_str())}</option> }).collect_view()}
                                    </select>
                                    <button class="danger" data-testid="confirm-revoke" disabled=move || actions.pending()
                                        on:click=move |_| revoke(id.get_value())>{t!(i18n, certificates.revoke_confirm)}</button>
                                </Show>
                            </Show>
                        </article>
                    }
                }).collect_view().into_any(),
            }}
        </section>
        <QcpSubscription on_issued=move || certificates.reload() />
    }
}

type QcpData = my_qcp_subscription::ResponseData;

/// "Souscrire à un certificat qualifié": cabinet to debit, email code, details and
/// consents, identity (here or by phone, live), extracted data, the request signed with an
/// SMS code. `on_issued` refreshes the list above.
#[component]
pub fn QcpSubscription(on_issued: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query(move || async move {
        let response = api::run::<MyQcpSubscription>(my_qcp_subscription::Variables).await?;
        if response
            .my_qcp_subscription
            .as_ref()
            .is_some_and(|q| q.step == QcpStep::Issued)
        {
            on_issued();
        }
        Ok(response)
    });
    let data = query.data;
    let load = move || query.reload();
    let actions = use_actions(load);
    follow_verification(
        move || {
            data.with(|d| {
                d.as_ref().and_then(|d| {
                    d.my_qcp_subscription
                        .as_ref()?
                        .verification
                        .as_ref()
                        .map(|v| v.id.clone())
                })
            })
        },
        load,
    );
    let qr = RwSignal::new(None::<(String, String)>);
    let cabinet = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let terms = RwSignal::new(false);
    let privacy = RwSignal::new(false);
    let hint = RwSignal::new(None::<String>);

    let start = move |_| {
        let cabinet_id = cabinet.get_untracked();
        let cabinet_id = if cabinet_id.is_empty() {
            data.with_untracked(|d| {
                d.as_ref()
                    .and_then(|d| d.me.memberships.first().map(|m| m.cabinet_id.clone()))
            })
            .unwrap_or_default()
        } else {
            cabinet_id
        };
        actions.run(async move {
            api::run::<StartQcpSubscription>(start_qcp_subscription::Variables { cabinet_id })
                .await
                .map(|_| ())
        });
    };

    let body = move |d: QcpData| {
        let me = d.me.clone();
        let Some(q) = d.my_qcp_subscription.clone() else {
            return view! {
                <p class="muted">{t!(i18n, certificates.qcp.intro)}</p>
                <label for="qcp-cabinet">{t!(i18n, certificates.qcp.cabinet)}</label>
                <select id="qcp-cabinet" on:change=move |ev| cabinet.set(event_target_value(&ev))>
                    {me.memberships.iter().map(|m| view! { <option value=m.cabinet_id.clone()>{m.cabinet_name.clone()}</option> }).collect_view()}
                </select>
                <button class="primary" id="qcp-start" disabled=move || actions.pending() on:click=start>{t!(i18n, certificates.qcp.subscribe)}</button>
            }
            .into_any();
        };
        let id = StoredValue::new(q.id.clone());
        let verification = q.verification.clone().map(IdentityView::from);
        match q.step {
            QcpStep::Access => view! {
                <p>{t!(i18n, certificates.qcp.access_help)}</p>
                <form class="code-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let entered = code.get_untracked().trim().to_owned();
                    code.set(String::new());
                    actions.run(async move { api::run::<OpenQcpSubscription>(open_qcp_subscription::Variables { id: id.get_value(), code: entered }).await.map(|_| ()) });
                }>
                    <label for="qcp-access-code">{t!(i18n, certificates.qcp.email_code)}</label>
                    <CodeInput id="qcp-access-code" code />
                    <button class="primary" type="submit" id="qcp-access-submit" disabled=move || actions.pending()>{t!(i18n, certificates.qcp.access_submit)}</button>
                    <button type="button" class="link" on:click=move |_| actions.run(async move {
                        api::run::<ResendQcpAccessCode>(resend_qcp_access_code::Variables { id: id.get_value() }).await.map(|_| ())
                    })>{t!(i18n, certificates.qcp.resend)}</button>
                </form>
            }.into_any(),
            QcpStep::Details => {
                let name = format!("{} {}", me.user.first_name, me.user.last_name);
                let mobile = me.user.mobile.clone().unwrap_or_default();
                let input = confirm_qcp_details::QcpDetailsInput { first_name: me.user.first_name.clone(), last_name: me.user.last_name.clone(), mobile: mobile.clone(), accept_terms: true, accept_privacy_policy: true };
                let input = StoredValue::new(input);
                view! {
                    <p>{t!(i18n, certificates.qcp.identity_check, name = name.clone(), mobile = mobile.clone())}</p>
                    <Checkbox id="qcp-terms" checked=terms>{t!(i18n, certificates.qcp.consent_terms)}</Checkbox>
                    <Checkbox id="qcp-privacy" checked=privacy>{t!(i18n, certificates.qcp.consent_privacy)}</Checkbox>
                    <button class="primary" id="qcp-details-submit" disabled=move || actions.pending() || !(terms.get() && privacy.get()) on:click=move |_| {
                        let mut input = input.get_value();
                        input.accept_terms = terms.get_untracked();
                        input.accept_privacy_policy = privacy.get_untracked();
                        actions.run(async move { api::run::<ConfirmQcpDetails>(confirm_qcp_details::Variables { id: id.get_value(), input }).await.map(|_| ()) });
                    }>{t!(i18n, common.validate)}</button>
                }.into_any()
            }
            QcpStep::Identity => {
                let (first, last) = (me.user.first_name.clone(), me.user.last_name.clone());
                view! { <IdentityStep verification first last qualified=true actions qr=qr /> }.into_any()
            }
            QcpStep::Verifying => {
                let status = verification.as_ref().map_or(VerificationStatus::Checking, |v| v.status);
                view! { <p data-testid="qcp-verifying">{move || verification_note(i18n.get_locale(), status)}</p> }.into_any()
            }
            QcpStep::ConfirmData => match verification {
                Some(v) => view! { <ConfirmData verification=v actions /> }.into_any(),
                None => ().into_any(),
            },
            QcpStep::Sign => view! {
                <h3>{t!(i18n, certificates.qcp.request_title)}</h3>
                <dl class="facts">
                    <dt>{t!(i18n, certificates.qcp.holder)}</dt><dd>{format!("{} {}", me.user.first_name, me.user.last_name)}</dd>
                    <dt>{t!(i18n, certificates.qcp.cabinet)}</dt><dd>{t!(i18n, certificates.qcp.cabinet_and_price, cabinet = q.cabinet_name.clone())}</dd>
                </dl>
                <label class="check">
                    <input type="checkbox" id="qcp-request-accept" prop:checked=move || hint.get().is_some() disabled=move || hint.get().is_some() on:change=move |_| actions.run(async move {
                        let sent = api::run::<RequestQcpSigningCode>(request_qcp_signing_code::Variables { id: id.get_value() }).await?;
                        hint.set(Some(sent.request_qcp_signing_code.mobile_hint));
                        Ok(())
                    }) />
                    <span>{t!(i18n, certificates.qcp.request_accept)}</span>
                </label>
                <Show when=move || hint.get().is_some()>
                    <form class="code-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let entered = code.get_untracked().trim().to_owned();
                        actions.run(async move {
                            api::run::<SignQcpRequest>(sign_qcp_request::Variables { id: id.get_value(), code: entered }).await?;
                            code.set(String::new());
                            hint.set(None);
                            Ok(())
                        });
                    }>
                        <label for="qcp-sms-code">{move || td_string!(i18n.get_locale(), certificates.qcp.code_sent_to, hint = hint.get().unwrap_or_default()).to_string()}</label>
                        <CodeInput id="qcp-sms-code" code />
                        <button class="primary" type="submit" id="qcp-sign" disabled=move || actions.pending()>{t!(i18n, common.sign)}</button>
                        <button type="button" class="link" on:click=move |_| actions.run(async move {
                            let sent = api::run::<RequestQcpSigningCode>(request_qcp_signing_code::Variables { id: id.get_value() }).await?;
                            hint.set(Some(sent.request_qcp_signing_code.mobile_hint));
                            Ok(())
                        })>{t!(i18n, certificates.qcp.resend)}</button>
                    </form>
                </Show>
            }.into_any(),
            QcpStep::Issued | QcpStep::Unknown => view! { <p class="success" data-testid="qcp-issued" role="status">{t!(i18n, certificates.qcp.issued)}</p> }.into_any(),
        }
    };

    view! {
        <section class="card" data-testid="qcp">
            <h2>{t!(i18n, certificates.qcp.title)}</h2>
            {move || data.get().map(|d| {
                let step = d.my_qcp_subscription.as_ref().map_or("", |q| q.step.as_str());
                view! { <div data-testid="qcp-step" data-step=step>{body(d)}</div> }
            })}
            <ErrorBanner error=move || actions.error().or_else(|| query.error.get()) testid="qcp-error" />
        </section>
    }
}
