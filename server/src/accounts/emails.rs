//! What a person reads about their account, in their language (see `collections::emails`
//! for why these are typed functions).

use paraphe_shared::Language;

use crate::texts::Text;

pub fn password_reset(language: Language, first_name: &str, link: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: "Réinitialisation de votre mot de passe Paraphe".into(),
            body: format!(
                "Bonjour {first_name},\n\nVous avez demandé à réinitialiser votre mot de passe. Choisissez-en un nouveau en suivant ce lien, valable 30 minutes et une seule fois :\n{link}\n\nToutes vos sessions ouvertes seront fermées.\nSi vous n'êtes pas à l'origine de cette demande, ignorez cet e-mail : votre mot de passe reste inchangé.\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: "Resetting your Paraphe password".into(),
            body: format!(
                "Hello {first_name},\n\nYou asked to reset your password. Choose a new one with this link, valid for 30 minutes and once only:\n{link}\n\nAll your open sessions will be closed.\nIf you did not ask for this, ignore this email: your password stays as it is.\n\n-- \nParaphe\n"
            ),
        },
    }
}

/// To a person an administrator made the accountant of a cabinet.
pub fn accountant_welcome(
    language: Language,
    first_name: &str,
    cabinet_name: &str,
    setup_link: Option<&str>,
    login_link: &str,
) -> Text {
    match language {
        Language::Fr => Text {
            subject: format!("Le cabinet {cabinet_name} est ouvert sur Paraphe"),
            body: match setup_link {
                Some(link) => format!(
                    "Bonjour {first_name},\n\nUn compte Paraphe a été créé pour vous, expert-comptable du cabinet {cabinet_name}.\nChoisissez votre mot de passe avec ce lien, valable 7 jours et une seule fois :\n{link}\n\nÀ votre première connexion, vous confirmerez votre profil et créerez votre certificat de signature, puis accepterez les conditions d'utilisation pour ouvrir le service à votre cabinet.\n\n-- \nParaphe\n"
                ),
                None => format!(
                    "Bonjour {first_name},\n\nVous êtes désormais expert-comptable du cabinet {cabinet_name} sur Paraphe. Il apparaît dans votre liste de cabinets :\n{login_link}\n\nAcceptez les conditions d'utilisation pour ouvrir le service à ce cabinet.\n\n-- \nParaphe\n"
                ),
            },
        },
        Language::En => Text {
            subject: format!("The firm {cabinet_name} is open on Paraphe"),
            body: match setup_link {
                Some(link) => format!(
                    "Hello {first_name},\n\nA Paraphe account was created for you, chartered accountant of the firm {cabinet_name}.\nChoose your password with this link, valid for 7 days and once only:\n{link}\n\nAt your first login you will confirm your profile and create your signature certificate, then accept the terms of use to open the service to your firm.\n\n-- \nParaphe\n"
                ),
                None => format!(
                    "Hello {first_name},\n\nYou are now the chartered accountant of the firm {cabinet_name} on Paraphe. It is in your list of firms:\n{login_link}\n\nAccept the terms of use to open the service to this firm.\n\n-- \nParaphe\n"
                ),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_carries_its_link_in_both_languages() {
        for language in [Language::Fr, Language::En] {
            assert!(password_reset(language, "Marie", "https://x/l")
                .body
                .contains("https://x/l"));
            let welcome = accountant_welcome(
                language,
                "Marie",
                "Cabinet M",
                Some("https://x/s"),
                "https://x/",
            );
            assert!(welcome.body.contains("https://x/s") && welcome.subject.contains("Cabinet M"));
        }
    }
}
