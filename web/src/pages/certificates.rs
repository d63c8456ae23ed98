//! "Ma signature personnelle": the holder's certificates (level, status, serial,
//! validity, issuer), their download, and "Révoquer mon certificat" with a reason.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, my_certificates, revoke_my_certificate, MyCertificates, RevokeMyCertificate};
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
    }
}
