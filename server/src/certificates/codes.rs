//! One-time codes sent to a user to consent to one operation (signing the subscription
//! agreement, opening and signing a QCP request): the purposes and their validity, on top
//! of the platform's one code implementation (`crate::codes`).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::{CertificateError, Result};
use crate::codes;
use crate::ids::UserId;
use crate::keys::KeyEncryptionKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signing the subscription agreement: 30 minutes, as the guide says.
    Agreement,
    /// Opening a QCP subscription, sent by email: 3 minutes.
    QcpAccess,
    /// Signing the QCP certificate request, sent by SMS: 3 minutes.
    QcpRequest,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Agreement => "agreement",
            Purpose::QcpAccess => "qcp_access",
            Purpose::QcpRequest => "qcp_request",
        }
    }

    pub fn validity(self) -> Duration {
        match self {
            Purpose::Agreement => Duration::minutes(30),
            Purpose::QcpAccess | Purpose::QcpRequest => Duration::minutes(3),
        }
    }
}

impl From<codes::Refusal> for CertificateError {
    fn from(refusal: codes::Refusal) -> Self {
        match refusal {
            codes::Refusal::NotSent => CertificateError::OtpNotSent,
            codes::Refusal::Expired => CertificateError::OtpExpired,
            codes::Refusal::Wrong(left) => CertificateError::OtpInvalid(left),
            codes::Refusal::Locked => CertificateError::OtpLocked,
        }
    }
}

fn holder(user_id: UserId, purpose: Purpose) -> codes::Holder<'static> {
    codes::Holder::User {
        user_id,
        purpose: purpose.as_str(),
    }
}

/// Makes a new code (replacing any live one) and returns it with its expiry; the caller
/// sends it in the same transaction.
pub async fn issue(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    purpose: Purpose,
) -> Result<(String, DateTime<Utc>)> {
    codes::issue(conn, kek, holder(user_id, purpose), purpose.validity())
        .await?
        .ok_or(CertificateError::TooManyCodes)
}

/// Checks `code` against the live one, and closes it when it matches. The outer `Result`
/// is a database failure; the inner one the refusal, already recorded in `conn`'s
/// transaction, which the caller commits before answering it.
pub async fn check(
    conn: &mut PgConnection,
    kek: &KeyEncryptionKey,
    user_id: UserId,
    purpose: Purpose,
    code: &str,
) -> Result<Result<()>> {
    let holder = holder(user_id, purpose);
    let Some(live) = codes::live(conn, holder).await? else {
        return Ok(Err(CertificateError::OtpNotSent));
    };
    let id = live.id;
    match codes::check(conn, kek, holder, Some(live), code).await? {
        Ok(()) => {
            codes::close(conn, holder, id).await?;
            Ok(Ok(()))
        }
        Err(refusal) => Ok(Err(refusal.into())),
    }
}
