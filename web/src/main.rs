//! Paraphe's web app: Leptos, rendered in the browser, talking only to the GraphQL API.

mod api;
mod i18n;
mod live;
mod pages;
mod session;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use pages::collections::{CollectionPage, CollectionsPage};
use pages::{capture::CapturePage, certificates::CertificatesPage, enrolment::EnrolmentPage, operator::OperatorPage};
use pages::{dashboard::Dashboard, login::LoginPage, members::MembersPage, outbox::OutboxPage, shell::Shell, signer::SignerPage, terms::TermsPage};
use session::Session;

#[component]
fn App() -> impl IntoView {
    provide_context(Session::new());
    view! {
        <Router>
            <Routes fallback=|| view! { <p class="page">"Page introuvable"</p> }>
                <Route path=path!("/connexion") view=LoginPage />
                <Route path=path!("/signer/:token") view=SignerPage />
                <Route path=path!("/dev/outbox") view=OutboxPage />
                <Route path=path!("/capture/:token") view=CapturePage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=Dashboard />
                    <Route path=path!("cabinet/conditions") view=TermsPage />
                    <Route path=path!("cabinet/membres") view=MembersPage />
                    <Route path=path!("collections") view=CollectionsPage />
                    <Route path=path!("collections/:id") view=CollectionPage />
                    <Route path=path!("enregistrement") view=EnrolmentPage />
                    <Route path=path!("ma-signature") view=CertificatesPage />
                    <Route path=path!("operateur") view=OperatorPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
