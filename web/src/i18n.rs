//! Every string a user reads, in French. An English table can follow with the same names.

use paraphe_shared::{Delegation, ErrorCode};

pub const APP_NAME: &str = "Paraphe";
pub const LOGIN_TITLE: &str = "Connexion";
pub const LOGIN_SUBTITLE: &str = "Signature électronique pour les cabinets d'expertise comptable";
pub const EMAIL: &str = "Adresse e-mail";
pub const PASSWORD: &str = "Mot de passe";
pub const LOGIN_SUBMIT: &str = "Se connecter";
pub const LOGGING_IN: &str = "Connexion…";
pub const LOGOUT: &str = "Se déconnecter";
pub const CABINET_SWITCHER: &str = "Cabinet";
pub const NAV_DASHBOARD: &str = "Tableau de bord";
pub const NAV_MEMBERS: &str = "Membres et délégations";
pub const NAV_TERMS: &str = "Conditions";
pub const LOADING: &str = "Chargement…";
pub const LIVE_CONNECTED: &str = "En direct";
pub const LIVE_CONNECTING: &str = "Connexion au direct…";
pub const NO_CABINET: &str = "Vous n'êtes rattaché à aucun cabinet pour le moment.";

pub const ROLE_ACCOUNTANT: &str = "Expert-comptable";
pub const ROLE_COLLABORATOR: &str = "Collaborateur";
pub const MY_DELEGATIONS: &str = "Mes délégations";
pub const NO_DELEGATION: &str = "Aucune délégation";
pub const ALL_DELEGATIONS: &str = "Toutes les délégations";

pub const CLOSED_TITLE: &str = "Le service n'est pas encore ouvert pour ce cabinet";
pub const CLOSED_ACCOUNTANT: &str =
    "Acceptez les conditions générales d'utilisation et la politique de protection des données pour ouvrir le service à votre cabinet et à vos collaborateurs.";
pub const CLOSED_COLLABORATOR: &str = "En attente de l'acceptation des CGU par votre expert-comptable.";
pub const GO_TO_TERMS: &str = "Accepter les conditions";

pub const SOON: &str = "Bientôt";
pub const CARDS: [(&str, &str); 4] = [
    ("Collectes de signatures", "Préparez des documents à faire signer par vos clients, sur leur téléphone, avec un code SMS."),
    ("Parapheur", "Retrouvez les documents à signer et signez-les tous en une fois."),
    ("Cachet du cabinet", "Scellez les documents du cabinet avec son certificat de cachet."),
    ("Consommation", "Suivez le crédit prépayé du cabinet et exportez la consommation mensuelle."),
];

pub const TERMS_TITLE: &str = "Conditions d'utilisation du cabinet";
pub const TERMS_INTRO: &str =
    "Pour ouvrir le service à votre cabinet, acceptez les conditions générales d'utilisation (CGU) et la politique de protection des données personnelles (RGPD).";
pub const ACCEPT_CGU: &str = "J'ai lu et j'accepte les conditions générales d'utilisation";
pub const ACCEPT_PRIVACY: &str = "J'ai lu et j'accepte la politique de protection des données personnelles";
pub const ACCEPT_SUBMIT: &str = "Valider mon inscription";
pub const TERMS_ONLY_ACCOUNTANT: &str = "Seul l'expert-comptable du cabinet peut accepter les conditions.";

pub const MEMBERS_TITLE: &str = "Membres et délégations";
pub const MEMBERS_INTRO: &str =
    "Accordez à vos collaborateurs le droit de préparer des collectes, de signer ou d'apposer le cachet du cabinet. Un retrait prend effet immédiatement.";
pub const SAVED: &str = "Enregistré";
pub const REMOVE: &str = "Retirer";

pub fn version_label(cgu: &str, privacy: &str) -> String {
    format!("CGU version {cgu} · Politique de protection des données version {privacy}")
}

pub fn accepted_on(date: &str) -> String {
    let day = date.get(..10).unwrap_or(date);
    format!("Conditions acceptées le {day}.")
}

pub fn confirm_remove(name: &str) -> String {
    format!("Retirer {name} du cabinet ? Son accès cessera immédiatement.")
}

pub fn delegation(delegation: Delegation) -> &'static str {
    match delegation {
        Delegation::Prepare => "Préparer",
        Delegation::Sign => "Signer",
        Delegation::Seal => "Sceller",
    }
}

pub const SIGNER: &str = "Signataire";
pub const TO_SIGN: &str = "à signer";
pub const ATTACHMENT: &str = "à lire";
pub const SEND_CODE: &str = "Recevoir mon code par SMS";
pub const RESEND_CODE: &str = "Renvoyer un code";
pub const SIGN: &str = "Signer";
pub const REFUSE: &str = "Refuser de signer";
pub const REFUSAL_REASON: &str = "Motif du refus (facultatif)";
pub const REFUSAL_WARNING: &str = "Refuser met fin à la demande pour tous les signataires.";
pub const CONFIRM_REFUSAL: &str = "Confirmer le refus";
pub const YOU_SIGNED: &str = "Vous avez signé. Vous recevrez un e-mail avec les documents signés quand tous les signataires auront signé.";
pub const ALL_SIGNED: &str = "Tous les signataires ont signé : téléchargez les documents signés ci-dessus.";
pub const REFUSED: &str = "Cette demande de signature a été refusée ; elle est close.";
pub const YOU_REFUSED: &str = "Vous avez refusé de signer. La demande est close et le cabinet en est informé.";
pub const NAV_COLLECTIONS: &str = "Demandes de signature";
pub const COLLECTIONS: &str = "Demandes de signature du cabinet";
pub const CREDIT: &str = "Crédit";
pub const AVAILABLE: &str = "disponibles";
pub const NEW_COLLECTION: &str = "Nouvelle demande de signature";
pub const TITLE: &str = "Titre";
pub const MESSAGE: &str = "Message aux signataires";
pub const PARALLEL: &str = "Inviter tous les signataires en même temps (sinon, dans l'ordre)";
pub const CREATE: &str = "Créer";
pub const EXPIRES: &str = "expire le";
pub const COST: &str = "Coût";
pub const LAUNCH: &str = "Lancer la demande";
pub const REMIND: &str = "Relancer";
pub const CANCEL: &str = "Annuler la demande";
pub const CONFIRM_CANCEL: &str = "Annuler cette demande de signature ? Les signataires en seront informés.";
pub const DOCUMENTS: &str = "Documents";
pub const ADD_PDF: &str = "Ajouter un PDF (10 Mo au plus)";
pub const SIGNERS: &str = "Signataires, dans l'ordre";
pub const REASON: &str = "Motif";
pub const ADD_ME: &str = "M'ajouter";
pub const FIRST_NAME: &str = "Prénom";
pub const LAST_NAME: &str = "Nom";
pub const ADD_SIGNER: &str = "Ajouter le signataire";
pub const ADD_ATTACHMENT: &str = "Ajouter une pièce jointe à lire (PDF)";
pub const LEVEL: &str = "Niveau de signature";
pub const PICK_SIGNER: &str = "Un membre du cabinet ou un contact";
pub const PICK_NOBODY: &str = "— choisir —";
pub const MEMBERS: &str = "Membres";
pub const CONTACTS: &str = "Contacts";
pub const NEW_PERSON: &str = "Ou une nouvelle personne (enregistrée dans vos contacts)";
pub const ADD: &str = "Ajouter";
pub const STAMP_TITLE: &str = "Cachet visible (facultatif)";
pub const STAMP_HELP: &str = "Cliquez sur la page à l'endroit du cachet du prochain signataire ajouté ; sans clic, la signature reste invisible.";
pub const STAMP_PAGE: &str = "Page";
pub const STAMP_NONE: &str = "Sans cachet";

pub fn level_label(level: i64) -> &'static str {
    match level {
        1 => "1 — simple (e-mail et code SMS)",
        2 => "2 — avancée (certificat du signataire)",
        3 => "3 — avancée avec certificat qualifié",
        _ => "—",
    }
}
pub const TIMELINE: &str = "Historique";
pub const PROOF_FILE: &str = "Fichier de preuve (ZIP)";
pub const AUDIT_BROKEN: &str = "Attention : la chaîne de preuve de cet historique est rompue.";

/// A collection status as the GraphQL enum spells it (DRAFT, ACTIVE…).
pub fn status_label(status: &str) -> &'static str {
    match status {
        "DRAFT" => "Brouillon",
        "ACTIVE" => "En cours",
        "COMPLETED" => "Signée",
        "REFUSED" => "Refusée",
        "EXPIRED" => "Expirée",
        "CANCELLED" => "Annulée",
        _ => "—",
    }
}

pub fn signer_status_label(status: &str) -> &'static str {
    match status {
        "WAITING" => "En attente",
        "INVITED" => "Invité",
        "SIGNED" => "A signé",
        "REFUSED" => "A refusé",
        _ => "—",
    }
}

/// An audit trail entry's kind, as the timeline shows it.
pub fn event_label(kind: &str) -> String {
    match kind {
        "created" => "Demande créée",
        "document_added" => "Document ajouté",
        "document_removed" => "Document retiré",
        "signer_added" => "Signataire ajouté",
        "signer_removed" => "Signataire retiré",
        "launched" => "Demande lancée",
        "invited" => "Invitation envoyée",
        "reminded" => "Relance envoyée",
        "opened" => "Lien ouvert par le signataire",
        "documents_accepted" => "Documents lus et acceptés",
        "code_sent" => "Code envoyé par SMS",
        "code_failed" => "Code erroné ou expiré",
        "signed" => "Signé",
        "refused" => "Refusé",
        "completed" => "Tous ont signé",
        "expired" => "Demande expirée",
        "cancelled" => "Demande annulée",
        "purged" => "Documents supprimés (conservation écoulée)",
        other => return other.to_owned(),
    }
    .to_owned()
}

pub const NOT_YOUR_TURN: &str = "Cette demande n'attend pas votre signature pour le moment.";
pub const OUTBOX_TITLE: &str = "Boîte d'envoi (développement)";
pub const OUTBOX_HELP: &str = "Les e-mails et SMS que le serveur a envoyés, avec leurs liens et codes.";
pub const REFRESH: &str = "Actualiser";

pub fn pages(n: i64) -> String {
    if n > 1 { format!("{n} pages") } else { format!("{n} page") }
}

pub fn accept_documents(pages: i64) -> String {
    format!("J'ai lu et j'accepte le(s) document(s) de {}", self::pages(pages))
}

pub fn sent_by(cabinet: &str) -> String {
    format!("Demande de signature de {cabinet}")
}

pub fn code_sent_to(hint: &str) -> String {
    format!("Code à 6 chiffres envoyé par SMS au {hint} (valable 30 minutes)")
}

/// What to tell a user for each error code; the server's own message is kept for
/// validation errors, which say which input is wrong.
pub fn error_message(code: ErrorCode, server_message: &str) -> String {
    match code {
        ErrorCode::InvalidCredentials => "E-mail ou mot de passe incorrect".into(),
        ErrorCode::Unauthenticated => "Votre session a expiré : reconnectez-vous.".into(),
        ErrorCode::Forbidden => "Vous n'avez pas les droits pour cette action.".into(),
        ErrorCode::NotFound => "Introuvable : l'élément n'existe plus ou ne relève pas de ce cabinet.".into(),
        ErrorCode::CabinetNotOpen => CLOSED_TITLE.into(),
        ErrorCode::RateLimited => "Trop de tentatives : réessayez dans quelques minutes.".into(),
        ErrorCode::Internal | ErrorCode::QueryTooComplex | ErrorCode::CsrfRejected => {
            "Une erreur est survenue. Réessayez ; si elle persiste, contactez le support.".into()
        }
        // The server's messages for the other codes are written for users, in French.
        _ => server_message.into(),
    }
}

// ---- enrolment, identity, certificates, operators ----

pub const NAV_MY_SIGNATURE: &str = "Ma signature personnelle";
pub const NAV_ENROLMENT: &str = "Mon enregistrement";
pub const NAV_OPERATOR: &str = "Vérifications d'identité";
pub const ENROLMENT_TITLE: &str = "Mon enregistrement";
pub const ENROLMENT_NUDGE: &str = "Terminez votre enregistrement (identité, accord de souscription) pour obtenir votre certificat et signer.";
pub const ENROLMENT_INTRO: &str = "Avant de signer, enregistrez-vous en ligne. Cela prend quelques minutes : munissez-vous d'une pièce d'identité et de votre smartphone.";
pub const ENROLMENT_STEPS: [&str; 5] = ["Profil", "Identité", "Accord de souscription", "Validation", "Certificat"];
pub const PROFILE_HELP: &str = "Vérifiez les informations ci-dessous. Votre numéro de téléphone mobile est obligatoire : il recevra vos codes de signature par SMS.";
pub const MOBILE: &str = "Téléphone mobile (obligatoire, ex. +33612345678)";
pub const CABINETS: &str = "Cabinets";
pub const CONTINUE_ENROLMENT: &str = "Poursuivre mon enregistrement";
pub const IDENTITY_HELP: &str = "Pour émettre le certificat qui vous permettra de signer, nous devons vérifier votre identité.";
pub const DOCUMENT_TYPE: &str = "Type de pièce d'identité";
pub const BIRTH_DATE: &str = "Date de naissance";
pub const START_VERIFICATION: &str = "Valider mon identité";
pub const FRONT: &str = "Recto de la pièce";
pub const BACK: &str = "Verso de la pièce";
pub const SELFIE: &str = "Photo de vous (selfie)";
pub const FILE_HELP: &str = "En couleur, au format .jpg, .jpeg, .png ou .pdf, lisible, la face entière, 10 Mo au plus.";
pub const SEND_DOCUMENTS: &str = "Envoyer mes documents";
pub const USE_PHONE: &str = "Continuer sur mon téléphone";
pub const QR_HELP: &str = "Scannez ce QR code avec l'appareil photo de votre téléphone pour photographier votre pièce. Cette page se met à jour toute seule.";
pub const DOCUMENTS_RECEIVED: &str = "Documents reçus";
pub const VERIFYING: &str = "Vérification en cours — estimée entre 3 et 6 minutes";
pub const IN_REVIEW: &str = "Votre pièce est en cours d'examen par un opérateur (jusqu'à 24 heures).";
pub const REJECTED: &str = "La vérification de votre pièce n'a pas abouti";
pub const AGREEMENT_TITLE: &str = "Accord de souscription";
pub const AGREEMENT_PDF: &str = "Lire l'accord en PDF";
pub const AGREEMENT_ACCEPT: &str = "J'ai lu et j'accepte les conditions de souscription au service de certificats Paraphe";
pub const AGREEMENT_CODE_HELP: &str = "Une fois la case cochée, vous recevez un code par SMS. Vous aurez 30 minutes pour signer.";
pub const AGREEMENT_SIGN_NOTE: &str = "En signant l'accord de souscription, vous demandez l'émission d'un certificat électronique à votre nom pour signer les documents sur Paraphe.";
pub const REQUEST_IN_PROGRESS: &str = "Demande en cours de traitement";
pub const REQUEST_IN_PROGRESS_HELP: &str = "Votre demande de certificat est en cours de traitement. Vous recevrez également un e-mail de confirmation. Cela peut prendre jusqu'à 24 heures.";
pub const EXTRACTED_TITLE: &str = "Données lues sur votre pièce";
pub const CONFIRM_DATA: &str = "Confirmer ces données";
pub const DISPUTE_DATA: &str = "Ces données ne sont pas correctes";
pub const CONGRATULATIONS: &str = "Félicitations !";
pub const CONGRATULATIONS_HELP: &str = "Votre identité a été validée et vous disposez maintenant d'un certificat de signature électronique avancée.";
pub const GO_TO_PORTAL: &str = "Accéder au portail de signature";
pub const DOCUMENT_NUMBER: &str = "Numéro de document";
pub const NATIONALITY: &str = "Nationalité";
pub const EXPIRY_DATE: &str = "Date d'expiration";
pub const CAPTURE_TITLE: &str = "Photographiez votre pièce d'identité";
pub const CAPTURE_DONE: &str = "Documents reçus. Vous pouvez reprendre sur votre ordinateur.";
pub const CERTIFICATES_TITLE: &str = "Ma signature personnelle";
pub const NO_CERTIFICATE: &str = "Vous n'avez pas encore de certificat : terminez votre enregistrement.";
pub const SERIAL: &str = "Numéro de série";
pub const ISSUER: &str = "Émetteur";
pub const VALIDITY: &str = "Validité";
pub const DOWNLOAD_CERTIFICATE: &str = "Télécharger le certificat";
pub const REVOKE: &str = "Révoquer mon certificat";
pub const REVOKE_WARNING: &str = "La révocation est immédiate et définitive : ce certificat ne pourra plus signer.";
pub const REVOKE_CONFIRM: &str = "Confirmer la révocation";
pub const QCP_TITLE: &str = "Certificat qualifié (QCP)";
pub const QCP_INTRO: &str = "Le coût de souscription est de 20 €, prélevé sur le crédit disponible du cabinet choisi. Les informations (prénom, nom, e-mail, mobile) doivent correspondre à celles de votre certificat LCP.";
pub const QCP_CABINET: &str = "Cabinet à débiter";
pub const QCP_SUBSCRIBE: &str = "Souscrire à un certificat qualifié";
pub const QCP_ACCESS_HELP: &str = "Nous avons envoyé un code à usage unique sur votre e-mail. Il expire dans 3 minutes.";
pub const QCP_EMAIL_CODE: &str = "Code reçu par e-mail";
pub const QCP_ACCESS_SUBMIT: &str = "Accéder à l'enregistrement";
pub const RESEND: &str = "Renvoyer le code";
pub const QCP_DETAILS_CONSENT_TERMS: &str = "J'accepte que les données de ma pièce d'identité soient traitées dans le but unique d'émettre un certificat, et j'accepte les conditions générales d'utilisation.";
pub const QCP_DETAILS_CONSENT_PRIVACY: &str = "Je consens au traitement de mes données personnelles conformément à la politique de protection des données personnelles.";
pub const VALIDATE: &str = "Valider";
pub const QCP_REQUEST_TITLE: &str = "Demande de certificat";
pub const QCP_REQUEST_ACCEPT: &str = "J'ai lu et j'accepte le document.";
pub const QCP_CODE_EXPIRES: &str = "Il expire dans 3 minutes, entrez-le rapidement !";
pub const QCP_ISSUED: &str = "Votre demande de certificat qualifié (QCP) a été finalisée et votre certificat est émis.";

pub fn qcp_identity_check(name: &str, mobile: &str) -> String {
    format!("Confirmez que vous possédez une pièce d'identité valide au nom de {name} et que votre numéro de mobile est {mobile}.")
}

pub const CREATE_CERTIFICATE_TITLE: &str = "Créez votre certificat électronique";
pub const CREATE_CERTIFICATE_HELP: &str = "Cette signature avancée demande un certificat électronique à votre nom. Sa création prend quelques minutes : vérification de votre identité (pièce d'identité, depuis cet appareil ou votre téléphone), accord de souscription signé par code SMS. Il servira ensuite à toutes vos signatures pendant 5 ans.";
pub const CREATE_CERTIFICATE: &str = "Créer mon certificat";
pub const BACK_TO_SIGNATURE: &str = "Revenir à la signature";

pub const QUEUE_TITLE: &str = "Vérifications d'identité en attente";
pub const QUEUE_EMPTY: &str = "Aucune vérification en attente.";
pub const FLAGGED: &str = "À examiner de près";
pub const APPROVE: &str = "Approuver";
pub const REJECT: &str = "Refuser";
pub const REJECT_REASON: &str = "Motif du refus (communiqué à la personne)";
pub const READ_ON_DOCUMENT: &str = "Lu sur la pièce";
pub const CHECKS: &str = "Contrôles automatiques";

pub fn document_type_label(name: &str) -> &'static str {
    match name {
        "IDENTITY_CARD" => "Carte nationale d'identité",
        "PASSPORT" => "Passeport",
        "RESIDENCE_PERMIT" => "Titre de séjour",
        _ => "—",
    }
}

pub fn certificate_level_label(name: &str) -> &'static str {
    match name {
        "LCP" => "Certificat de signature avancée (LCP)",
        "QCP" => "Certificat qualifié (QCP)",
        _ => "—",
    }
}

pub fn certificate_status_label(name: &str) -> &'static str {
    match name {
        "VALID" => "Valide",
        "REVOKED" => "Révoqué",
        "EXPIRED" => "Expiré",
        _ => "—",
    }
}

pub fn revocation_reason_label(name: &str) -> &'static str {
    match name {
        "UNSPECIFIED" => "Sans motif particulier",
        "KEY_COMPROMISE" => "Je pense que mon accès a été compromis",
        "AFFILIATION_CHANGED" => "Je change de cabinet ou de fonction",
        "SUPERSEDED" => "Remplacé par un nouveau certificat",
        "CESSATION_OF_OPERATION" => "Je cesse mon activité",
        _ => "—",
    }
}

/// A check's outcome, for the operator.
pub fn check_label(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "conforme",
        Some(false) => "NON conforme",
        None => "non lu",
    }
}

pub fn date(iso: &str) -> String {
    let day = iso.get(..10).unwrap_or(iso);
    match (day.get(..4), day.get(5..7), day.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => day.to_owned(),
    }
}

pub fn agreement_code_sent_to(hint: &str) -> String {
    format!("Un code vous a été envoyé par SMS au {hint} (valable 30 minutes)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_credentials_read_as_such() {
        assert_eq!(error_message(ErrorCode::InvalidCredentials, "x"), "E-mail ou mot de passe incorrect");
        assert_eq!(error_message(ErrorCode::Validation, "le nom est vide"), "le nom est vide");
        assert!(!error_message(ErrorCode::Internal, "stack trace").contains("stack"));
    }

    #[test]
    fn dates_read_the_french_way() {
        assert_eq!(date("2031-01-01T00:00:00Z"), "01/01/2031");
        assert_eq!(date("1990-05-15"), "15/05/1990");
    }

    #[test]
    fn acceptance_dates_show_the_day() {
        assert_eq!(accepted_on("2026-11-23T04:10:00Z"), "Conditions acceptées le 2026-11-23.");
    }
}
