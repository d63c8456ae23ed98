use leptos::html;
use leptos::prelude::*;

use crate::i18n::*;

/// The file chosen in `input`, if any.
pub fn selected_file(input: NodeRef<html::Input>) -> Option<web_sys::File> {
    input
        .get_untracked()
        .and_then(|i| i.files())
        .and_then(|files| files.get(0))
}

/// A button-looking label (the children) that opens the file chooser; the file chosen
/// goes to `on_file` at once, and the chooser is emptied so the same file can be sent again.
#[component]
pub fn FilePicker(
    id: &'static str,
    accept: &'static str,
    /// The label's classes (`button`, `button ghost`).
    label_class: &'static str,
    on_file: impl Fn(web_sys::File) + 'static,
    children: Children,
) -> impl IntoView {
    let picked = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        input.set_value("");
        on_file(file);
    };
    view! {
        <label class=label_class for=id>{children()}</label>
        <input id=id class="visually-hidden" type="file" accept=accept on:change=picked />
    }
}

/// A labelled file field of a form, read with [`selected_file`] when the form is sent.
#[component]
pub fn FileField(
    id: &'static str,
    accept: &'static str,
    input: NodeRef<html::Input>,
    /// Which camera a phone opens (`environment`, `user`).
    #[prop(optional)]
    capture: Option<&'static str>,
    #[prop(optional)] required: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <label for=id>{children()}</label>
        <input id=id type="file" accept=accept capture=capture required=required node_ref=input />
    }
}

/// How much of the file has been sent, while it is sent.
#[component]
pub fn UploadProgress(
    progress: RwSignal<Option<u32>>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        progress.get().map(|p| view! {
            <progress data-testid=testid max="100" value=p.to_string() aria-label=move || td_string!(i18n.get_locale(), common.upload_progress, percent = p).to_string()>{format!("{p} %")}</progress>
        })
    }
}
