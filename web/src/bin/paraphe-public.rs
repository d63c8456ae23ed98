//! The public bundle: what a visitor without a session opens — the login page, the
//! password pages (forgotten password, set-up or reset link), a cabinet's invitation to
//! join it, the signer's page from an invitation, the phone's capture page from a QR code.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use paraphe_web::components::NotFound;
use paraphe_web::i18n::I18nContextProvider;
use paraphe_web::language::ChosenLanguage;

use paraphe_web::pages::password::{ChoosePasswordPage, ForgotPasswordPage};
use paraphe_web::pages::{
    capture::CapturePage, invitation::InvitationPage, login::LoginPage, signer::SignerPage,
};

#[component]
fn PublicApp() -> impl IntoView {
    view! {
        <I18nContextProvider>
        <ChosenLanguage />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/connexion") view=LoginPage />
                <Route path=path!("/mot-de-passe-oublie") view=ForgotPasswordPage />
                <Route path=path!("/mot-de-passe/:token") view=ChoosePasswordPage />
                <Route path=path!("/signer/:token") view=SignerPage />
                <Route path=path!("/capture/:token") view=CapturePage />
                <Route path=path!("/invitation/:token") view=InvitationPage />
            </Routes>
        </Router>
        </I18nContextProvider>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(PublicApp);
}
