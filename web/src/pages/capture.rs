//! The phone's side of the QR hand-off (`/capture/:token`, no account: the single-use
//! link is the credential): photograph the document with the camera, then a selfie,
//! send. The desktop page follows live.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde_json::json;

use crate::api::{self, finish_capture, open_capture, FinishCapture, OpenCapture};
use crate::i18n;
use crate::session::enum_name;

const CAPTURE: &str = "mutation($t: String!, $side: ImageSide!, $file: Upload!) { captureIdentityImage(token: $t, side: $side, file: $file) }";

#[component]
pub fn CapturePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with_untracked(|p| p.get("token").unwrap_or_default());
    let session = RwSignal::new(None::<open_capture::OpenCaptureOpenCapture>);
    let fatal = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let done = RwSignal::new(false);
    // Phone photos are large and mobile networks slow: show each upload's progress.
    let progress = RwSignal::new(None::<u32>);
    spawn_local(async move {
        match api::run::<OpenCapture>(open_capture::Variables { token: token() }).await {
            Ok(data) => session.set(Some(data.open_capture)),
            Err(e) => fatal.set(Some(i18n::error_message(e.code, &e.message))),
        }
    });
    let act = api::action_runner(pending, error, || {});
    let front: NodeRef<html::Input> = NodeRef::new();
    let back: NodeRef<html::Input> = NodeRef::new();
    let selfie: NodeRef<html::Input> = NodeRef::new();

    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let files: Vec<(&str, web_sys::File)> = [("FRONT", front), ("BACK", back), ("SELFIE", selfie)]
            .into_iter()
            .filter_map(|(side, input)| input.get_untracked().and_then(|i| i.files()).and_then(|f| f.get(0)).map(|file| (side, file)))
            .collect();
        let token = token();
        act(Box::pin(async move {
            for (side, file) in files {
                api::upload(CAPTURE, json!({ "t": token, "side": side }), file, Some(progress)).await?;
            }
            api::run::<FinishCapture>(finish_capture::Variables { token }).await?;
            done.set(true);
            Ok(())
        }));
    };

    view! {
        <main class="signer capture">
            <header class="signer-header"><span class="brand">{i18n::APP_NAME}</span></header>
            {move || fatal.get().map(|message| view! { <section class="card warning" data-testid="capture-fatal"><p>{message}</p></section> })}
            {move || done.get().then(|| view! { <section class="card success" data-testid="capture-done"><p>{i18n::CAPTURE_DONE}</p></section> })}
            {move || session.get().filter(|_| !done.get()).map(|s| {
                let needs_back = s.needs_back;
                view! {
                    <section class="card">
                        <h1>{i18n::CAPTURE_TITLE}</h1>
                        <p class="muted">{format!("{} — {}", s.first_name, i18n::document_type_label(&enum_name(&s.document_type)))}</p>
                        <form on:submit=send class="stack">
                            <label for="capture-front">{i18n::FRONT}</label>
                            <input id="capture-front" type="file" accept="image/*" capture="environment" required node_ref=front />
                            <Show when=move || needs_back>
                                <label for="capture-back">{i18n::BACK}</label>
                                <input id="capture-back" type="file" accept="image/*" capture="environment" required node_ref=back />
                            </Show>
                            <label for="capture-selfie">{i18n::SELFIE}</label>
                            <input id="capture-selfie" type="file" accept="image/*" capture="user" node_ref=selfie />
                            <p class="muted">{i18n::FILE_HELP}</p>
                            {move || progress.get().map(|p| view! { <progress max="100" value=p.to_string()>{format!("{p} %")}</progress> })}
                            <button class="primary" type="submit" id="capture-send" disabled=move || pending.get()>{i18n::SEND_DOCUMENTS}</button>
                        </form>
                        {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="capture-error">{message}</p> })}
                    </section>
                }
            })}
        </main>
    }
}
