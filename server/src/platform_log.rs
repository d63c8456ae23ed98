//! The platform's own log: what its administrators did (cabinets created, credited,
//! closed; operators granted or withdrawn) and what happened to accounts (a password set,
//! reset or changed, sessions closed, accounts made or linked by single sign-on). A leaf like `audit`: accounts and the platform area
//! both write to it, neither through the other.
//!
//! Rows are append-only (a trigger refuses UPDATE and DELETE). Collections keep their own
//! hash-chained trail in `audit`; this log is the accounts' and the operators' record.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::ids::{CabinetId, UserId};
use crate::request_meta::RequestMeta;

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub enum LogActor {
    User(UserId),
    /// The command line on the server (`paraphe-server admin …`).
    System,
}

impl LogActor {
    fn as_string(self) -> String {
        match self {
            LogActor::User(id) => format!("user:{id}"),
            LogActor::System => "system".into(),
        }
    }
}

/// One kind of entry per variant; stored as `kind` (snake_case) and `details` (the fields).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "details", rename_all = "snake_case")]
pub enum PlatformEvent {
    AdminGranted {
        email: String,
    },
    CabinetCreated {
        name: String,
        siren: String,
    },
    CabinetClosed,
    AccountantAssigned {
        email: String,
        created_account: bool,
    },
    OperatorGranted,
    OperatorWithdrawn,
    PasswordLinkSent {
        purpose: &'static str,
    },
    PasswordChosen {
        purpose: &'static str,
    },
    PasswordChanged,
    SessionsClosed {
        count: u64,
    },
    InvitationSent {
        email: String,
        role: &'static str,
        resend: bool,
    },
    InvitationWithdrawn {
        email: String,
    },
    InvitationAccepted {
        role: &'static str,
    },
    /// An account made at a first single sign-on (`accounts::oidc`).
    SsoAccountCreated {
        issuer: String,
    },
    /// An existing account tied to the provider's person (verified email).
    SsoIdentityLinked {
        issuer: String,
    },
    /// The provider's person claimed this account's email unverified, and was turned away.
    SsoLinkRefused {
        issuer: String,
        reason: &'static str,
    },
}

impl PlatformEvent {
    fn into_columns(self) -> (String, Value) {
        let mut tagged = match serde_json::to_value(&self) {
            Ok(Value::Object(map)) => map,
            // Every variant is plain data: always an object.
            _ => unreachable!("a platform event serialises to an object"),
        };
        let kind = match tagged.remove("kind") {
            Some(Value::String(kind)) => kind,
            _ => unreachable!("a platform event has a kind"),
        };
        let details = tagged
            .remove("details")
            .unwrap_or(Value::Object(Default::default()));
        (kind, details)
    }
}

/// What an entry concerns.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject {
    pub user_id: Option<UserId>,
    pub cabinet_id: Option<CabinetId>,
}

impl Subject {
    pub fn user(user_id: UserId) -> Self {
        Subject {
            user_id: Some(user_id),
            cabinet_id: None,
        }
    }
    pub fn cabinet(cabinet_id: CabinetId) -> Self {
        Subject {
            user_id: None,
            cabinet_id: Some(cabinet_id),
        }
    }
}

/// Appends an entry in the caller's transaction, so it is written if and only if what
/// it records is.
pub async fn append(
    conn: &mut PgConnection,
    actor: LogActor,
    subject: Subject,
    meta: &RequestMeta,
    event: PlatformEvent,
) -> Result<(), sqlx::Error> {
    let (kind, details) = event.into_columns();
    // `details as _`: the macros map JSONB only with sqlx's `json` feature (not enabled).
    sqlx::query!(
        "INSERT INTO platform_events (kind, actor, user_id, cabinet_id, details, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &kind,
        actor.as_string(),
        subject.user_id.map(|id| id.as_uuid()),
        subject.cabinet_id.map(|id| id.as_uuid()),
        &details as _,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An entry as the platform area lists it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: String,
    pub user_id: Option<Uuid>,
    pub cabinet_id: Option<Uuid>,
    pub details: Value,
    pub ip: Option<String>,
}

/// The latest entries, newest first, `before` an id for the next page.
pub async fn latest(
    conn: &mut PgConnection,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LogEntry>, sqlx::Error> {
    sqlx::query_as!(
        LogEntry,
        r#"SELECT id, at, kind, actor, user_id, cabinet_id, details AS "details: Value", ip
           FROM platform_events
          WHERE $1::bigint IS NULL OR id < $1
          ORDER BY id DESC
          LIMIT $2"#,
        before,
        limit,
    )
    .fetch_all(&mut *conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_stored_as_its_kind_and_fields() {
        let (kind, details) = PlatformEvent::CabinetCreated {
            name: "Cabinet Martin".into(),
            siren: "732829320".into(),
        }
        .into_columns();
        assert_eq!(kind, "cabinet_created");
        assert_eq!(details["siren"], "732829320");
        let (kind, details) = PlatformEvent::CabinetClosed.into_columns();
        assert_eq!(
            (kind.as_str(), details),
            ("cabinet_closed", serde_json::json!({}))
        );
    }
}
