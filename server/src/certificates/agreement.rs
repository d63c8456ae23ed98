//! The subscription agreement a user signs before their certificate is issued: the same
//! words on screen and in the PDF they sign, which is kept as evidence.

use crate::signing::{self, PdfError};

/// Bumped when the text changes; recorded with each signature.
pub const VERSION: &str = "2026-11";

pub const TITLE: &str = "Contrat de souscription au service de certificats Paraphe";

/// The articles, in order.
pub fn articles() -> Vec<(&'static str, &'static str)> {
    vec![
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
    ]
}

/// The agreement for `holder` as a PDF, ready to be signed.
pub fn render(holder: &str, email: &str, mobile: &str, date: &str) -> Result<Vec<u8>, PdfError> {
    let mut lines = vec![
        format!("Version {VERSION}"),
        String::new(),
        format!("Titulaire : {holder}"),
        format!("Adresse électronique : {email}"),
        format!("Téléphone mobile : {mobile}"),
        format!("Date : {date}"),
        String::new(),
    ];
    for (heading, text) in articles() {
        lines.push(heading.to_owned());
        lines.push(text.to_owned());
        lines.push(String::new());
    }
    lines.push("En signant ce contrat avec le code reçu par SMS, le Titulaire demande l'émission d'un certificat électronique à son nom pour signer les documents sur la plateforme Paraphe.".into());
    signing::text_pdf::render(TITLE, &lines)
}
