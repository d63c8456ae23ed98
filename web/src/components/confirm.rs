use leptos::prelude::*;

/// Whether the person says yes to `question` (the browser's confirm dialog).
pub fn confirmed(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// A button for what cannot be undone: asks `question` first, then `on_confirm`.
#[component]
pub fn ConfirmButton(
    class: &'static str,
    /// Asked at the click, in the language shown then.
    question: impl Fn() -> String + 'static,
    on_confirm: impl Fn() + 'static,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional, into)] disabled: Signal<bool>,
    children: Children,
) -> impl IntoView {
    let click = move |_| {
        if confirmed(&question()) {
            on_confirm();
        }
    };
    view! {
        <button class=class data-testid=testid disabled=move || disabled.get() on:click=click>
            {children()}
        </button>
    }
}
