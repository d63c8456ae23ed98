//! Paraphe's web app: Leptos, rendered in the browser, talking only to the GraphQL API.
//!
//! Two bundles are built from this library, so that a phone opening an invitation loads
//! only what it needs:
//! - `paraphe-public` (`src/bin/paraphe-public.rs`): the pages reached without a session —
//!   login, the signer's page, the phone's capture page;
//! - `paraphe-web` (`src/bin/paraphe-web.rs`): the back office behind the login.
//!
//! The server sends each path the right `index.html` (see `server/src/http/spa.rs`); a
//! move from one bundle to the other is a full page load.

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod api;
pub mod components;
pub use paraphe_operations::enums;
pub mod hooks;
pub mod language;
pub mod live;
#[cfg(test)]
mod locale_keys;
pub mod pages;
pub mod session;
pub mod text;

/// Leaves the current bundle for `path` (a full page load, the server picks the bundle).
pub fn load_page(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
}
