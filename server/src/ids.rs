//! The ids of the platform's rows, one type each, so that a signer's id cannot be passed
//! where a collection's is expected: the compiler refuses what would otherwise be a
//! silent swap between two `Uuid` arguments.
//!
//! A leaf: every domain may use it, it uses none. Each id is a `Uuid` underneath, the same
//! in PostgreSQL (`#[sqlx(transparent)]`: bound and read as `uuid`) and in JSON
//! (`#[serde(transparent)]`: events on the bus and audit details read as before). There is
//! deliberately no `From<Uuid>`: a bare `Uuid` becomes an id only by naming its kind, with
//! `from_uuid`, where it enters (a GraphQL argument, a URL, a row read by `query!`). In SQL,
//! an id is bound as `id.as_uuid()` and read typed with a column override
//! (`id AS "id: CollectionId"`), as the statuses are.

use std::fmt;

use uuid::Uuid;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, sqlx::Type,
        )]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id, for a row whose id the code chooses (no `Default`:
            /// an id made up by a derive would be a bug, not a value).
            pub fn new_v4() -> Self {
                Self(Uuid::new_v4())
            }
            /// The id of this kind that `uuid` is: for ids entering from outside.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The `Uuid` underneath, to bind in SQL (`query!` checks a bound value's type
            /// against the column's) or hand to the API.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}

ids! {
    /// `users.id`: a person with an account (member, operator, certificate holder).
    UserId;
    /// `cabinets.id`.
    CabinetId;
    /// `contacts.id`: a cabinet's address book entry.
    ContactId;
    /// `collections.id`: a signature workflow.
    CollectionId;
    /// `collection_documents.id`.
    DocumentId;
    /// `signers.id`: one signer of one collection.
    SignerId;
    /// `identity_verifications.id`.
    VerificationId;
    /// `personal_certificates.id`: a person's own certificate.
    CertificateId;
    /// `qcp_requests.id`: a qualified certificate subscription.
    QcpRequestId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_in_json_and_text() {
        let uuid = Uuid::new_v4();
        let id = CollectionId::from_uuid(uuid);
        assert_eq!(
            serde_json::to_value(id).unwrap(),
            serde_json::to_value(uuid).unwrap()
        );
        assert_eq!(
            serde_json::from_value::<CollectionId>(serde_json::to_value(uuid).unwrap()).unwrap(),
            id
        );
        assert_eq!(id.to_string(), uuid.to_string());
        assert_eq!(id.into_uuid(), uuid);
    }
}
