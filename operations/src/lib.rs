//! Paraphe's GraphQL operations, typed: one `.graphql` file per operation in `graphql/`,
//! checked against `schema.graphql` and turned into Rust types by graphql_client. The web
//! app sends them; the server's integration tests and the browser tests use the same
//! types, so an operation the app relies on cannot drift from what the tests exercise.
//!
//! ```
//! use graphql_client::GraphQLQuery as _;
//! let body = paraphe_operations::Login::build_query(paraphe_operations::login::Variables {
//!     email: "expert@demo.paraphe.fr".into(),
//!     password: "…".into(),
//! });
//! assert!(body.query.contains("login("));
//! ```

pub mod enums;

pub use graphql_client::{GraphQLQuery, QueryBody, Response};

// The generated modules find the `extern_enums` here (`use super::*`).
pub use crate::enums::{
    CertificateLevel, CertificateStatus, CollectionStatus, ContactField, CsvEncoding, Delegation,
    DocumentKind, DocumentType, EnrolmentStep, ImageSide, ImportOutcome, ImportProblemKind,
    Language, NameAgreement, QcpStep, RevocationReasonInput, Role, SignerStatus, SigningMode,
    VerificationStatus,
};

#[allow(clippy::upper_case_acronyms)]
type UUID = String;
type DateTime = String;
type NaiveDate = String;
/// A file variable: `null` in the JSON part of a multipart request, whose `map` then puts
/// the file there (the GraphQL multipart request spec).
type Upload = ();

// rustfmt re-indents the attribute inside this macro on every run (not idempotent).
#[rustfmt::skip]
macro_rules! operation {
    ($name:ident, $file:literal) => {
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = $file,
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone",
            extern_enums(
                "CertificateLevel", "CertificateStatus", "CollectionStatus", "ContactField",
                "CsvEncoding", "Delegation", "DocumentKind", "DocumentType", "EnrolmentStep",
                "ImageSide", "ImportOutcome", "ImportProblemKind", "Language", "NameAgreement",
                "QcpStep", "RevocationReasonInput", "Role", "SignerStatus", "SigningMode",
                "VerificationStatus"
            )
        )]
        pub struct $name;
    };
}

operation!(Me, "graphql/me.graphql");
operation!(CabinetOverview, "graphql/cabinet.graphql");
operation!(Members, "graphql/members.graphql");
operation!(CurrentTerms, "graphql/current_terms.graphql");
operation!(Login, "graphql/login.graphql");
operation!(Logout, "graphql/logout.graphql");
operation!(SwitchCabinet, "graphql/switch_cabinet.graphql");
operation!(AcceptTerms, "graphql/accept_terms.graphql");
operation!(SetDelegations, "graphql/set_delegations.graphql");
operation!(RemoveMember, "graphql/remove_member.graphql");
operation!(SigningSession, "graphql/signing_session.graphql");
operation!(AcceptDocuments, "graphql/accept_documents.graphql");
operation!(RequestSigningCode, "graphql/request_signing_code.graphql");
operation!(Sign, "graphql/sign.graphql");
operation!(Refuse, "graphql/refuse.graphql");
operation!(SetSignerLanguage, "graphql/set_signer_language.graphql");
operation!(SetMyLanguage, "graphql/set_my_language.graphql");
operation!(DevOutbox, "graphql/dev_outbox.graphql");
operation!(Collections, "graphql/collections.graphql");
operation!(Collection, "graphql/collection.graphql");
operation!(CreateCollection, "graphql/create_collection.graphql");
operation!(AddSigner, "graphql/add_signer.graphql");
operation!(MoveSigner, "graphql/move_signer.graphql");
operation!(RemoveSigner, "graphql/remove_signer.graphql");
operation!(LaunchCollection, "graphql/launch_collection.graphql");
operation!(CancelCollection, "graphql/cancel_collection.graphql");
operation!(RemindCollection, "graphql/remind_collection.graphql");
operation!(SignerChoices, "graphql/signer_choices.graphql");
operation!(CollectionCounts, "graphql/collection_counts.graphql");
operation!(CabinetCredit, "graphql/cabinet_credit.graphql");
operation!(MySignatureRequests, "graphql/my_signature_requests.graphql");
operation!(OpenMySignature, "graphql/open_my_signature.graphql");
operation!(MyEnrolment, "graphql/my_enrolment.graphql");
operation!(MyEnrolmentStep, "graphql/enrolment_step.graphql");
operation!(
    BeginCertificateCreation,
    "graphql/begin_certificate_creation.graphql"
);
operation!(MyQcpSubscription, "graphql/my_qcp_subscription.graphql");
operation!(
    StartQcpSubscription,
    "graphql/start_qcp_subscription.graphql"
);
operation!(
    ResendQcpAccessCode,
    "graphql/resend_qcp_access_code.graphql"
);
operation!(OpenQcpSubscription, "graphql/open_qcp_subscription.graphql");
operation!(ConfirmQcpDetails, "graphql/confirm_qcp_details.graphql");
operation!(
    RequestQcpSigningCode,
    "graphql/request_qcp_signing_code.graphql"
);
operation!(SignQcpRequest, "graphql/sign_qcp_request.graphql");
operation!(ConfirmProfile, "graphql/confirm_profile.graphql");
operation!(
    StartIdentityVerification,
    "graphql/start_identity_verification.graphql"
);
operation!(
    SubmitIdentityVerification,
    "graphql/submit_identity_verification.graphql"
);
operation!(CreateCaptureLink, "graphql/create_capture_link.graphql");
operation!(AcceptAgreement, "graphql/accept_agreement.graphql");
operation!(SignAgreement, "graphql/sign_agreement.graphql");
operation!(ConfirmIdentityData, "graphql/confirm_identity_data.graphql");
operation!(OpenCapture, "graphql/open_capture.graphql");
operation!(FinishCapture, "graphql/finish_capture.graphql");
operation!(MyCertificates, "graphql/my_certificates.graphql");
operation!(RevokeMyCertificate, "graphql/revoke_my_certificate.graphql");
operation!(VerificationQueue, "graphql/verification_queue.graphql");
operation!(
    ApproveIdentityVerification,
    "graphql/approve_identity_verification.graphql"
);
operation!(
    RejectIdentityVerification,
    "graphql/reject_identity_verification.graphql"
);
operation!(
    RequestPasswordReset,
    "graphql/request_password_reset.graphql"
);
operation!(PasswordLink, "graphql/password_link.graphql");
operation!(ChoosePassword, "graphql/choose_password.graphql");
operation!(ChangePassword, "graphql/change_password.graphql");
operation!(MySessions, "graphql/my_sessions.graphql");
operation!(
    SignOutOtherSessions,
    "graphql/sign_out_other_sessions.graphql"
);
operation!(CloseSession, "graphql/close_session.graphql");
operation!(PlatformCabinets, "graphql/platform_cabinets.graphql");
operation!(PlatformUsers, "graphql/platform_users.graphql");
operation!(PlatformEvents, "graphql/platform_events.graphql");
operation!(CreateCabinet, "graphql/create_cabinet.graphql");
operation!(CloseCabinet, "graphql/close_cabinet.graphql");
operation!(SetOperator, "graphql/set_operator.graphql");
operation!(CreditCabinet, "graphql/credit_cabinet.graphql");
operation!(Invitations, "graphql/invitations.graphql");
operation!(InviteMember, "graphql/invite_member.graphql");
operation!(ResendInvitation, "graphql/resend_invitation.graphql");
operation!(WithdrawInvitation, "graphql/withdraw_invitation.graphql");
operation!(InvitationLink, "graphql/invitation_link.graphql");
operation!(AcceptInvitation, "graphql/accept_invitation.graphql");
operation!(
    AcceptInvitationWithNewAccount,
    "graphql/accept_invitation_with_new_account.graphql"
);
operation!(SignInOptions, "graphql/sign_in_options.graphql");
operation!(SignOut, "graphql/sign_out.graphql");
operation!(Contacts, "graphql/contacts.graphql");
operation!(CreateContact, "graphql/create_contact.graphql");
operation!(UpdateContact, "graphql/update_contact.graphql");
operation!(DeleteContact, "graphql/delete_contact.graphql");
operation!(
    PreviewContactImport,
    "graphql/preview_contact_import.graphql"
);
operation!(ImportContacts, "graphql/import_contacts.graphql");
