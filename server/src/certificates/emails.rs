//! What a holder reads about their certificate, in French.

use crate::collections::emails::Text;

pub fn agreement_code_sms(code: &str) -> String {
    format!("Paraphe : votre code pour signer l'accord de souscription est {code}. Valable 30 minutes. Ne le communiquez à personne.")
}

pub fn request_in_progress(first_name: &str) -> Text {
    Text {
        subject: "Votre demande de certificat est en cours de traitement".into(),
        body: format!(
            "Bonjour {first_name},\n\nVous avez signé l'accord de souscription : votre demande de certificat personnel de signature électronique est en cours de traitement.\nCela peut prendre jusqu'à 24 heures lorsqu'un opérateur vérifie votre pièce d'identité. Vous recevrez un email dès que votre certificat sera disponible.\n\n-- \nParaphe\n"
        ),
    }
}

pub fn congratulations(first_name: &str, link: &str) -> Text {
    Text {
        subject: "Félicitations : votre certificat de signature est disponible".into(),
        body: format!(
            "Bonjour {first_name},\n\nFélicitations ! Votre identité a été validée et vous disposez maintenant d'un certificat de signature électronique avancée, valable 5 ans.\n\nAccédez au portail de signature :\n{link}\n\nVérifiez les informations de votre certificat dans les 48 heures depuis « Ma signature personnelle » et signalez-nous toute inexactitude.\n\n-- \nParaphe\n"
        ),
    }
}

pub fn revoked(first_name: &str, serial: &str) -> Text {
    Text {
        subject: "Votre certificat a été révoqué".into(),
        body: format!(
            "Bonjour {first_name},\n\nVotre certificat de numéro de série {serial} vient d'être révoqué. Il ne peut plus signer.\nSi vous n'êtes pas à l'origine de cette révocation, contactez immédiatement l'assistance.\n\n-- \nParaphe\n"
        ),
    }
}

pub fn qcp_access_code(first_name: &str, code: &str) -> Text {
    Text {
        subject: format!("Votre code d'accès : {code}"),
        body: format!(
            "Bonjour {first_name},\n\nPour accéder à la souscription de votre certificat qualifié, saisissez ce code à usage unique :\n\n{code}\n\nIl expire dans 3 minutes. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n-- \nParaphe\n"
        ),
    }
}

pub fn qcp_request_code_sms(code: &str) -> String {
    format!("Paraphe : votre code pour signer votre demande de certificat qualifié est {code}. Il expire dans 3 minutes.")
}

pub fn qcp_issued(holder: &str) -> Text {
    Text {
        subject: "Votre certificat qualifié est émis".into(),
        body: format!(
            "Bonjour,\n\nVotre certificat au nom de {} a bien été émis. Il est valable 5 ans et vous permet de signer des documents électroniquement avec une signature avancée reposant sur un certificat qualifié.\n\nConnectez-vous à votre compte pour gérer votre certificat (« Ma signature personnelle »).\n\n-- \nParaphe\n",
            holder.to_uppercase()
        ),
    }
}
