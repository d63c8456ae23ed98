//! "Ma signature personnelle": the holder's certificates (level, status, serial,
//! validity, issuer), their download, and "Révoquer mon certificat" with a reason.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::enrolment::{
    follow_verification, verification_note, ConfirmData, IdentityStep, IdentityView,
};
use crate::api::ApiError;
use crate::api::{
    self, confirm_qcp_details, my_certificates, my_qcp_subscription, open_qcp_subscription,
    request_qcp_signing_code, resend_qcp_access_code, revoke_my_certificate, sign_qcp_request,
    start_qcp_subscription, ConfirmQcpDetails, MyCertificates, MyQcpSubscription,
    OpenQcpSubscription, RequestQcpSigningCode, ResendQcpAccessCode, RevokeMyCertificate,
    SignQcpRequest, StartQcpSubscription,
};
use crate::i18n::*;
use crate::session::{enum_name, enum_value};
use crate::text;
use crate::widgets::{error_view, Loading};

const REASONS: [&str; 5] = [
    "UNSPECIFIED",
    "KEY_COMPROMISE",
    "AFFILIATION_CHANGED",
    "SUPERSEDED",
    "CESSATION_OF_OPERATION",
];

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let certificates = RwSignal::new(None::<Vec<my_certificates::MyCertificatesMyCertificates>>);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let revoking = RwSignal::new(None::<String>);
    let reason = RwSignal::new("UNSPECIFIED".to_owned());
    let load = move || {
        spawn_local(async move {
            match api::run::<MyCertificates>(my_certificates::Variables).await {
                Ok(data) => certificates.set(Some(data.my_certificates)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    let act = api::action_runner(pending, error, load);
    let revoke = move |id: String| {
        let Some(reason) = enum_value(&reason.get_untracked()) else {
            return;
        };
        act(Box::pin(async move {
            api::run::<RevokeMyCertificate>(revoke_my_certificate::Variables { id, reason })
                .await?;
            revoking.set(None);
            Ok(())
        }));
    };

    view! {
        <section class="card">
            <h2>{t!(i18n, certificates.title)}</h2>
            {error_view(error, "certificates-error")}
            {move || match certificates.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) if list.is_empty() => view! { <p>{t!(i18n, certificates.none)}" "<a href="/enregistrement">{t!(i18n, common.nav.enrolment)}</a></p> }.into_any(),
                Some(list) => list.into_iter().map(|c| {
                    let status = enum_name(&c.status);
                    let valid = status == "VALID";
                    let id = StoredValue::new(c.id.clone());
                    let asking = move || revoking.get().as_deref() == Some(id.get_value().as_str());
                    let (level, revoked_at, not_before, not_after) = (enum_name(&c.level), c.revoked_at.clone(), c.not_before.clone(), c.not_after.clone());
                    let status_words = {
                        let status = status.clone();
                        move || {
                            let locale = i18n.get_locale();
                            let status = text::certificate_status(locale, &status);
                            match &revoked_at {
                                Some(at) => td_string!(locale, certificates.revoked_on, status, date = text::date(locale, at)).to_string(),
                                None => status.into_owned(),
                            }
                        }
                    };
                    view! {
                        <article class="certificate" data-testid="certificate" data-status=status.clone()>
                            <h3>{move || text::certificate_level(i18n.get_locale(), &level)}</h3>
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
                                    <select id="revocation-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                                        {REASONS.into_iter().map(|r| view! { <option value=r>{move || text::revocation_reason(i18n.get_locale(), r)}</option> }).collect_view()}
                                    </select>
                                    <button class="danger" data-testid="confirm-revoke" disabled=move || pending.get()
                                        on:click=move |_| revoke(id.get_value())>{t!(i18n, certificates.revoke_confirm)}</button>
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
    let i18n = use_i18n();
    let data = RwSignal::new(None::<QcpData>);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::run::<MyQcpSubscription>(my_qcp_subscription::Variables).await {
                Ok(response) => {
                    let issued = response
                        .my_qcp_subscription
                        .as_ref()
                        .is_some_and(|q| enum_name(&q.step) == "ISSUED");
                    data.set(Some(response));
                    if issued {
                        on_issued();
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    let act = api::action_runner(pending, error, load);
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
        act(Box::pin(async move {
            api::run::<StartQcpSubscription>(start_qcp_subscription::Variables { cabinet_id })
                .await
                .map(|_| ())
        }));
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
                <button class="primary" id="qcp-start" disabled=move || pending.get() on:click=start>{t!(i18n, certificates.qcp.subscribe)}</button>
            }
            .into_any();
        };
        let id = StoredValue::new(q.id.clone());
        let verification = q.verification.clone().map(IdentityView::from);
        match enum_name(&q.step).as_str() {
            "ACCESS" => view! {
                <p>{t!(i18n, certificates.qcp.access_help)}</p>
                <form class="code-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let entered = code.get_untracked().trim().to_owned();
                    code.set(String::new());
                    act(Box::pin(async move { api::run::<OpenQcpSubscription>(open_qcp_subscription::Variables { id: id.get_value(), code: entered }).await.map(|_| ()) }));
                }>
                    <label for="qcp-access-code">{t!(i18n, certificates.qcp.email_code)}</label>
                    <input id="qcp-access-code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                    <button class="primary" type="submit" id="qcp-access-submit" disabled=move || pending.get()>{t!(i18n, certificates.qcp.access_submit)}</button>
                    <button type="button" class="link" on:click=move |_| act(Box::pin(async move {
                        api::run::<ResendQcpAccessCode>(resend_qcp_access_code::Variables { id: id.get_value() }).await.map(|_| ())
                    }))>{t!(i18n, certificates.qcp.resend)}</button>
                </form>
            }.into_any(),
            "DETAILS" => {
                let name = format!("{} {}", me.user.first_name, me.user.last_name);
                let mobile = me.user.mobile.clone().unwrap_or_default();
                let input = confirm_qcp_details::QcpDetailsInput { first_name: me.user.first_name.clone(), last_name: me.user.last_name.clone(), mobile: mobile.clone(), accept_terms: true, accept_privacy_policy: true };
                let input = StoredValue::new(input);
                view! {
                    <p>{t!(i18n, certificates.qcp.identity_check, name = name.clone(), mobile = mobile.clone())}</p>
                    <label class="check"><input type="checkbox" id="qcp-terms" prop:checked=terms on:change=move |ev| terms.set(event_target_checked(&ev)) /><span>{t!(i18n, certificates.qcp.consent_terms)}</span></label>
                    <label class="check"><input type="checkbox" id="qcp-privacy" prop:checked=privacy on:change=move |ev| privacy.set(event_target_checked(&ev)) /><span>{t!(i18n, certificates.qcp.consent_privacy)}</span></label>
                    <button class="primary" id="qcp-details-submit" disabled=move || pending.get() || !(terms.get() && privacy.get()) on:click=move |_| {
                        let mut input = input.get_value();
                        input.accept_terms = terms.get_untracked();
                        input.accept_privacy_policy = privacy.get_untracked();
                        act(Box::pin(async move { api::run::<ConfirmQcpDetails>(confirm_qcp_details::Variables { id: id.get_value(), input }).await.map(|_| ()) }));
                    }>{t!(i18n, common.validate)}</button>
                }.into_any()
            }
            "IDENTITY" => {
                let (first, last) = (me.user.first_name.clone(), me.user.last_name.clone());
                view! { <IdentityStep verification first last qualified=true act=act pending=pending qr=qr /> }.into_any()
            }
            "VERIFYING" => {
                let status = verification.as_ref().map(|v| v.status.clone()).unwrap_or_else(|| "CHECKING".to_owned());
                view! { <p data-testid="qcp-verifying">{move || verification_note(i18n.get_locale(), &status)}</p> }.into_any()
            }
            "CONFIRM_DATA" => match verification {
                Some(v) => view! { <ConfirmData verification=v act=act pending=pending /> }.into_any(),
                None => ().into_any(),
            },
            "SIGN" => view! {
                <h3>{t!(i18n, certificates.qcp.request_title)}</h3>
                <dl class="facts">
                    <dt>{t!(i18n, certificates.qcp.holder)}</dt><dd>{format!("{} {}", me.user.first_name, me.user.last_name)}</dd>
                    <dt>{t!(i18n, certificates.qcp.cabinet)}</dt><dd>{t!(i18n, certificates.qcp.cabinet_and_price, cabinet = q.cabinet_name.clone())}</dd>
                </dl>
                <label class="check">
                    <input type="checkbox" id="qcp-request-accept" prop:checked=move || hint.get().is_some() disabled=move || hint.get().is_some() on:change=move |_| act(Box::pin(async move {
                        let sent = api::run::<RequestQcpSigningCode>(request_qcp_signing_code::Variables { id: id.get_value() }).await?;
                        hint.set(Some(sent.request_qcp_signing_code.mobile_hint));
                        Ok(())
                    })) />
                    <span>{t!(i18n, certificates.qcp.request_accept)}</span>
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
                        <label for="qcp-sms-code">{move || td_string!(i18n.get_locale(), certificates.qcp.code_sent_to, hint = hint.get().unwrap_or_default()).to_string()}</label>
                        <input id="qcp-sms-code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                        <button class="primary" type="submit" id="qcp-sign" disabled=move || pending.get()>{t!(i18n, common.sign)}</button>
                        <button type="button" class="link" on:click=move |_| act(Box::pin(async move {
                            let sent = api::run::<RequestQcpSigningCode>(request_qcp_signing_code::Variables { id: id.get_value() }).await?;
                            hint.set(Some(sent.request_qcp_signing_code.mobile_hint));
                            Ok(())
                        }))>{t!(i18n, certificates.qcp.resend)}</button>
                    </form>
                </Show>
            }.into_any(),
            _ => view! { <p class="success" data-testid="qcp-issued" role="status">{t!(i18n, certificates.qcp.issued)}</p> }.into_any(),
        }
    };

    view! {
        <section class="card" data-testid="qcp">
            <h2>{t!(i18n, certificates.qcp.title)}</h2>
            {move || data.get().map(|d| {
                let step = d.my_qcp_subscription.as_ref().map(|q| enum_name(&q.step)).unwrap_or_default();
                view! { <div data-testid="qcp-step" data-step=step>{body(d)}</div> }
            })}
            {error_view(error, "qcp-error")}
        </section>
    }
}
