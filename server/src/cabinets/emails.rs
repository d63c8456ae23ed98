//! What a person invited into a cabinet reads, in the invitation's language (see
//! `collections::emails` for why these are typed functions).

use paraphe_shared::{Language, Role};

use crate::texts::Text;

pub fn invitation(
    language: Language,
    inviter: &str,
    cabinet_name: &str,
    role: Role,
    link: &str,
) -> Text {
    match language {
        Language::Fr => {
            let as_what = match role {
                Role::Accountant => "en tant qu'expert-comptable",
                Role::Collaborator => "en tant que collaborateur",
            };
            Text {
                subject: format!("{inviter} vous invite à rejoindre {cabinet_name} sur Paraphe"),
                body: format!(
                    "Bonjour,\n\n{inviter} vous invite à rejoindre le cabinet {cabinet_name} sur Paraphe, {as_what}.\nAcceptez l'invitation avec ce lien, valable 7 jours et une seule fois :\n{link}\n\nSi vous avez déjà un compte Paraphe avec cette adresse, connectez-vous pour accepter ; sinon, vous créerez votre compte en quelques secondes.\nSi vous ne connaissez pas ce cabinet, ignorez cet e-mail.\n\n-- \nParaphe\n"
                ),
            }
        }
        Language::En => {
            let as_what = match role {
                Role::Accountant => "as a chartered accountant",
                Role::Collaborator => "as a collaborator",
            };
            Text {
                subject: format!("{inviter} invites you to join {cabinet_name} on Paraphe"),
                body: format!(
                    "Hello,\n\n{inviter} invites you to join the firm {cabinet_name} on Paraphe, {as_what}.\nAccept the invitation with this link, valid for 7 days and once only:\n{link}\n\nIf you already have a Paraphe account with this address, log in to accept; otherwise you will create your account in a few seconds.\nIf you do not know this firm, ignore this email.\n\n-- \nParaphe\n"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invitation_carries_its_link_and_the_cabinet_in_both_languages() {
        for language in [Language::Fr, Language::En] {
            for role in [Role::Accountant, Role::Collaborator] {
                let text = invitation(language, "Marie Durand", "Cabinet M", role, "https://x/i");
                assert!(text.body.contains("https://x/i"));
                assert!(
                    text.subject.contains("Cabinet M") && text.subject.contains("Marie Durand")
                );
            }
        }
    }
}
