//! What a person reads about their identity verification, in French.

use crate::collections::emails::Text;

pub fn approved(first_name: &str, link: &str) -> Text {
    Text {
        subject: "Votre identité a été vérifiée".into(),
        body: format!(
            "Bonjour {first_name},\n\nVotre pièce d'identité a été vérifiée et acceptée.\nConfirmez maintenant les données extraites de votre pièce pour poursuivre :\n{link}\n\n-- \nParaphe\n"
        ),
    }
}

pub fn rejected(first_name: &str, reason: &str, link: &str) -> Text {
    Text {
        subject: "Votre vérification d'identité n'a pas abouti".into(),
        body: format!(
            "Bonjour {first_name},\n\nLa vérification de votre pièce d'identité n'a pas abouti :\n{reason}\n\nVous pouvez recommencer avec une autre pièce ou de meilleures photos :\n{link}\n\n-- \nParaphe\n"
        ),
    }
}
