//! What signers and preparers read: every email and SMS of a collection, in the
//! recipient's language.
//!
//! Why typed functions and not a translation crate here (unlike the web app, which uses
//! leptos_i18n): each text is a function whose `match` over [`Language`] must cover every
//! language, and whose parameters are checked by `format!` — a text missing in one
//! language, or a misspelt placeholder left in an email, does not compile. A key-based
//! crate (rust-i18n, fluent) would find both only at run time.

use chrono::{DateTime, Utc};
use paraphe_shared::Language;

use crate::texts::{date, Text};

/// What an invitation (or a reminder) says.
pub struct Invitation<'a> {
    pub cabinet: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    /// The signer's personal link.
    pub link: &'a str,
    pub expires_at: DateTime<Utc>,
    pub reminder: bool,
    /// A level-2 signer without a certificate yet: the link leads them to create one.
    pub needs_certificate: bool,
}

pub fn invitation(language: Language, invitation: &Invitation<'_>) -> Text {
    let Invitation {
        cabinet,
        title,
        message,
        link,
        expires_at,
        reminder,
        needs_certificate,
    } = *invitation;
    let message = message.trim();
    let until = date(language, expires_at);
    match language {
        Language::Fr => {
            let lead = if reminder {
                "Rappel : des documents vous attendent pour signature."
            } else {
                "Des documents vous sont soumis pour signature électronique."
            };
            let message = if message.is_empty() {
                String::new()
            } else {
                format!("\nMessage du cabinet :\n{message}\n")
            };
            let certificate = if needs_certificate {
                "\nCette signature avancée demande un certificat électronique à votre nom. Si vous n'en avez pas encore, le lien vous guide pour le créer (quelques minutes : munissez-vous d'une pièce d'identité et de votre téléphone mobile). Il servira ensuite à toutes vos signatures pendant 5 ans.\n"
            } else {
                ""
            };
            Text {
                subject: format!("{}{cabinet} vous invite à signer « {title} »", if reminder { "Rappel – " } else { "" }),
                body: format!(
                    "Bonjour,\n\n{lead}\n\n{cabinet} vous invite à signer « {title} ».\n{message}\nPour lire et signer, ouvrez ce lien personnel (ne le transmettez pas) :\n{link}\n{certificate}\nUn code de confirmation vous sera envoyé par SMS au moment de signer.\nCe lien est valable jusqu'au {until}.\n\n-- \nParaphe, signature électronique pour {cabinet}\n"
                ),
            }
        }
        Language::En => {
            let lead = if reminder {
                "Reminder: documents are waiting for your signature."
            } else {
                "Documents are submitted to you for electronic signature."
            };
            let message = if message.is_empty() {
                String::new()
            } else {
                format!("\nMessage from the firm:\n{message}\n")
            };
            let certificate = if needs_certificate {
                "\nThis advanced signature needs an electronic certificate in your name. If you do not have one yet, the link guides you to create it (a few minutes: have an identity document and your mobile phone at hand). It will then serve all your signatures for 5 years.\n"
            } else {
                ""
            };
            Text {
                subject: format!("{}{cabinet} invites you to sign \"{title}\"", if reminder { "Reminder – " } else { "" }),
                body: format!(
                    "Hello,\n\n{lead}\n\n{cabinet} invites you to sign \"{title}\".\n{message}\nTo read and sign, open this personal link (do not pass it on):\n{link}\n{certificate}\nA confirmation code will be sent to you by text message when you sign.\nThis link is valid until {until}.\n\n-- \nParaphe, electronic signature for {cabinet}\n"
                ),
            }
        }
    }
}

pub fn code_sms(language: Language, code: &str) -> String {
    match language {
        Language::Fr => format!("Paraphe : votre code de signature est {code}. Valable 30 minutes. Ne le communiquez à personne."),
        Language::En => format!("Paraphe: your signing code is {code}. Valid for 30 minutes. Do not share it with anyone."),
    }
}

pub fn completed(language: Language, title: &str, link: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: format!("Documents signés : « {title} »"),
            body: format!(
                "Bonjour,\n\nTous les signataires ont signé « {title} ».\n\nTéléchargez les documents signés avec ce lien sécurisé :\n{link}\n\nLes documents restent disponibles pendant un mois, puis sont supprimés ; conservez-en une copie.\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: format!("Signed documents: \"{title}\""),
            body: format!(
                "Hello,\n\nEvery signer has signed \"{title}\".\n\nDownload the signed documents with this secure link:\n{link}\n\nThe documents remain available for one month, then are deleted; keep a copy.\n\n-- \nParaphe\n"
            ),
        },
    }
}

pub fn refused_to_preparer(
    language: Language,
    title: &str,
    signer: &str,
    reason: Option<&str>,
    link: &str,
) -> Text {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match language {
        Language::Fr => {
            let reason = reason
                .map(|r| format!("\nMotif indiqué : {r}\n"))
                .unwrap_or_default();
            Text {
                subject: format!("Signature refusée : « {title} »"),
                body: format!("Bonjour,\n\n{signer} a refusé de signer « {title} ». La demande est close pour tous les signataires.\n{reason}\nVoir la demande : {link}\n\n-- \nParaphe\n"),
            }
        }
        Language::En => {
            let reason = reason
                .map(|r| format!("\nReason given: {r}\n"))
                .unwrap_or_default();
            Text {
                subject: format!("Signature refused: \"{title}\""),
                body: format!("Hello,\n\n{signer} refused to sign \"{title}\". The request is closed for every signer.\n{reason}\nSee the request: {link}\n\n-- \nParaphe\n"),
            }
        }
    }
}

/// Why a collection ended before a signer's turn came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Expired,
    Cancelled,
    Refused,
}

pub fn ended_to_signer(language: Language, cabinet: &str, title: &str, ending: Ending) -> Text {
    match language {
        Language::Fr => {
            let how = match ending {
                Ending::Expired => "expirée",
                Ending::Cancelled => "annulée",
                Ending::Refused => "close : un signataire a refusé",
            };
            Text {
                subject: format!("Demande de signature {how} : « {title} »"),
                body: format!("Bonjour,\n\nLa demande de signature « {title} » de {cabinet} est {how}. Vous n'avez plus rien à faire.\n\n-- \nParaphe\n"),
            }
        }
        Language::En => {
            let how = match ending {
                Ending::Expired => "expired",
                Ending::Cancelled => "cancelled",
                Ending::Refused => "closed: a signer refused",
            };
            Text {
                subject: format!("Signature request {how}: \"{title}\""),
                body: format!("Hello,\n\nThe signature request \"{title}\" from {cabinet} is {how}. There is nothing more for you to do.\n\n-- \nParaphe\n"),
            }
        }
    }
}

pub fn expired_to_preparer(language: Language, title: &str, link: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: format!("Demande de signature expirée : « {title} »"),
            body: format!("Bonjour,\n\nLa demande « {title} » a expiré avant que tous les signataires aient signé.\n\nVoir la demande : {link}\n\n-- \nParaphe\n"),
        },
        Language::En => Text {
            subject: format!("Signature request expired: \"{title}\""),
            body: format!("Hello,\n\nThe request \"{title}\" expired before every signer had signed.\n\nSee the request: {link}\n\n-- \nParaphe\n"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_exists_in_every_language_and_differs() {
        let at = DateTime::parse_from_rfc3339("2031-01-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let invite = |language, reminder, needs_certificate| {
            let message = if needs_certificate { "Merci" } else { "" };
            let details = Invitation {
                cabinet: "Cabinet Démo",
                title: "Bilan",
                message,
                link: "https://x/signer/t",
                expires_at: at,
                reminder,
                needs_certificate,
            };
            invitation(language, &details)
        };
        for language in Language::ALL {
            let invitation = invite(language, false, true);
            assert!(
                invitation.body.contains("https://x/signer/t")
                    && invitation.body.contains("Bilan")
                    && invitation.body.contains("Merci")
            );
            assert!(code_sms(language, "123456").contains("123456"));
        }
        let french = invite(Language::Fr, true, false);
        let english = invite(Language::En, true, false);
        assert!(french.body.contains("05/01/2031") && french.subject.starts_with("Rappel"));
        assert!(english.body.contains("5 January 2031") && english.subject.starts_with("Reminder"));
        assert_ne!(
            ended_to_signer(Language::Fr, "C", "T", Ending::Refused).body,
            ended_to_signer(Language::En, "C", "T", Ending::Refused).body
        );
    }
}
