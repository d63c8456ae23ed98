//! Which language the app speaks. French unless the browser prefers English (leptos_i18n
//! reads `navigator.languages`); a choice made with the switch is kept in this browser
//! (localStorage) and, for a logged-in person, on the server (`setMyLanguage`), so that
//! it follows them to another device and into their emails.

use leptos::prelude::*;
use paraphe_shared::Language;

use crate::i18n::*;

const STORAGE_KEY: &str = "paraphe.language";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The language chosen in this browser, if one was.
pub fn chosen() -> Option<Locale> {
    storage()?.get_item(STORAGE_KEY).ok()??.parse().ok()
}

pub fn remember(locale: Locale) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, locale.as_str());
    }
}

pub fn to_language(locale: Locale) -> Language {
    match locale {
        Locale::fr => Language::Fr,
        Locale::en => Language::En,
    }
}

pub fn to_locale(language: Language) -> Locale {
    match language {
        Language::Fr => Locale::fr,
        Language::En => Locale::en,
    }
}

/// Speaks `locale` from now on and remembers it in this browser.
pub fn apply(i18n: leptos_i18n::I18nContext<Locale>, locale: Locale) {
    if i18n.get_locale_untracked() != locale {
        i18n.set_locale(locale);
    }
    remember(locale);
}

/// Put first in each bundle's tree, inside the provider: the language chosen in this
/// browser wins over the browser's preference, before any page is drawn.
#[component]
pub fn ChosenLanguage() -> impl IntoView {
    let i18n = use_i18n();
    if let Some(locale) = chosen() {
        i18n.set_locale(locale);
    }
}

/// The switch to the other language, on every page. `on_change` tells the server, when
/// there is someone to tell (the logged-in person, the signer of a link).
#[component]
pub fn LanguageSwitch(
    #[prop(optional, into)] on_change: Option<Callback<Language>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let other = move || match i18n.get_locale() {
        Locale::fr => Locale::en,
        Locale::en => Locale::fr,
    };
    let switch = move |_| {
        let next = other();
        apply(i18n, next);
        if let Some(on_change) = on_change {
            on_change.run(to_language(next));
        }
    };
    view! {
        <button type="button" class="ghost language-switch" data-testid="language-switch"
            lang=move || other().as_str() aria-label=move || t_string!(i18n, common.other_language_label) on:click=switch>
            {t!(i18n, common.other_language)}
        </button>
    }
}
