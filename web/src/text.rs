//! Words that depend on a value: an error code, a status, a number of pages, an amount, a
//! date. The words themselves live in `locales/{fr,en}/*.json` (leptos_i18n); here each
//! value picks its key, with exhaustive matches so that a new code or status cannot go
//! without words.

use std::borrow::Cow;

use paraphe_shared::{Delegation, ErrorCode, Role, SsoFailure, ValidationError};

use crate::enums::ContactField;

use crate::api::ApiError;
use crate::i18n::*;

/// What to tell a person about a failed request, in their language. The server's own
/// message (French) only completes the words of codes whose message says which input
/// is wrong.
pub fn error(locale: Locale, error: &ApiError) -> String {
    if error.network {
        return td_string!(locale, errors.network).to_string();
    }
    let detail = error.message.as_str();
    use ErrorCode as E;
    match error.code {
        E::Unauthenticated => td_string!(locale, errors.unauthenticated).to_string(),
        E::InvalidCredentials => td_string!(locale, errors.invalid_credentials).to_string(),
        E::Forbidden => td_string!(locale, errors.forbidden).to_string(),
        E::NotFound => td_string!(locale, errors.not_found).to_string(),
        E::Validation => td_string!(locale, errors.validation, detail).to_string(),
        E::CabinetNotOpen => td_string!(locale, errors.cabinet_not_open).to_string(),
        E::CsrfRejected => td_string!(locale, errors.csrf_rejected).to_string(),
        E::PayloadTooLarge => td_string!(locale, errors.payload_too_large).to_string(),
        E::RateLimited => td_string!(locale, errors.rate_limited).to_string(),
        E::QueryTooComplex => td_string!(locale, errors.query_too_complex).to_string(),
        E::PdfInvalid => td_string!(locale, errors.pdf_invalid).to_string(),
        E::PdfEncrypted => td_string!(locale, errors.pdf_encrypted).to_string(),
        E::PdfTooLarge => td_string!(locale, errors.pdf_too_large).to_string(),
        E::PdfSigningForbidden => td_string!(locale, errors.pdf_signing_forbidden).to_string(),
        E::TimestampUnavailable => td_string!(locale, errors.timestamp_unavailable).to_string(),
        E::StampInvalid => td_string!(locale, errors.stamp_invalid).to_string(),
        E::CertificateRequired => td_string!(locale, errors.certificate_required).to_string(),
        E::InsufficientCredit => td_string!(locale, errors.insufficient_credit).to_string(),
        E::InvalidState => td_string!(locale, errors.invalid_state).to_string(),
        E::CollectionClosed => td_string!(locale, errors.collection_closed).to_string(),
        E::LinkInvalid => td_string!(locale, errors.link_invalid).to_string(),
        E::DocumentsNotAccepted => td_string!(locale, errors.documents_not_accepted).to_string(),
        E::OtpNotSent => td_string!(locale, errors.otp_not_sent).to_string(),
        E::OtpInvalid => td_string!(locale, errors.otp_invalid).to_string(),
        E::OtpExpired => td_string!(locale, errors.otp_expired).to_string(),
        E::OtpLocked => td_string!(locale, errors.otp_locked).to_string(),
        E::IdentityFileInvalid => td_string!(locale, errors.identity_file_invalid).to_string(),
        E::IdentityFileTooLarge => td_string!(locale, errors.identity_file_too_large).to_string(),
        E::IdentityImagesMissing => td_string!(locale, errors.identity_images_missing).to_string(),
        E::LinkExpired => td_string!(locale, errors.link_expired).to_string(),
        E::LinkUsed => td_string!(locale, errors.link_used).to_string(),
        E::EnrolmentRequired => td_string!(locale, errors.enrolment_required).to_string(),
        E::CertificateRevoked => td_string!(locale, errors.certificate_revoked).to_string(),
        E::CabinetClosed => td_string!(locale, errors.cabinet_closed).to_string(),
        E::AlreadyMember => td_string!(locale, errors.already_member).to_string(),
        E::AlreadyInvited => td_string!(locale, errors.already_invited).to_string(),
        E::InvitationForAnotherAccount => {
            td_string!(locale, errors.invitation_for_another_account).to_string()
        }
        E::ContactExists => td_string!(locale, errors.contact_exists).to_string(),
        E::CsvInvalid => td_string!(locale, errors.csv_invalid).to_string(),
        E::CsvTooLarge => td_string!(locale, errors.csv_too_large).to_string(),
        E::Internal => td_string!(locale, errors.internal).to_string(),
    }
}

/// Why a single sign-on did not go through (`/connexion?sso=CODE`), and what to do.
pub fn sso_failure(locale: Locale, failure: SsoFailure) -> String {
    use SsoFailure as F;
    match failure {
        F::NotConfigured => td_string!(locale, public.sso_failure.not_configured).to_string(),
        F::Unavailable => td_string!(locale, public.sso_failure.unavailable).to_string(),
        F::Denied => td_string!(locale, public.sso_failure.denied).to_string(),
        F::ProviderError => td_string!(locale, public.sso_failure.provider_error).to_string(),
        F::StateUnknown => td_string!(locale, public.sso_failure.state_unknown).to_string(),
        F::StateExpired => td_string!(locale, public.sso_failure.state_expired).to_string(),
        F::StateUsed => td_string!(locale, public.sso_failure.state_used).to_string(),
        F::BrowserMismatch => td_string!(locale, public.sso_failure.browser_mismatch).to_string(),
        F::TokenExchangeFailed => {
            td_string!(locale, public.sso_failure.token_exchange_failed).to_string()
        }
        F::TokenInvalid => td_string!(locale, public.sso_failure.token_invalid).to_string(),
        F::IssuerMismatch => td_string!(locale, public.sso_failure.issuer_mismatch).to_string(),
        F::AudienceMismatch => td_string!(locale, public.sso_failure.audience_mismatch).to_string(),
        F::TokenExpired => td_string!(locale, public.sso_failure.token_expired).to_string(),
        F::NonceMismatch => td_string!(locale, public.sso_failure.nonce_mismatch).to_string(),
        F::EmailMissing => td_string!(locale, public.sso_failure.email_missing).to_string(),
        F::EmailNotVerified => {
            td_string!(locale, public.sso_failure.email_not_verified).to_string()
        }
        F::Internal => td_string!(locale, public.sso_failure.internal).to_string(),
    }
}

/// What is wrong with an input the app checked itself (with the server's own types).
pub fn invalid_input(locale: Locale, error: &ValidationError) -> Cow<'static, str> {
    use ValidationError as V;
    match error {
        V::Email => td_string!(locale, errors.input.email).into(),
        V::Phone => td_string!(locale, errors.input.phone).into(),
        V::Name => td_string!(locale, errors.input.name).into(),
        V::Password => td_string!(locale, errors.input.password).into(),
        V::Siren => td_string!(locale, errors.input.siren).into(),
        V::CabinetName => td_string!(locale, errors.input.cabinet_name).into(),
        V::ClientReference => td_string!(locale, errors.input.client_reference).into(),
        V::Company => td_string!(locale, errors.input.company).into(),
    }
}

/// A contact's field, as the contacts page and the import's preview name it.
pub fn contact_field(locale: Locale, field: ContactField) -> Cow<'static, str> {
    match field {
        ContactField::FirstName => td_string!(locale, contacts.field.first_name).into(),
        ContactField::LastName => td_string!(locale, contacts.field.last_name).into(),
        ContactField::Email => td_string!(locale, contacts.field.email).into(),
        ContactField::Mobile => td_string!(locale, contacts.field.mobile).into(),
        ContactField::ClientReference => td_string!(locale, contacts.field.client_reference).into(),
        ContactField::Company => td_string!(locale, contacts.field.company).into(),
        ContactField::Unknown => "?".into(),
    }
}

/// Where a person can fix what an error says, when the app has a page for it.
pub fn error_remedy(locale: Locale, code: ErrorCode) -> Option<(&'static str, String)> {
    match code {
        ErrorCode::CabinetNotOpen => Some((
            "/cabinet/conditions",
            td_string!(locale, errors.go_to_terms).to_string(),
        )),
        ErrorCode::EnrolmentRequired => Some((
            "/enregistrement",
            td_string!(locale, errors.go_to_enrolment).to_string(),
        )),
        ErrorCode::Unauthenticated => Some((
            "/connexion",
            td_string!(locale, errors.go_to_login).to_string(),
        )),
        _ => None,
    }
}

/// "1 page", "12 pages" (French counts 0 and 1 as singular, English only 1).
pub fn pages(locale: Locale, count: i64) -> String {
    let single = match locale {
        Locale::fr => count <= 1,
        Locale::en => count == 1,
    };
    if single {
        td_string!(locale, common.pages_single, count).to_string()
    } else {
        td_string!(locale, common.pages_many, count).to_string()
    }
}

/// An amount in euro cents: "12,50 €" in French, "€12.50" in English.
pub fn euros(locale: Locale, cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (units, hundredths) = (cents.abs() / 100, cents.abs() % 100);
    match locale {
        Locale::fr => format!("{sign}{units},{hundredths:02} €"),
        Locale::en => format!("{sign}€{units}.{hundredths:02}"),
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The day of an ISO date or timestamp: "15/05/1990" in French, "15 May 1990" in English
/// (no month-first ambiguity for readers on either side of the Atlantic).
pub fn date(locale: Locale, iso: &str) -> String {
    let day = iso.get(..10).unwrap_or(iso);
    let (Some(y), Some(m), Some(d)) = (day.get(..4), day.get(5..7), day.get(8..10)) else {
        return day.to_owned();
    };
    match locale {
        Locale::fr => format!("{d}/{m}/{y}"),
        Locale::en => match m
            .parse::<usize>()
            .ok()
            .and_then(|m| MONTHS_EN.get(m.wrapping_sub(1)))
        {
            Some(month) => format!("{} {month} {y}", d.trim_start_matches('0')),
            None => day.to_owned(),
        },
    }
}

/// A timestamp to the minute, in the reader's convention.
pub fn date_time(locale: Locale, iso: &str) -> String {
    let time = iso.get(11..16).unwrap_or_default();
    format!("{} {time}", date(locale, iso))
        .trim_end()
        .to_owned()
}

pub fn role(locale: Locale, role: Role) -> Cow<'static, str> {
    match role {
        Role::Accountant => td_string!(locale, common.role.accountant).into(),
        Role::Collaborator => td_string!(locale, common.role.collaborator).into(),
    }
}

pub fn delegation(locale: Locale, delegation: Delegation) -> Cow<'static, str> {
    match delegation {
        Delegation::Prepare => td_string!(locale, common.delegation.prepare).into(),
        Delegation::Sign => td_string!(locale, common.delegation.sign).into(),
        Delegation::Seal => td_string!(locale, common.delegation.seal).into(),
    }
}

/// A collection status as the schema spells it (DRAFT, ACTIVE…).
pub fn collection_status(locale: Locale, status: &str) -> Cow<'static, str> {
    match status {
        "DRAFT" => td_string!(locale, collections.status.draft).into(),
        "ACTIVE" => td_string!(locale, collections.status.active).into(),
        "COMPLETED" => td_string!(locale, collections.status.completed).into(),
        "REFUSED" => td_string!(locale, collections.status.refused).into(),
        "EXPIRED" => td_string!(locale, collections.status.expired).into(),
        "CANCELLED" => td_string!(locale, collections.status.cancelled).into(),
        other => other.to_owned().into(),
    }
}

pub fn signer_status(locale: Locale, status: &str) -> Cow<'static, str> {
    match status {
        "WAITING" => td_string!(locale, collections.signer_status.waiting).into(),
        "INVITED" => td_string!(locale, collections.signer_status.invited).into(),
        "SIGNED" => td_string!(locale, collections.signer_status.signed).into(),
        "REFUSED" => td_string!(locale, collections.signer_status.refused).into(),
        other => other.to_owned().into(),
    }
}

pub fn signature_level(locale: Locale, level: i64) -> Cow<'static, str> {
    match level {
        1 => td_string!(locale, collections.levels.simple).into(),
        2 => td_string!(locale, collections.levels.advanced).into(),
        3 => td_string!(locale, collections.levels.qualified).into(),
        other => other.to_string().into(),
    }
}

/// An audit trail entry's kind, as the timeline shows it.
pub fn event(locale: Locale, kind: &str) -> Cow<'static, str> {
    match kind {
        "created" => td_string!(locale, collections.event.created).into(),
        "document_added" => td_string!(locale, collections.event.document_added).into(),
        "document_removed" => td_string!(locale, collections.event.document_removed).into(),
        "signer_added" => td_string!(locale, collections.event.signer_added).into(),
        "signer_removed" => td_string!(locale, collections.event.signer_removed).into(),
        "launched" => td_string!(locale, collections.event.launched).into(),
        "invited" => td_string!(locale, collections.event.invited).into(),
        "reminded" => td_string!(locale, collections.event.reminded).into(),
        "opened" => td_string!(locale, collections.event.opened).into(),
        "documents_accepted" => td_string!(locale, collections.event.documents_accepted).into(),
        "code_sent" => td_string!(locale, collections.event.code_sent).into(),
        "code_failed" => td_string!(locale, collections.event.code_failed).into(),
        "signed" => td_string!(locale, collections.event.signed).into(),
        "refused" => td_string!(locale, collections.event.refused).into(),
        "completed" => td_string!(locale, collections.event.completed).into(),
        "expired" => td_string!(locale, collections.event.expired).into(),
        "cancelled" => td_string!(locale, collections.event.cancelled).into(),
        "purged" => td_string!(locale, collections.event.purged).into(),
        "downloaded" => td_string!(locale, collections.event.downloaded).into(),
        other => other.to_owned().into(),
    }
}

pub fn document_type(locale: Locale, name: &str) -> Cow<'static, str> {
    match name {
        "IDENTITY_CARD" => td_string!(locale, common.document_type.identity_card).into(),
        "PASSPORT" => td_string!(locale, common.document_type.passport).into(),
        "RESIDENCE_PERMIT" => td_string!(locale, common.document_type.residence_permit).into(),
        other => other.to_owned().into(),
    }
}

pub fn image_side(locale: Locale, name: &str) -> Cow<'static, str> {
    match name {
        "FRONT" => td_string!(locale, enrolment.side.front).into(),
        "BACK" => td_string!(locale, enrolment.side.back).into(),
        "SELFIE" => td_string!(locale, enrolment.side.selfie).into(),
        other => other.to_owned().into(),
    }
}

pub fn certificate_level(locale: Locale, name: &str) -> Cow<'static, str> {
    match name {
        "LCP" => td_string!(locale, certificates.level.lcp).into(),
        "QCP" => td_string!(locale, certificates.level.qcp).into(),
        other => other.to_owned().into(),
    }
}

pub fn certificate_status(locale: Locale, name: &str) -> Cow<'static, str> {
    match name {
        "VALID" => td_string!(locale, certificates.status.valid).into(),
        "REVOKED" => td_string!(locale, certificates.status.revoked).into(),
        "EXPIRED" => td_string!(locale, certificates.status.expired).into(),
        other => other.to_owned().into(),
    }
}

pub fn revocation_reason(locale: Locale, name: &str) -> Cow<'static, str> {
    match name {
        "UNSPECIFIED" => td_string!(locale, certificates.reason.unspecified).into(),
        "KEY_COMPROMISE" => td_string!(locale, certificates.reason.key_compromise).into(),
        "AFFILIATION_CHANGED" => td_string!(locale, certificates.reason.affiliation_changed).into(),
        "SUPERSEDED" => td_string!(locale, certificates.reason.superseded).into(),
        "CESSATION_OF_OPERATION" => {
            td_string!(locale, certificates.reason.cessation_of_operation).into()
        }
        other => other.to_owned().into(),
    }
}

/// An automatic check's outcome, for the operator.
pub fn check(locale: Locale, value: Option<bool>) -> Cow<'static, str> {
    match value {
        Some(true) => td_string!(locale, operator.check.ok).into(),
        Some(false) => td_string!(locale, operator.check.failed).into(),
        None => td_string!(locale, operator.check.unread).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: ErrorCode, message: &str) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            network: false,
        }
    }

    #[test]
    fn every_error_code_has_words_in_every_language() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        for locale in Locale::get_all() {
            let keys =
                crate::locale_keys::keys(&root.join(locale.as_str()).join("errors.json")).unwrap();
            for code in ErrorCode::ALL {
                let key = code.as_str().to_ascii_lowercase();
                assert!(
                    keys.contains(&key),
                    "{}/errors.json has no `{key}`",
                    locale.as_str()
                );
                let words = error(*locale, &failure(*code, "le nom est vide"));
                assert!(
                    !words.trim().is_empty() && !words.contains(code.as_str()),
                    "{code} in {}: {words:?}",
                    locale.as_str()
                );
            }
        }
    }

    #[test]
    fn every_single_sign_on_failure_has_its_own_words_in_every_language() {
        for locale in Locale::get_all() {
            let mut seen = std::collections::HashSet::new();
            for failure in SsoFailure::ALL {
                let words = sso_failure(*locale, *failure);
                assert!(
                    !words.trim().is_empty() && !words.contains(failure.as_str()),
                    "{failure} in {}: {words:?}",
                    locale.as_str()
                );
                assert!(seen.insert(words), "{failure} says what another says");
            }
        }
    }

    #[test]
    fn known_codes_never_read_as_the_generic_error() {
        for locale in Locale::get_all() {
            let generic = error(*locale, &failure(ErrorCode::Internal, ""));
            for code in ErrorCode::ALL.iter().filter(|c| **c != ErrorCode::Internal) {
                assert_ne!(error(*locale, &failure(*code, "x")), generic, "{code}");
            }
        }
    }

    #[test]
    fn the_two_languages_have_the_same_keys() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let namespaces: Vec<String> = std::fs::read_dir(root.join("fr"))
            .unwrap()
            .map(|entry| {
                entry
                    .unwrap()
                    .path()
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let namespaces: Vec<&str> = namespaces.iter().map(String::as_str).collect();
        let problems = crate::locale_keys::differences(&root, &["fr", "en"], &namespaces).unwrap();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn a_key_in_one_language_only_is_reported() {
        let root = std::env::temp_dir().join(format!("paraphe-locales-{}", std::process::id()));
        for (locale, body) in [
            ("fr", r#"{"a": "x", "b": {"c": "y"}}"#),
            ("en", r#"{"a": "x", "b": {"d": "y"}}"#),
        ] {
            std::fs::create_dir_all(root.join(locale)).unwrap();
            std::fs::write(root.join(locale).join("ns.json"), body).unwrap();
        }
        let problems = crate::locale_keys::differences(&root, &["fr", "en"], &["ns"]).unwrap();
        assert_eq!(
            problems,
            [
                "fr/ns.json lacks `b.d` (present in en)",
                "en/ns.json lacks `b.c` (present in fr)"
            ]
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn validation_errors_keep_the_servers_detail() {
        assert_eq!(
            error(
                Locale::fr,
                &failure(ErrorCode::Validation, "le nom est vide")
            ),
            "Vérifiez votre saisie : le nom est vide"
        );
        assert!(!error(Locale::en, &failure(ErrorCode::Internal, "stack trace")).contains("stack"));
    }

    #[test]
    fn amounts_dates_and_pages_follow_the_language() {
        assert_eq!(euros(Locale::fr, 12_50), "12,50 €");
        assert_eq!(euros(Locale::en, 12_50), "€12.50");
        assert_eq!(date(Locale::fr, "2031-01-05T00:00:00Z"), "05/01/2031");
        assert_eq!(date(Locale::en, "2031-01-05T00:00:00Z"), "5 Jan 2031");
        assert_eq!(pages(Locale::fr, 1), "1 page");
        assert_eq!(pages(Locale::en, 0), "0 pages");
        assert_eq!(pages(Locale::fr, 0), "0 page");
    }
}
