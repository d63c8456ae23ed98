//! Every certificate this instance issued, by issuing CA and serial, with its revocation:
//! the [`CertificateRegistry`] behind OCSP answers and CRLs. In the database
//! (`pki_certificates`) for a running server; in memory for the signing tests.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use der::Encode;
use paraphe_pki::memory::MemoryRegistry;
use sqlx::PgPool;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use super::{Ca, CertState, CertificateRegistry, PkiError, Revocation, RevocationReason};

pub enum Registry {
    Memory(MemoryRegistry),
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
    .await
    .map_err(PkiError::storage)?;
    Ok(())
}

impl Registry {
    /// An empty registry in memory.
    pub fn in_memory() -> Self {
        Registry::Memory(MemoryRegistry::new())
    }

    /// A registry in memory that knows the hierarchy's own certificates (issuing CAs and
    /// TSA, issued by the root), as the database registry does from its creation.
    pub fn in_memory_for(hierarchy: &super::CaHierarchy) -> Self {
        Registry::Memory(MemoryRegistry::for_hierarchy(hierarchy))
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
            Registry::Memory(memory) => memory.record(issuer, certificate).await,
        }
    }
}

#[async_trait::async_trait]
impl CertificateRegistry for Registry {
    async fn record(&self, issuer: Ca, certificate: &Certificate) -> Result<(), PkiError> {
        match self {
            Registry::Memory(memory) => memory.record(issuer, certificate).await,
            Registry::Database(db) => insert_certificate(db, issuer, certificate).await,
        }
    }

    /// Revokes from now on. Revoking twice is refused: the first date and reason stand.
    async fn revoke(
        &self,
        issuer: Ca,
        serial: &SerialNumber,
        reason: RevocationReason,
    ) -> Result<Revocation, PkiError> {
        let db = match self {
            Registry::Memory(memory) => return memory.revoke(issuer, serial, reason).await,
            Registry::Database(db) => db,
        };
        let key = serial.as_bytes().to_vec();
        let revoked = sqlx::query_scalar!(
            r#"UPDATE pki_certificates SET revoked_at = now(), revocation_reason = $3
                     WHERE issuer = $1 AND serial = $2 AND revoked_at IS NULL
                     RETURNING revoked_at AS "revoked_at!""#,
            issuer.as_str(),
            &key,
            reason.as_str(),
        )
        .fetch_optional(db)
        .await
        .map_err(PkiError::storage)?;
        if let Some(at) = revoked {
            return Ok(Revocation { at, reason });
        }
        let exists = sqlx::query_scalar!(
            r#"SELECT 1 AS "found!" FROM pki_certificates WHERE issuer = $1 AND serial = $2"#,
            issuer.as_str(),
            &key,
        )
        .fetch_optional(db)
        .await
        .map_err(PkiError::storage)?;
        Err(if exists.is_some() {
            PkiError::AlreadyRevoked
        } else {
            PkiError::UnknownCertificate
        })
    }

    async fn states(
        &self,
        issuer: Ca,
        serials: &[SerialNumber],
    ) -> Result<HashMap<Vec<u8>, CertState>, PkiError> {
        let db = match self {
            Registry::Memory(memory) => return memory.states(issuer, serials).await,
            Registry::Database(db) => db,
        };
        let keys: Vec<Vec<u8>> = serials.iter().map(|s| s.as_bytes().to_vec()).collect();
        let rows = sqlx::query!(
            "SELECT serial, revoked_at, revocation_reason FROM pki_certificates
                     WHERE issuer = $1 AND serial = ANY($2)",
            issuer.as_str(),
            &keys,
        )
        .fetch_all(db)
        .await
        .map_err(PkiError::storage)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let state = state_of(row.revoked_at, row.revocation_reason);
                (row.serial, state)
            })
            .collect())
    }

    async fn revoked(&self, issuer: Ca) -> Result<Vec<(Vec<u8>, Revocation)>, PkiError> {
        let db = match self {
            Registry::Memory(memory) => return memory.revoked(issuer).await,
            Registry::Database(db) => db,
        };
        let rows = sqlx::query!(
            "SELECT serial, revoked_at, revocation_reason FROM pki_certificates
                     WHERE issuer = $1 AND revoked_at IS NOT NULL ORDER BY revoked_at, serial",
            issuer.as_str(),
        )
        .fetch_all(db)
        .await
        .map_err(PkiError::storage)?;
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
