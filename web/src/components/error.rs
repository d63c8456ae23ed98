use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::*;
use crate::text;

/// A failed request, in the reader's words, with a link to where it can be fixed when the
/// app has such a page (the terms for `CABINET_NOT_OPEN`, enrolment for
/// `ENROLMENT_REQUIRED`, the login for `UNAUTHENTICATED`).
#[component]
pub fn ErrorNotice(error: ApiError, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let code = error.code;
    let words = move || text::error(i18n.get_locale(), &error);
    let remedy = move || {
        text::error_remedy(i18n.get_locale(), code).map(|(href, label)| (back_here(href), label)).map(|(href, label)| view! {
            " "
            // A full load: the page may be in the other bundle.
            <a href=href rel="external" class="remedy" data-testid="error-remedy">{label}</a>
        })
    };
    view! {
        <p class="error" role="alert" data-testid=(!testid.is_empty()).then_some(testid) data-code=code.as_str()>
            {words}
            {remedy}
        </p>
    }
}

/// The login page comes back to the page that sent there.
fn back_here(href: &str) -> String {
    let here = web_sys::window().and_then(|w| {
        Some(format!(
            "{}{}",
            w.location().pathname().ok()?,
            w.location().search().ok()?
        ))
    });
    match here {
        Some(path) if href == "/connexion" && path != "/" && path != "/connexion" => {
            format!("/connexion?suite={}", js_sys::encode_uri_component(&path))
        }
        _ => href.to_owned(),
    }
}

/// The current error, if any (a query's, an action's), as an [`ErrorNotice`].
#[component]
pub fn ErrorBanner(
    #[prop(into)] error: Signal<Option<ApiError>>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    move || {
        error
            .get()
            .map(|error| view! { <ErrorNotice error testid /> })
    }
}

/// An error that leaves nothing else to show on the page, as a warning card.
#[component]
pub fn ErrorCard(error: ApiError, testid: &'static str) -> impl IntoView {
    view! {
        <section class="card warning" data-testid=testid>
            <ErrorNotice error />
        </section>
    }
}
