use leptos::prelude::*;

/// A checkbox and its words (the children), bound to `checked`.
#[component]
pub fn Checkbox(
    checked: RwSignal<bool>,
    #[prop(optional)] id: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" id=id prop:checked=checked on:change=move |ev| checked.set(event_target_checked(&ev)) />
            <span>{children()}</span>
        </label>
    }
}
