use leptos::prelude::*;

use crate::i18n::*;

/// "Loading…", announced politely to screen readers.
#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="muted" role="status">{t!(i18n, common.loading)}</p> }
}
