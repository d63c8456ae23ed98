//! The evidence: an append-only, hash-chained trail of every event of a collection.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
//! canonical form, so editing or deleting any entry breaks every hash after it; the table
//! also refuses UPDATE and DELETE (a trigger). [`verify`] recomputes the chain.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::ids::{CollectionId, SignerId, UserId};
use crate::request_meta::RequestMeta;

mod event;
pub use event::{AcceptedDocument, AuditEvent, CodeFailure, DocumentDigest, NamedDigest};

/// The hash the first entry of every trail chains from.
const GENESIS: [u8; 32] = [0; 32];

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub collection_id: CollectionId,
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub kind: String,
    /// Who acted: `user:<id>`, `signer:<id>` or `system`.
    pub actor: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Value,
    #[serde(with = "hex_bytes")]
    pub prev_hash: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub hash: Vec<u8>,
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }
}

/// Who did something, as the trail records it.
#[derive(Debug, Clone)]
pub enum Actor {
    User(UserId),
    Signer(SignerId),
    System,
}

impl Actor {
    fn as_string(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::Signer(id) => format!("signer:{id}"),
            Actor::System => "system".into(),
        }
    }
}

/// An entry's canonical form around its sequence number: `before ‖ seq ‖ after` is the
/// JSON object of the entry with keys sorted ("seq" falls between "kind" and "user_agent").
/// Split so that [`append`] can let PostgreSQL put in the number it assigns, in the same
/// statement as the insert.
struct CanonicalParts {
    before_seq: Vec<u8>,
    after_seq: Vec<u8>,
}

fn canonical_parts(
    at: DateTime<Utc>,
    kind: &str,
    actor: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    details: &Value,
) -> CanonicalParts {
    let mut before = String::from("{\"actor\":");
    write_canonical(&json!(actor), &mut before);
    before.push_str(",\"at\":");
    write_canonical(&json!(at.timestamp_micros()), &mut before);
    before.push_str(",\"details\":");
    write_canonical(details, &mut before);
    before.push_str(",\"ip\":");
    write_canonical(&json!(ip), &mut before);
    before.push_str(",\"kind\":");
    write_canonical(&json!(kind), &mut before);
    before.push_str(",\"seq\":");
    let mut after = String::from(",\"user_agent\":");
    write_canonical(&json!(user_agent), &mut after);
    after.push('}');
    CanonicalParts {
        before_seq: before.into_bytes(),
        after_seq: after.into_bytes(),
    }
}

// One argument per hashed column, in the order they are hashed: a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev_hash: &[u8],
    seq: i32,
    at: DateTime<Utc>,
    kind: &str,
    actor: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    details: &Value,
) -> Vec<u8> {
    let parts = canonical_parts(at, kind, actor, ip, user_agent, details);
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(&parts.before_seq);
    hasher.update(seq.to_string().as_bytes());
    hasher.update(&parts.after_seq);
    hasher.finalize().to_vec()
}

/// JSON with object keys sorted at every level. PostgreSQL's jsonb reorders keys, and
/// serde_json keeps insertion order when any crate of the build enables its
/// `preserve_order` feature, so the hash must not depend on either order.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Appends an event in the caller's transaction. The caller holds the collection's row
/// lock (every collection mutation takes it first), which orders concurrent appends.
///
/// One statement: PostgreSQL reads the chain's head, numbers the entry and hashes it with
/// `sha256(prev_hash ‖ before_seq ‖ seq ‖ after_seq)`, the same bytes [`entry_hash`]
/// hashes when [`verify`] recomputes the chain.
pub async fn append(
    conn: &mut PgConnection,
    collection_id: CollectionId,
    actor: Actor,
    meta: &RequestMeta,
    event: AuditEvent,
) -> Result<(), sqlx::Error> {
    let (kind, details) = event.into_columns();
    // PostgreSQL keeps microseconds: hash what will be read back.
    let at = Utc::now().trunc_subsecs(6);
    let actor = actor.as_string();
    let parts = canonical_parts(
        at,
        &kind,
        &actor,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        &details,
    );
    // `details as _`: the macros map JSONB only with sqlx's `json` feature, which this crate
    // does not enable.
    sqlx::query!(
        "WITH last AS (SELECT seq, hash FROM audit_events WHERE collection_id = $1 ORDER BY seq DESC LIMIT 1),
              head AS (SELECT COALESCE((SELECT seq FROM last), 0) + 1 AS seq, COALESCE((SELECT hash FROM last), $9) AS prev_hash)
         INSERT INTO audit_events (collection_id, seq, at, kind, actor, ip, user_agent, details, prev_hash, hash)
         SELECT $1, head.seq, $2, $3, $4, $5, $6, $7, head.prev_hash,
                sha256(head.prev_hash || $8 || convert_to(head.seq::text, 'UTF8') || $10)
         FROM head",
        collection_id.as_uuid(),
        at,
        &kind,
        &actor,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        &details as _,
        &parts.before_seq,
        &GENESIS[..],
        &parts.after_seq,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn trail(
    db: &PgPool,
    collection_id: CollectionId,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as!(
        AuditEntry,
        r#"SELECT collection_id AS "collection_id: CollectionId", seq, at, kind, actor, ip, user_agent, details AS "details: Value", prev_hash, hash
             FROM audit_events WHERE collection_id = $1 ORDER BY seq"#,
        collection_id.as_uuid(),
    )
    .fetch_all(db)
    .await
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    Intact {
        entries: usize,
    },
    /// The first entry whose hash, link or sequence number does not hold.
    Broken {
        at_seq: i32,
        reason: &'static str,
    },
}

/// Recomputes the chain: an edited entry changes its hash, a deleted one leaves a gap in
/// the sequence and a dangling link.
pub fn verify(entries: &[AuditEntry]) -> ChainStatus {
    let mut prev_hash = GENESIS.to_vec();
    for (index, entry) in entries.iter().enumerate() {
        if entry.seq != index as i32 + 1 {
            return ChainStatus::Broken {
                at_seq: entry.seq,
                reason: "missing entry",
            };
        }
        if entry.prev_hash != prev_hash {
            return ChainStatus::Broken {
                at_seq: entry.seq,
                reason: "link to the previous entry broken",
            };
        }
        let expected = entry_hash(
            &prev_hash,
            entry.seq,
            entry.at,
            &entry.kind,
            &entry.actor,
            entry.ip.as_deref(),
            entry.user_agent.as_deref(),
            &entry.details,
        );
        if entry.hash != expected {
            return ChainStatus::Broken {
                at_seq: entry.seq,
                reason: "entry altered",
            };
        }
        prev_hash = entry.hash.clone();
    }
    ChainStatus::Intact {
        entries: entries.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i32) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let at = Utc::now().trunc_subsecs(6);
                let details = json!({ "n": seq });
                let hash = entry_hash(
                    &prev,
                    seq,
                    at,
                    "signed",
                    "system",
                    Some("127.0.0.1"),
                    None,
                    &details,
                );
                let entry = AuditEntry {
                    collection_id: CollectionId::from_uuid(uuid::Uuid::nil()),
                    seq,
                    at,
                    kind: "signed".into(),
                    actor: "system".into(),
                    ip: Some("127.0.0.1".into()),
                    user_agent: None,
                    details,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn the_hash_does_not_depend_on_key_order() {
        // The order jsonb gives back (shorter keys first) against insertion order.
        let inserted: Value = serde_json::from_str(
            r#"{"signer": "s", "documents": [{"sha256": "ab", "id": "d"}], "level": 1}"#,
        )
        .unwrap();
        let from_jsonb: Value = serde_json::from_str(
            r#"{"level": 1, "signer": "s", "documents": [{"id": "d", "sha256": "ab"}]}"#,
        )
        .unwrap();
        let at = Utc::now().trunc_subsecs(6);
        assert_eq!(
            entry_hash(&GENESIS, 1, at, "signed", "system", None, None, &inserted),
            entry_hash(&GENESIS, 1, at, "signed", "system", None, None, &from_jsonb)
        );
    }

    #[test]
    fn the_parts_around_seq_are_the_canonical_entry() {
        let at = Utc::now().trunc_subsecs(6);
        let details = json!({ "seq": 0, "nested": { "b": [1, "x\"y"], "a": null } });
        let parts = canonical_parts(
            at,
            "signed",
            "signer:1",
            Some("::1"),
            Some("Mozilla \"5\""),
            &details,
        );
        let whole = json!({
            "seq": 42,
            "at": at.timestamp_micros(),
            "kind": "signed",
            "actor": "signer:1",
            "ip": "::1",
            "user_agent": "Mozilla \"5\"",
            "details": details,
        });
        let mut canonical = String::new();
        write_canonical(&whole, &mut canonical);
        assert_eq!(
            [parts.before_seq, b"42".to_vec(), parts.after_seq].concat(),
            canonical.into_bytes()
        );
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&chain(4)), ChainStatus::Intact { entries: 4 });
    }

    #[test]
    fn an_edited_entry_is_detected() {
        let mut entries = chain(4);
        entries[1].ip = Some("10.0.0.1".into());
        assert_eq!(
            verify(&entries),
            ChainStatus::Broken {
                at_seq: 2,
                reason: "entry altered"
            }
        );
    }

    #[test]
    fn a_deleted_entry_is_detected() {
        let mut entries = chain(4);
        entries.remove(2);
        assert_eq!(
            verify(&entries),
            ChainStatus::Broken {
                at_seq: 4,
                reason: "missing entry"
            }
        );
    }

    #[test]
    fn a_deleted_last_entry_with_renumbering_still_breaks_the_links() {
        let mut entries = chain(3);
        entries.remove(1);
        entries[1].seq = 2;
        assert!(matches!(
            verify(&entries),
            ChainStatus::Broken { at_seq: 2, .. }
        ));
    }
}
