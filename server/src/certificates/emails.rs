//! What a holder reads about their certificate, in their language (see
//! `collections::emails` for why these are typed functions).

use paraphe_shared::Language;

use crate::texts::Text;

pub fn agreement_code_sms(language: Language, code: &str) -> String {
    match language {
        Language::Fr => format!("Paraphe : votre code pour signer l'accord de souscription est {code}. Valable 30 minutes. Ne le communiquez à personne."),
        Language::En => format!("Paraphe: your code to sign the subscription agreement is {code}. Valid for 30 minutes. Do not share it with anyone."),
    }
}

pub fn request_in_progress(language: Language, first_name: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: "Votre demande de certificat est en cours de traitement".into(),
            body: format!(
                "Bonjour {first_name},\n\nVous avez signé l'accord de souscription : votre demande de certificat personnel de signature électronique est en cours de traitement.\nCela peut prendre jusqu'à 24 heures lorsqu'un opérateur vérifie votre pièce d'identité. Vous recevrez un email dès que votre certificat sera disponible.\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: "Your certificate request is being processed".into(),
            body: format!(
                "Hello {first_name},\n\nYou signed the subscription agreement: your request for a personal electronic signature certificate is being processed.\nIt can take up to 24 hours when an operator checks your identity document. You will receive an email as soon as your certificate is available.\n\n-- \nParaphe\n"
            ),
        },
    }
}

pub fn congratulations(language: Language, first_name: &str, link: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: "Félicitations : votre certificat de signature est disponible".into(),
            body: format!(
                "Bonjour {first_name},\n\nFélicitations ! Votre identité a été validée et vous disposez maintenant d'un certificat de signature électronique avancée, valable 5 ans.\n\nAccédez au portail de signature :\n{link}\n\nVérifiez les informations de votre certificat dans les 48 heures depuis « Ma signature personnelle » et signalez-nous toute inexactitude.\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: "Congratulations: your signature certificate is available".into(),
            body: format!(
                "Hello {first_name},\n\nCongratulations! Your identity has been confirmed and you now hold an advanced electronic signature certificate, valid for 5 years.\n\nGo to the signature portal:\n{link}\n\nCheck your certificate's details within 48 hours in \"My personal signature\" and tell us of any mistake.\n\n-- \nParaphe\n"
            ),
        },
    }
}

pub fn revoked(language: Language, first_name: &str, serial: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: "Votre certificat a été révoqué".into(),
            body: format!(
                "Bonjour {first_name},\n\nVotre certificat de numéro de série {serial} vient d'être révoqué. Il ne peut plus signer.\nSi vous n'êtes pas à l'origine de cette révocation, contactez immédiatement l'assistance.\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: "Your certificate has been revoked".into(),
            body: format!(
                "Hello {first_name},\n\nYour certificate with serial number {serial} has just been revoked. It cannot sign any more.\nIf you did not revoke it yourself, contact support at once.\n\n-- \nParaphe\n"
            ),
        },
    }
}

pub fn qcp_access_code(language: Language, first_name: &str, code: &str) -> Text {
    match language {
        Language::Fr => Text {
            subject: format!("Votre code d'accès : {code}"),
            body: format!(
                "Bonjour {first_name},\n\nPour accéder à la souscription de votre certificat qualifié, saisissez ce code à usage unique :\n\n{code}\n\nIl expire dans 3 minutes. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: format!("Your access code: {code}"),
            body: format!(
                "Hello {first_name},\n\nTo open the subscription to your qualified certificate, enter this one-time code:\n\n{code}\n\nIt expires in 3 minutes. If you did not ask for it, ignore this message.\n\n-- \nParaphe\n"
            ),
        },
    }
}

pub fn qcp_request_code_sms(language: Language, code: &str) -> String {
    match language {
        Language::Fr => format!("Paraphe : votre code pour signer votre demande de certificat qualifié est {code}. Il expire dans 3 minutes."),
        Language::En => format!("Paraphe: your code to sign your qualified certificate request is {code}. It expires in 3 minutes."),
    }
}

pub fn qcp_issued(language: Language, holder: &str) -> Text {
    let holder = holder.to_uppercase();
    match language {
        Language::Fr => Text {
            subject: "Votre certificat qualifié est émis".into(),
            body: format!(
                "Bonjour,\n\nVotre certificat au nom de {holder} a bien été émis. Il est valable 5 ans et vous permet de signer des documents électroniquement avec une signature avancée reposant sur un certificat qualifié.\n\nConnectez-vous à votre compte pour gérer votre certificat (« Ma signature personnelle »).\n\n-- \nParaphe\n"
            ),
        },
        Language::En => Text {
            subject: "Your qualified certificate is issued".into(),
            body: format!(
                "Hello,\n\nYour certificate in the name of {holder} has been issued. It is valid for 5 years and lets you sign documents electronically with an advanced signature based on a qualified certificate.\n\nLog in to your account to manage your certificate (\"My personal signature\").\n\n-- \nParaphe\n"
            ),
        },
    }
}
