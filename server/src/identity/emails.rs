//! What a person reads about their identity verification, in their language (see
//! `collections::emails` for why these are typed functions).

use paraphe_shared::Language;

use crate::texts::Text;

pub fn approved(language: Language, first_name: &str, link: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: "Votre identité a été vérifiée".into(),
            body: format!(
                "Bonjour {first_name},\n\nVotre pièce d'identité a été vérifiée et acceptée.\nConfirmez maintenant les données extraites de votre pièce pour poursuivre :\n{link}\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: "Your identity has been verified".into(),
            body: format!("Hello {first_name},\n\nYour identity document has been checked and accepted.\nNow confirm the data read on your document to carry on:\n{link}\n\n-- \nParaphe\n"),
        },
    }
}

pub fn rejected(language: Language, first_name: &str, reason: &str, link: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: "Votre vérification d'identité n'a pas abouti".into(),
            body: format!(
                "Bonjour {first_name},\n\nLa vérification de votre pièce d'identité n'a pas abouti :\n{reason}\n\nVous pouvez recommencer avec une autre pièce ou de meilleures photos :\n{link}\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: "Your identity check did not succeed".into(),
            body: format!(
                "Hello {first_name},\n\nThe check of your identity document did not succeed:\n{reason}\n\nYou can start again with another document or better photos:\n{link}\n\n-- \nParaphe\n"
            ),
        },
    }
}
