//! "Se connecter avec <provider>": the single sign-on button, shown only when the instance
//! has an OpenID provider (`signInOptions.sso`). The login page and an invitation's page
//! use it; the server's login URL brings the browser back to `next` afterwards.

use leptos::prelude::*;
use paraphe_shared::sso::is_local_path;

use crate::api::{self, sign_in_options, SignInOptions};
use crate::hooks::use_query;
use crate::i18n::*;

/// The button's address: the server's login URL, with the page to come back to when it is
/// a path of this site (never another origin).
fn sso_href(login_url: &str, next: Option<&str>) -> String {
    match next.filter(|path| is_local_path(path)) {
        Some(path) => {
            let encoded: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
            format!("{login_url}?return_to={encoded}")
        }
        None => login_url.to_owned(),
    }
}

/// Nothing when the instance has no single sign-on; else "or" and the button.
#[component]
pub fn SsoButton(#[prop(into)] next: Signal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let options =
        use_query(|| async { api::run::<SignInOptions>(sign_in_options::Variables).await });
    move || {
        options
            .data
            .get()
            .and_then(|o| o.sign_in_options.sso)
            .map(|option| {
                let href = sso_href(&option.login_url, next.get().as_deref());
                let name = option.name;
                view! {
                    <p class="muted login-or">{t!(i18n, public.login.or)}</p>
                    // A full page load: the server sends the browser on to the provider.
                    <a id="sso-login" class="button ghost" rel="external" href=href>
                        {move || td_string!(i18n.get_locale(), public.login.sso, name = name.clone()).to_string()}
                    </a>
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::sso_href;

    #[test]
    fn single_sign_on_comes_back_to_the_page_asked_for_only_on_this_site() {
        assert_eq!(sso_href("/auth/oidc/login", None), "/auth/oidc/login");
        assert_eq!(
            sso_href("/auth/oidc/login", Some("//evil.example/")),
            "/auth/oidc/login"
        );
        assert_eq!(
            sso_href("/auth/oidc/login", Some("/invitation/a b?x=1&y")),
            "/auth/oidc/login?return_to=%2Finvitation%2Fa+b%3Fx%3D1%26y"
        );
    }
}
