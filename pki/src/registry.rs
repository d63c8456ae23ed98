//! The registry: every certificate the hierarchy issued, by issuing CA and serial, with
//! its revocation. The source of truth of OCSP answers and CRLs, so a certificate the
//! registry does not hold is `unknown` to OCSP even if one of our CAs signed it.

use std::collections::HashMap;

use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::{Ca, CertState, PkiError, Revocation, RevocationReason};

/// Where the issued certificates and their revocations are kept: a database for a
/// service, [`MemoryRegistry`](crate::memory::MemoryRegistry) for tools and tests.
/// Implementations report their own failures as [`PkiError::Storage`].
#[async_trait::async_trait]
pub trait CertificateRegistry: Send + Sync {
    /// Records a certificate `issuer` just issued, as good.
    async fn record(&self, issuer: Ca, certificate: &Certificate) -> Result<(), PkiError>;

    /// Revokes from now on. A serial never recorded is
    /// [`PkiError::UnknownCertificate`]; revoking twice is [`PkiError::AlreadyRevoked`]:
    /// the first date and reason stand.
    async fn revoke(
        &self,
        issuer: Ca,
        serial: &SerialNumber,
        reason: RevocationReason,
    ) -> Result<Revocation, PkiError>;

    /// The state of each asked serial that `issuer` issued, by the serial's bytes
    /// ([`SerialNumber::as_bytes`]); serials it never issued are absent.
    async fn states(
        &self,
        issuer: Ca,
        serials: &[SerialNumber],
    ) -> Result<HashMap<Vec<u8>, CertState>, PkiError>;

    /// Every revoked certificate of `issuer` (serial bytes and revocation), oldest
    /// revocation first: what its CRL lists.
    async fn revoked(&self, issuer: Ca) -> Result<Vec<(Vec<u8>, Revocation)>, PkiError>;
}
