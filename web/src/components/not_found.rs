use leptos::prelude::*;

use crate::i18n::*;
use crate::language::LanguageSwitch;

/// What a path no page answers shows.
#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="page">
            <LanguageSwitch />
            <h1>{t!(i18n, common.page_not_found)}</h1>
            <p><a href="/" rel="external">{t!(i18n, common.nav.dashboard)}</a></p>
        </main>
    }
}
