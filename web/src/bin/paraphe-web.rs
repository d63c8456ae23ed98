//! The back office: everything behind the login (dashboard, collections, contacts, members,
//! enrolment, certificates, operators, my account, the platform's administration, the
//! development outbox).

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;
use paraphe_web::components::NotFound;
use paraphe_web::i18n::I18nContextProvider;
use paraphe_web::language::ChosenLanguage;

use paraphe_web::pages::collections::{CollectionPage, CollectionsPage};
use paraphe_web::pages::contacts::ContactsPage;
use paraphe_web::pages::{
    account::AccountPage, certificates::CertificatesPage, enrolment::EnrolmentPage,
    operator::OperatorPage, platform::PlatformPage,
};
use paraphe_web::pages::{
    dashboard::Dashboard, members::MembersPage, outbox::OutboxPage, shell::Shell, terms::TermsPage,
};
use paraphe_web::session::Session;

#[component]
fn App() -> impl IntoView {
    provide_context(Session::new());
    view! {
        <I18nContextProvider>
        <ChosenLanguage />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/dev/outbox") view=OutboxPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=Dashboard />
                    <Route path=path!("cabinet/conditions") view=TermsPage />
                    <Route path=path!("cabinet/membres") view=MembersPage />
                    <Route path=path!("collections") view=CollectionsPage />
                    <Route path=path!("collections/:id") view=CollectionPage />
                    <Route path=path!("contacts") view=ContactsPage />
                    <Route path=path!("enregistrement") view=EnrolmentPage />
                    <Route path=path!("ma-signature") view=CertificatesPage />
                    <Route path=path!("operateur") view=OperatorPage />
                    <Route path=path!("mon-compte") view=AccountPage />
                    <Route path=path!("plateforme") view=PlatformPage />
                </ParentRoute>
            </Routes>
        </Router>
        </I18nContextProvider>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
