//! The subscription agreement a user signs before their certificate is issued: the same
//! words on screen and in the PDF they sign, which is kept as evidence.

use paraphe_shared::Language;

use crate::signing::{self, PdfError};

/// Bumped when the text changes; recorded with each signature.
pub const VERSION: &str = "2026-11";

/// The agreement's title in `language`.
pub fn title(language: Language) -> &'static str {
    match language {
        Language::Fr => "Contrat de souscription au service de certificats Paraphe",
        Language::En => "Subscription agreement for the Paraphe certificate service",
    }
}

/// The articles, in order, in `language`. The holder signs the text in the language they
/// read it in; both say the same.
pub fn articles(language: Language) -> Vec<(&'static str, &'static str)> {
    match language {
        Language::Fr => vec![
            (
                "Article 1 - Objet",
                "Le présent contrat organise la délivrance au Titulaire d'un certificat électronique nominatif de signature avancée (LCP) par l'autorité de certification de Paraphe, et son usage pour signer des documents PDF sur la plateforme.",
            ),
            (
                "Article 2 - Dossier d'enregistrement",
                "Le Titulaire fournit des informations exactes (nom, prénom, date de naissance, adresse électronique, téléphone mobile) et une pièce d'identité en cours de validité. Paraphe vérifie ces informations avant toute délivrance.",
            ),
            (
                "Article 3 - Clés et contrôle exclusif",
                "La clé privée du Titulaire est générée et conservée chiffrée par Paraphe. Elle n'est utilisée qu'après saisie par le Titulaire d'un code à usage unique reçu par SMS pour l'opération concernée.",
            ),
            (
                "Article 4 - Durée",
                "Le certificat est valable cinq ans à compter de sa délivrance et peut servir à toutes les signatures du Titulaire pendant cette durée.",
            ),
            (
                "Article 5 - Révocation",
                "Le Titulaire peut révoquer son certificat à tout moment depuis « Ma signature personnelle ». La révocation est publiée immédiatement (liste de révocation et service OCSP) ; le certificat ne peut plus signer.",
            ),
            (
                "Article 6 - Acceptation du certificat",
                "Le Titulaire vérifie les informations de son certificat dans les quarante-huit heures suivant sa délivrance et signale sans délai toute inexactitude ; le certificat est alors révoqué et un nouveau est émis.",
            ),
            (
                "Article 7 - Conservation",
                "Paraphe conserve le dossier d'enregistrement, le journal des événements du cycle de vie du certificat et le présent contrat signé pendant la durée prévue par la politique de certification. Les images de la pièce d'identité sont supprimées à l'issue de la durée de conservation configurée.",
            ),
            (
                "Article 8 - Données personnelles",
                "Les données du Titulaire sont traitées pour la seule délivrance et la gestion de son certificat, conformément à la politique de protection des données de Paraphe.",
            ),
        ],
        Language::En => vec![
            (
                "Article 1 - Purpose",
                "This agreement governs the issuance to the Holder of a nominative advanced electronic signature certificate (LCP) by the Paraphe certification authority, and its use to sign PDF documents on the platform.",
            ),
            (
                "Article 2 - Registration file",
                "The Holder provides accurate information (last name, first name, date of birth, email address, mobile phone) and a valid identity document. Paraphe checks this information before any issuance.",
            ),
            (
                "Article 3 - Keys and sole control",
                "The Holder's private key is generated and kept encrypted by Paraphe. It is used only after the Holder enters a one-time code received by text message for the operation concerned.",
            ),
            (
                "Article 4 - Duration",
                "The certificate is valid for five years from its issuance and may serve all the Holder's signatures during that time.",
            ),
            (
                "Article 5 - Revocation",
                "The Holder may revoke their certificate at any time from \"My personal signature\". The revocation is published at once (revocation list and OCSP service); the certificate can no longer sign.",
            ),
            (
                "Article 6 - Acceptance of the certificate",
                "The Holder checks the details of their certificate within forty-eight hours of its issuance and reports any inaccuracy without delay; the certificate is then revoked and a new one issued.",
            ),
            (
                "Article 7 - Retention",
                "Paraphe keeps the registration file, the log of the certificate's life-cycle events and this signed agreement for the period set by the certification policy. The images of the identity document are deleted at the end of the configured retention period.",
            ),
            (
                "Article 8 - Personal data",
                "The Holder's data are processed solely to issue and manage their certificate, in accordance with Paraphe's data-protection policy.",
            ),
        ],
    }
}

/// The agreement for `holder` as a PDF in `language`, ready to be signed.
pub fn render(
    language: Language,
    holder: &str,
    email: &str,
    mobile: &str,
    date: &str,
) -> Result<Vec<u8>, PdfError> {
    let (holder_label, email_label, mobile_label, date_label, closing) = match language {
        Language::Fr => (
            "Titulaire",
            "Adresse électronique",
            "Téléphone mobile",
            "Date",
            "En signant ce contrat avec le code reçu par SMS, le Titulaire demande l'émission d'un certificat électronique à son nom pour signer les documents sur la plateforme Paraphe.",
        ),
        Language::En => (
            "Holder",
            "Email address",
            "Mobile phone",
            "Date",
            "By signing this agreement with the code received by text message, the Holder asks for an electronic certificate to be issued in their name to sign documents on the Paraphe platform.",
        ),
    };
    let separator = if language == Language::Fr {
        " : "
    } else {
        ": "
    };
    let mut lines = vec![
        format!("Version {VERSION}"),
        String::new(),
        format!("{holder_label}{separator}{holder}"),
        format!("{email_label}{separator}{email}"),
        format!("{mobile_label}{separator}{mobile}"),
        format!("{date_label}{separator}{date}"),
        String::new(),
    ];
    for (heading, text) in articles(language) {
        lines.push(heading.to_owned());
        lines.push(text.to_owned());
        lines.push(String::new());
    }
    lines.push(closing.into());
    signing::text_pdf::render(title(language), &lines)
}
