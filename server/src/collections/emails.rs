//! What signers and preparers read: every email and SMS of a collection, in French.

use chrono::{DateTime, Utc};

pub struct Text {
    pub subject: String,
    pub body: String,
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%d/%m/%Y").to_string()
}

pub fn invitation(cabinet: &str, title: &str, message: &str, link: &str, expires_at: DateTime<Utc>, reminder: bool) -> Text {
    let lead = if reminder { "Rappel : des documents vous attendent pour signature." } else { "Des documents vous sont soumis pour signature électronique." };
    let message = if message.trim().is_empty() { String::new() } else { format!("\nMessage du cabinet :\n{}\n", message.trim()) };
    Text {
        subject: format!("{}{cabinet} vous invite à signer « {title} »", if reminder { "Rappel – " } else { "" }),
        body: format!(
            "Bonjour,\n\n{lead}\n\n{cabinet} vous invite à signer « {title} ».\n{message}\nPour lire et signer, ouvrez ce lien personnel (ne le transmettez pas) :\n{link}\n\nUn code de confirmation vous sera envoyé par SMS au moment de signer.\nCe lien est valable jusqu'au {}.\n\n-- \nParaphe, signature électronique pour {cabinet}\n",
            date(expires_at)
        ),
    }
}

/// Added to the invitation of a level-2 signer who has no certificate yet.
pub const CREATE_CERTIFICATE_NOTE: &str = "Cette signature avancée demande un certificat électronique à votre nom. Si vous n'en avez pas encore, le lien vous guide pour le créer (quelques minutes : munissez-vous d'une pièce d'identité et de votre téléphone mobile). Il servira ensuite à toutes vos signatures pendant 5 ans.";

pub fn code_sms(code: &str) -> String {
    format!("Paraphe : votre code de signature est {code}. Valable 30 minutes. Ne le communiquez à personne.")
}

pub fn completed(title: &str, link: &str) -> Text {
    Text {
        subject: format!("Documents signés : « {title} »"),
        body: format!(
            "Bonjour,\n\nTous les signataires ont signé « {title} ».\n\nTéléchargez les documents signés avec ce lien sécurisé :\n{link}\n\nLes documents restent disponibles pendant un mois, puis sont supprimés ; conservez-en une copie.\n\n-- \nParaphe\n"
        ),
    }
}

pub fn refused_to_preparer(title: &str, signer: &str, reason: Option<&str>, link: &str) -> Text {
    let reason = reason.filter(|r| !r.trim().is_empty()).map(|r| format!("\nMotif indiqué : {}\n", r.trim())).unwrap_or_default();
    Text {
        subject: format!("Signature refusée : « {title} »"),
        body: format!("Bonjour,\n\n{signer} a refusé de signer « {title} ». La demande est close pour tous les signataires.\n{reason}\nVoir la demande : {link}\n\n-- \nParaphe\n"),
    }
}

pub fn ended_to_signer(cabinet: &str, title: &str, how: &str) -> Text {
    Text {
        subject: format!("Demande de signature {how} : « {title} »"),
        body: format!("Bonjour,\n\nLa demande de signature « {title} » de {cabinet} est {how}. Vous n'avez plus rien à faire.\n\n-- \nParaphe\n"),
    }
}

pub fn expired_to_preparer(title: &str, link: &str) -> Text {
    Text {
        subject: format!("Demande de signature expirée : « {title} »"),
        body: format!("Bonjour,\n\nLa demande « {title} » a expiré avant que tous les signataires aient signé.\n\nVoir la demande : {link}\n\n-- \nParaphe\n"),
    }
}
