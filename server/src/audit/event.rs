//! What the trail records: one variant per kind of entry, with the details it carries.
//!
//! An entry is stored as its `kind` (the variant's snake_case name) and its `details` (the
//! variant's fields as a JSON object), which is what the hash covers and what the proof
//! file shows. Renaming a variant or a field changes what later entries say, never what
//! earlier ones said: entries are read back as stored, not through this type.

use serde::Serialize;
use serde_json::Value;

use crate::ids::{DocumentId, SignerId};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "details", rename_all = "snake_case")]
pub enum AuditEvent {
    Created {
        title: String,
    },
    DocumentAdded {
        document: DocumentId,
        filename: String,
        kind: &'static str,
        pages: u32,
        sha256: String,
    },
    DocumentRemoved {
        document: DocumentId,
    },
    SignerAdded {
        signer: SignerId,
        email: String,
        level: i16,
    },
    SignerRemoved {
        signer: SignerId,
    },
    Launched {
        mode: &'static str,
        expires_at: Option<String>,
        documents: Vec<NamedDigest>,
    },
    Invited {
        signer: SignerId,
        email: String,
    },
    Reminded {
        signer: SignerId,
        email: String,
    },
    Opened {
        signer: SignerId,
    },
    DocumentsAccepted {
        signer: SignerId,
        documents: Vec<AcceptedDocument>,
    },
    CertificateCreationStarted {
        signer: SignerId,
    },
    CodeSent {
        signer: SignerId,
        /// The hint the signer saw ("+33 6 •• •• •• 78"), never the number.
        mobile: String,
    },
    CodeFailed {
        signer: SignerId,
        reason: CodeFailure,
        /// Which wrong attempt this was (1, 2, …); absent for an expired code.
        #[serde(skip_serializing_if = "Option::is_none")]
        attempt: Option<i32>,
    },
    Signed {
        signer: SignerId,
        name: String,
        level: i16,
        certificate_serial: String,
        documents: Vec<NamedDigest>,
    },
    Refused {
        signer: SignerId,
        reason: Option<String>,
    },
    /// Every signer signed; `documents` are the final hashes.
    Completed {
        documents: Vec<DocumentDigest>,
    },
    Cancelled {},
    Expired {},
    Purged {},
    ProofDownloaded {},
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeFailure {
    Expired,
    Wrong,
}

/// A document by id, name and SHA-256 (hex).
#[derive(Debug, Clone, Serialize)]
pub struct NamedDigest {
    pub id: DocumentId,
    pub filename: String,
    pub sha256: String,
}

/// A document by id and SHA-256 (hex).
#[derive(Debug, Clone, Serialize)]
pub struct DocumentDigest {
    pub id: DocumentId,
    pub sha256: String,
}

/// What a signer accepted to read: the document as it stood, and its length.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedDocument {
    pub id: DocumentId,
    pub sha256: String,
    pub pages: i32,
}

impl AuditEvent {
    /// The entry's `kind` and `details` columns.
    pub(super) fn into_columns(self) -> (String, Value) {
        let mut tagged = match serde_json::to_value(&self) {
            Ok(Value::Object(map)) => map,
            // Every variant is a struct variant of plain data: always an object.
            _ => unreachable!("an audit event serialises to an object"),
        };
        let kind = match tagged.remove("kind") {
            Some(Value::String(kind)) => kind,
            _ => unreachable!("an audit event has a kind"),
        };
        let details = tagged
            .remove("details")
            .unwrap_or(Value::Object(Default::default()));
        (kind, details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn columns_keep_the_kinds_and_details_earlier_entries_used() {
        // A typed id is written as its bare UUID, as entries were before ids had types.
        let signer = SignerId::from_uuid(Uuid::nil());
        assert_eq!(
            AuditEvent::Purged {}.into_columns(),
            ("purged".to_owned(), json!({}))
        );
        assert_eq!(
            AuditEvent::CodeFailed {
                signer,
                reason: CodeFailure::Wrong,
                attempt: Some(2)
            }
            .into_columns(),
            (
                "code_failed".to_owned(),
                json!({ "signer": Uuid::nil(), "reason": "wrong", "attempt": 2 })
            )
        );
        assert_eq!(
            AuditEvent::CodeFailed {
                signer,
                reason: CodeFailure::Expired,
                attempt: None
            }
            .into_columns(),
            (
                "code_failed".to_owned(),
                json!({ "signer": Uuid::nil(), "reason": "expired" })
            )
        );
        assert_eq!(
            AuditEvent::CertificateCreationStarted { signer }
                .into_columns()
                .0,
            "certificate_creation_started"
        );
    }
}
