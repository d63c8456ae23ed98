//! The phone's side of the QR hand-off (`/capture/:token`, no account: the single-use
//! link is the credential): photograph the document with the camera, then a selfie,
//! send. The desktop page follows live.

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde_json::json;

use crate::api::{self, finish_capture, open_capture, FinishCapture, OpenCapture};
use crate::components::{selected_file, ErrorBanner, ErrorCard, FileField, UploadProgress};
use crate::enums::ImageSide;
use crate::hooks::{use_actions, use_query};
use crate::i18n::*;
use crate::language::LanguageSwitch;
use crate::text;

const CAPTURE: &str = "mutation($t: String!, $side: ImageSide!, $file: Upload!) { captureIdentityImage(token: $t, side: $side, file: $file) }";

#[component]
pub fn CapturePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with_untracked(|p| p.get("token").unwrap_or_default());
    // Opened once: the link is single-use, and failing to open it leaves nothing to do.
    let session = use_query(move || {
        let token = token();
        async move {
            api::run::<OpenCapture>(open_capture::Variables { token })
                .await
                .map(|data| data.open_capture)
        }
    });
    let done = RwSignal::new(false);
    // Phone photos are large and mobile networks slow: show each upload's progress.
    let progress = RwSignal::new(None::<u32>);
    let actions = use_actions(|| {});
    let front: NodeRef<html::Input> = NodeRef::new();
    let back: NodeRef<html::Input> = NodeRef::new();
    let selfie: NodeRef<html::Input> = NodeRef::new();

    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let files: Vec<(ImageSide, web_sys::File)> = [
            (ImageSide::Front, front),
            (ImageSide::Back, back),
            (ImageSide::Selfie, selfie),
        ]
        .into_iter()
        .filter_map(|(side, input)| selected_file(input).map(|file| (side, file)))
        .collect();
        let token = token();
        actions.run(async move {
            for (side, file) in files {
                api::upload(
                    CAPTURE,
                    json!({ "t": token, "side": side }),
                    file,
                    Some(progress),
                )
                .await?;
            }
            api::run::<FinishCapture>(finish_capture::Variables { token }).await?;
            done.set(true);
            Ok(())
        });
    };

    view! {
        <div class="signer capture">
            <header class="signer-header">
                <span class="brand">{t!(i18n, common.app_name)}</span>
                <LanguageSwitch />
            </header>
            <main>
            {move || session.error.get().map(|e| view! { <ErrorCard error=e testid="capture-fatal" /> })}
            {move || done.get().then(|| view! { <section class="card success" data-testid="capture-done" role="status"><p>{t!(i18n, public.capture.done)}</p></section> })}
            {move || session.data.get().filter(|_| !done.get()).map(|s| {
                let needs_back = s.needs_back;
                let (name, document_type) = (s.first_name.clone(), s.document_type.as_str());
                view! {
                    <section class="card">
                        <h1>{t!(i18n, public.capture.title)}</h1>
                        <p class="muted">{move || td_string!(i18n.get_locale(), public.capture.who, name = name.clone(), document = text::document_type(i18n.get_locale(), document_type)).to_string()}</p>
                        <form on:submit=send class="stack">
                            <FileField id="capture-front" accept="image/*" capture="environment" required=true input=front>{t!(i18n, public.capture.front)}</FileField>
                            <Show when=move || needs_back>
                                <FileField id="capture-back" accept="image/*" capture="environment" required=true input=back>{t!(i18n, public.capture.back)}</FileField>
                            </Show>
                            <FileField id="capture-selfie" accept="image/*" capture="user" input=selfie>{t!(i18n, public.capture.selfie)}</FileField>
                            <p class="muted">{t!(i18n, public.capture.file_help)}</p>
                            <UploadProgress progress />
                            <button class="primary" type="submit" id="capture-send" disabled=move || actions.pending()>{t!(i18n, public.capture.send)}</button>
                        </form>
                        <ErrorBanner error=move || actions.error() testid="capture-error" />
                    </section>
                }
            })}
            </main>
        </div>
    }
}
