//! The phone's side of the QR hand-off (`/capture/:token`, no account: the single-use
//! link is the credential): photograph the document with the camera, then a selfie,
//! send. The desktop page follows live.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde_json::json;

use crate::api::{self, finish_capture, open_capture, ApiError, FinishCapture, OpenCapture};
use crate::i18n::*;
use crate::language::LanguageSwitch;
use crate::session::enum_name;
use crate::text;
use crate::widgets::{error_view, ErrorNotice};

const CAPTURE: &str = "mutation($t: String!, $side: ImageSide!, $file: Upload!) { captureIdentityImage(token: $t, side: $side, file: $file) }";

#[component]
pub fn CapturePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with_untracked(|p| p.get("token").unwrap_or_default());
    let session = RwSignal::new(None::<open_capture::OpenCaptureOpenCapture>);
    let fatal = RwSignal::new(None::<ApiError>);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let done = RwSignal::new(false);
    // Phone photos are large and mobile networks slow: show each upload's progress.
    let progress = RwSignal::new(None::<u32>);
    spawn_local(async move {
        match api::run::<OpenCapture>(open_capture::Variables { token: token() }).await {
            Ok(data) => session.set(Some(data.open_capture)),
            Err(e) => fatal.set(Some(e)),
        }
    });
    let act = api::action_runner(pending, error, || {});
    let front: NodeRef<html::Input> = NodeRef::new();
    let back: NodeRef<html::Input> = NodeRef::new();
    let selfie: NodeRef<html::Input> = NodeRef::new();

    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let files: Vec<(&str, web_sys::File)> =
            [("FRONT", front), ("BACK", back), ("SELFIE", selfie)]
                .into_iter()
                .filter_map(|(side, input)| {
                    input
                        .get_untracked()
                        .and_then(|i| i.files())
                        .and_then(|f| f.get(0))
                        .map(|file| (side, file))
                })
                .collect();
        let token = token();
        act(Box::pin(async move {
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
        }));
    };

    view! {
        <div class="signer capture">
            <header class="signer-header">
                <span class="brand">{t!(i18n, common.app_name)}</span>
                <LanguageSwitch />
            </header>
            <main>
            {move || fatal.get().map(|e| view! { <section class="card warning" data-testid="capture-fatal"><ErrorNotice error=e /></section> })}
            {move || done.get().then(|| view! { <section class="card success" data-testid="capture-done" role="status"><p>{t!(i18n, public.capture.done)}</p></section> })}
            {move || session.get().filter(|_| !done.get()).map(|s| {
                let needs_back = s.needs_back;
                let (name, document_type) = (s.first_name.clone(), enum_name(&s.document_type));
                view! {
                    <section class="card">
                        <h1>{t!(i18n, public.capture.title)}</h1>
                        <p class="muted">{move || td_string!(i18n.get_locale(), public.capture.who, name = name.clone(), document = text::document_type(i18n.get_locale(), &document_type)).to_string()}</p>
                        <form on:submit=send class="stack">
                            <label for="capture-front">{t!(i18n, public.capture.front)}</label>
                            <input id="capture-front" type="file" accept="image/*" capture="environment" required node_ref=front />
                            <Show when=move || needs_back>
                                <label for="capture-back">{t!(i18n, public.capture.back)}</label>
                                <input id="capture-back" type="file" accept="image/*" capture="environment" required node_ref=back />
                            </Show>
                            <label for="capture-selfie">{t!(i18n, public.capture.selfie)}</label>
                            <input id="capture-selfie" type="file" accept="image/*" capture="user" node_ref=selfie />
                            <p class="muted">{t!(i18n, public.capture.file_help)}</p>
                            {move || progress.get().map(|p| view! {
                                <progress max="100" value=p.to_string() aria-label=move || td_string!(i18n.get_locale(), common.upload_progress, percent = p).to_string()>{format!("{p} %")}</progress>
                            })}
                            <button class="primary" type="submit" id="capture-send" disabled=move || pending.get()>{t!(i18n, public.capture.send)}</button>
                        </form>
                        {error_view(error, "capture-error")}
                    </section>
                }
            })}
            </main>
        </div>
    }
}
