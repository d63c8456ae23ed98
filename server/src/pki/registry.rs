//! Every certificate this instance issued, by issuing CA and serial, with its revocation:
//! the source of truth for OCSP answers and CRLs. In the database for a running server;
//! in memory for the CLI's throw-away identities and the signing tests.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use der::Encode;
use sqlx::PgPool;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use super::{Ca, CertState, PkiError, Revocation, RevocationReason};

pub enum Registry {
    Memory(Mutex<HashMap<(Ca, Vec<u8>), CertState>>),
    Database(PgPool),
}

fn not_after(certificate: &Certificate) -> DateTime<Utc> {
    DateTime::<Utc>::from(
        certificate
            .tbs_certificate
            .validity
            .not_after
            .to_system_time(),
    )
}

pub(super) async fn insert_certificate(
    db: impl sqlx::PgExecutor<'_>,
    issuer: Ca,
    certificate: &Certificate,
) -> Result<(), PkiError> {
    sqlx::query!(
        "INSERT INTO pki_certificates (issuer, serial, subject, certificate, not_after)
         VALUES ($1, $2, $3, $4, $5)",
        issuer.as_str(),
        certificate.tbs_certificate.serial_number.as_bytes(),
        certificate.tbs_certificate.subject.to_string(),
        certificate.to_der()?,
        not_after(certificate),
    )
    .execute(db)
    .await?;
    Ok(())
}

impl Registry {
    /// An empty registry in memory.
    pub fn in_memory() -> Self {
        Registry::Memory(Mutex::new(HashMap::new()))
    }

    /// A registry in memory that knows the hierarchy's own certificates (issuing CAs and
    /// TSA, issued by the root), as the database registry does from its creation.
    pub fn in_memory_for(hierarchy: &super::CaHierarchy) -> Self {
        let map = [
            &hierarchy.lcp,
            &hierarchy.qcp,
            &hierarchy.seal,
            &hierarchy.onetime,
            &hierarchy.tsa,
        ]
        .into_iter()
        .map(|authority| {
            (
                (
                    Ca::Root,
                    authority
                        .certificate
                        .tbs_certificate
                        .serial_number
                        .as_bytes()
                        .to_vec(),
                ),
                CertState::Good,
            )
        })
        .collect();
        Registry::Memory(Mutex::new(map))
    }

    fn memory(
        map: &Mutex<HashMap<(Ca, Vec<u8>), CertState>>,
    ) -> std::sync::MutexGuard<'_, HashMap<(Ca, Vec<u8>), CertState>> {
        // A panic elsewhere while holding the lock leaves the map consistent (single inserts).
        map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub async fn record(&self, issuer: Ca, certificate: &Certificate) -> Result<(), PkiError> {
        match self {
            Registry::Memory(map) => {
                let serial = certificate
                    .tbs_certificate
                    .serial_number
                    .as_bytes()
                    .to_vec();
                Self::memory(map).insert((issuer, serial), CertState::Good);
            }
            Registry::Database(db) => insert_certificate(db, issuer, certificate).await?,
        }
        Ok(())
    }

    /// Records in the caller's transaction, so that the record commits or not with what
    /// the certificate was issued for.
    pub async fn record_in(
        &self,
        conn: &mut sqlx::PgConnection,
        issuer: Ca,
        certificate: &Certificate,
    ) -> Result<(), PkiError> {
        match self {
            Registry::Database(_) => insert_certificate(conn, issuer, certificate).await,
            Registry::Memory(_) => self.record(issuer, certificate).await,
        }
    }

    /// Revokes from now on. Revoking twice is refused: the first date and reason stand.
    pub async fn revoke(
        &self,
        issuer: Ca,
        serial: &SerialNumber,
        reason: RevocationReason,
    ) -> Result<Revocation, PkiError> {
        let key = serial.as_bytes().to_vec();
        match self {
            Registry::Memory(map) => {
                let mut map = Self::memory(map);
                match map.get(&(issuer, key.clone())) {
                    None => Err(PkiError::UnknownCertificate),
                    Some(CertState::Revoked(_)) => Err(PkiError::AlreadyRevoked),
                    Some(CertState::Good) => {
                        let revocation = Revocation {
                            at: Utc::now(),
                            reason,
                        };
                        map.insert((issuer, key), CertState::Revoked(revocation));
                        Ok(revocation)
                    }
                }
            }
            Registry::Database(db) => {
                let revoked = sqlx::query_scalar!(
                    r#"UPDATE pki_certificates SET revoked_at = now(), revocation_reason = $3
                     WHERE issuer = $1 AND serial = $2 AND revoked_at IS NULL
                     RETURNING revoked_at AS "revoked_at!""#,
                    issuer.as_str(),
                    &key,
                    reason.as_str(),
                )
                .fetch_optional(db)
                .await?;
                if let Some(at) = revoked {
                    return Ok(Revocation { at, reason });
                }
                let exists = sqlx::query_scalar!(
                    r#"SELECT 1 AS "found!" FROM pki_certificates WHERE issuer = $1 AND serial = $2"#,
                    issuer.as_str(),
                    &key,
                )
                .fetch_optional(db)
                .await?;
                Err(if exists.is_some() {
                    PkiError::AlreadyRevoked
                } else {
                    PkiError::UnknownCertificate
                })
            }
        }
    }

    /// The state of each asked serial this CA issued; serials it never issued are absent.
    pub async fn states(
        &self,
        issuer: Ca,
        serials: &[SerialNumber],
    ) -> Result<HashMap<Vec<u8>, CertState>, PkiError> {
        let keys: Vec<Vec<u8>> = serials.iter().map(|s| s.as_bytes().to_vec()).collect();
        match self {
            Registry::Memory(map) => {
                let map = Self::memory(map);
                Ok(keys
                    .into_iter()
                    .filter_map(|k| map.get(&(issuer, k.clone())).map(|state| (k, *state)))
                    .collect())
            }
            Registry::Database(db) => {
                let rows = sqlx::query!(
                    "SELECT serial, revoked_at, revocation_reason FROM pki_certificates
                     WHERE issuer = $1 AND serial = ANY($2)",
                    issuer.as_str(),
                    &keys,
                )
                .fetch_all(db)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        let state = state_of(row.revoked_at, row.revocation_reason);
                        (row.serial, state)
                    })
                    .collect())
            }
        }
    }

    /// Every revoked certificate of this CA, oldest revocation first (for the CRL).
    pub async fn revoked(&self, issuer: Ca) -> Result<Vec<(Vec<u8>, Revocation)>, PkiError> {
        match self {
            Registry::Memory(map) => {
                let map = Self::memory(map);
                let mut revoked: Vec<(Vec<u8>, Revocation)> = map
                    .iter()
                    .filter(|((ca, _), _)| *ca == issuer)
                    .filter_map(|((_, serial), state)| match state {
                        CertState::Revoked(revocation) => Some((serial.clone(), *revocation)),
                        CertState::Good => None,
                    })
                    .collect();
                revoked.sort_by_key(|(_, revocation)| revocation.at);
                Ok(revoked)
            }
            Registry::Database(db) => {
                let rows = sqlx::query!(
                    "SELECT serial, revoked_at, revocation_reason FROM pki_certificates
                     WHERE issuer = $1 AND revoked_at IS NOT NULL ORDER BY revoked_at, serial",
                    issuer.as_str(),
                )
                .fetch_all(db)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(
                        |row| match state_of(row.revoked_at, row.revocation_reason) {
                            CertState::Revoked(revocation) => Some((row.serial, revocation)),
                            CertState::Good => None,
                        },
                    )
                    .collect())
            }
        }
    }
}

fn state_of(at: Option<DateTime<Utc>>, reason: Option<String>) -> CertState {
    match at {
        None => CertState::Good,
        Some(at) => CertState::Revoked(Revocation {
            at,
            // The column only ever receives `RevocationReason::as_str` values.
            reason: reason
                .and_then(|r| r.parse().ok())
                .unwrap_or(RevocationReason::Unspecified),
        }),
    }
}
