//! The schema's enums, one Rust type each for every operation: graphql_client's
//! `extern_enums` (see `lib.rs`) makes the generated code use these instead of a copy per
//! operation, so pages match on variants and convert to `paraphe_shared`'s enums with
//! `From`, without going through serde.
//!
//! Why not `paraphe_shared`'s enums directly: they serialise as the server stores them
//! (`accountant`, `prepare`, `fr`), the schema as GraphQL spells them (`ACCOUNTANT`,
//! `PREPARE`, `FR`), and graphql_client (de)serialises extern enums with their own serde.

use paraphe_shared as shared;

/// One schema enum: its variants with the schema's spelling, `as_str` and `from_name` for
/// the DOM (`data-status`, `<option value>`) and the words in `text`, and `Unknown` for a
/// value a newer server may send (read, never sent).
macro_rules! schema_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $value)] $variant,)+
            #[serde(other, skip_serializing)]
            Unknown,
        }

        impl $name {
            /// Every value this build knows, in the schema's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the schema spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                    $name::Unknown => "UNKNOWN",
                }
            }

            /// The value the schema spells `name`, if this build knows it.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == name)
            }
        }
    };
}

schema_enum!(CertificateLevel { Lcp = "LCP", Qcp = "QCP" });
schema_enum!(CertificateStatus { Valid = "VALID", Revoked = "REVOKED", Expired = "EXPIRED" });
schema_enum!(CollectionStatus {
    Draft = "DRAFT",
    Active = "ACTIVE",
    Completed = "COMPLETED",
    Refused = "REFUSED",
    Expired = "EXPIRED",
    Cancelled = "CANCELLED",
});
schema_enum!(ContactField {
    FirstName = "FIRST_NAME",
    LastName = "LAST_NAME",
    Email = "EMAIL",
    Mobile = "MOBILE",
    ClientReference = "CLIENT_REFERENCE",
    Company = "COMPANY",
});
schema_enum!(CsvEncoding { Utf8 = "UTF_8", Windows1252 = "WINDOWS_1252", Utf16 = "UTF_16" });
schema_enum!(Delegation { Prepare = "PREPARE", Sign = "SIGN", Seal = "SEAL" });
schema_enum!(DocumentKind { ToSign = "TO_SIGN", Attachment = "ATTACHMENT" });
schema_enum!(DocumentType {
    IdentityCard = "IDENTITY_CARD",
    Passport = "PASSPORT",
    ResidencePermit = "RESIDENCE_PERMIT",
});
schema_enum!(EnrolmentStep {
    Profile = "PROFILE",
    Identity = "IDENTITY",
    Agreement = "AGREEMENT",
    InProgress = "IN_PROGRESS",
    Completed = "COMPLETED",
});
schema_enum!(ImageSide { Front = "FRONT", Back = "BACK", Selfie = "SELFIE" });
schema_enum!(ImportOutcome {
    Create = "CREATE",
    Update = "UPDATE",
    Unchanged = "UNCHANGED",
    Duplicate = "DUPLICATE",
    Invalid = "INVALID",
});
schema_enum!(ImportProblemKind { Missing = "MISSING", Invalid = "INVALID" });
schema_enum!(Language { Fr = "FR", En = "EN" });
schema_enum!(NameAgreement { Exact = "EXACT", Likely = "LIKELY", Different = "DIFFERENT" });
schema_enum!(QcpStep {
    Access = "ACCESS",
    Details = "DETAILS",
    Identity = "IDENTITY",
    Verifying = "VERIFYING",
    ConfirmData = "CONFIRM_DATA",
    Sign = "SIGN",
    Issued = "ISSUED",
});
schema_enum!(RevocationReasonInput {
    Unspecified = "UNSPECIFIED",
    KeyCompromise = "KEY_COMPROMISE",
    AffiliationChanged = "AFFILIATION_CHANGED",
    Superseded = "SUPERSEDED",
    CessationOfOperation = "CESSATION_OF_OPERATION",
});
schema_enum!(Role { Accountant = "ACCOUNTANT", Collaborator = "COLLABORATOR" });
schema_enum!(SignerStatus {
    Waiting = "WAITING",
    Invited = "INVITED",
    Signed = "SIGNED",
    Refused = "REFUSED",
});
schema_enum!(SigningMode { Sequential = "SEQUENTIAL", Parallel = "PARALLEL" });
schema_enum!(VerificationStatus {
    AwaitingDocuments = "AWAITING_DOCUMENTS",
    Checking = "CHECKING",
    InReview = "IN_REVIEW",
    Approved = "APPROVED",
    Rejected = "REJECTED",
    Confirmed = "CONFIRMED",
    Disputed = "DISPUTED",
});

impl From<Role> for shared::Role {
    /// A role this build does not know grants no more than a collaborator's.
    fn from(role: Role) -> Self {
        match role {
            Role::Accountant => shared::Role::Accountant,
            Role::Collaborator | Role::Unknown => shared::Role::Collaborator,
        }
    }
}

impl From<shared::Role> for Role {
    fn from(role: shared::Role) -> Self {
        match role {
            shared::Role::Accountant => Role::Accountant,
            shared::Role::Collaborator => Role::Collaborator,
        }
    }
}

impl From<shared::Delegation> for Delegation {
    fn from(delegation: shared::Delegation) -> Self {
        match delegation {
            shared::Delegation::Prepare => Delegation::Prepare,
            shared::Delegation::Sign => Delegation::Sign,
            shared::Delegation::Seal => Delegation::Seal,
        }
    }
}

impl TryFrom<Delegation> for shared::Delegation {
    type Error = Delegation;

    fn try_from(delegation: Delegation) -> Result<Self, Delegation> {
        match delegation {
            Delegation::Prepare => Ok(shared::Delegation::Prepare),
            Delegation::Sign => Ok(shared::Delegation::Sign),
            Delegation::Seal => Ok(shared::Delegation::Seal),
            Delegation::Unknown => Err(delegation),
        }
    }
}

impl From<shared::Language> for Language {
    fn from(language: shared::Language) -> Self {
        match language {
            shared::Language::Fr => Language::Fr,
            shared::Language::En => Language::En,
        }
    }
}

impl TryFrom<Language> for shared::Language {
    type Error = Language;

    fn try_from(language: Language) -> Result<Self, Language> {
        match language {
            Language::Fr => Ok(shared::Language::Fr),
            Language::En => Ok(shared::Language::En),
            Language::Unknown => Err(language),
        }
    }
}

/// The delegations among `values` this build knows.
pub fn delegations(values: &[Delegation]) -> Vec<shared::Delegation> {
    values
        .iter()
        .filter_map(|&value| shared::Delegation::try_from(value).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_and_write_the_schema_spelling() {
        let step: EnrolmentStep = serde_json::from_str(r#""IN_PROGRESS""#).unwrap();
        assert_eq!(step, EnrolmentStep::InProgress);
        assert_eq!(
            serde_json::to_string(&RevocationReasonInput::KeyCompromise).unwrap(),
            r#""KEY_COMPROMISE""#
        );
        assert_eq!(
            DocumentType::from_name("PASSPORT"),
            Some(DocumentType::Passport)
        );
    }

    #[test]
    fn an_unknown_value_is_read_not_refused() {
        let status: CollectionStatus = serde_json::from_str(r#""ARCHIVED""#).unwrap();
        assert_eq!(status, CollectionStatus::Unknown);
        assert_eq!(
            shared::Role::from(Role::Unknown),
            shared::Role::Collaborator
        );
    }
}
