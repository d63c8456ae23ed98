//! Browser sessions: a random token in an HttpOnly cookie, stored only as its SHA-256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::ids::{CabinetId, UserId};
use crate::platform_log::{self, LogActor, PlatformEvent, Subject};
use crate::request_meta::RequestMeta;

pub const COOKIE_NAME: &str = "paraphe_session";

/// The person behind a live session.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: UserId,
    pub current_cabinet_id: Option<CabinetId>,
    pub token_hash: Vec<u8>,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Opens a session for a user whichever way they authenticated; returns the cookie value.
pub async fn open(
    db: &PgPool,
    user_id: UserId,
    hours: i64,
    meta: &RequestMeta,
) -> Result<String, sqlx::Error> {
    insert(db, user_id, hours, meta, None).await
}

/// [`open`] for a login through the single sign-on provider, keeping its ID token: logging
/// out then goes through the provider too (`provider_id_token`).
pub async fn open_from_provider(
    db: &PgPool,
    user_id: UserId,
    hours: i64,
    meta: &RequestMeta,
    id_token: &str,
) -> Result<String, sqlx::Error> {
    insert(db, user_id, hours, meta, Some(id_token)).await
}

async fn insert(
    db: &PgPool,
    user_id: UserId,
    hours: i64,
    meta: &RequestMeta,
    oidc_id_token: Option<&str>,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    // Start in the user's first cabinet so the app has something to show.
    sqlx::query!(
        "INSERT INTO sessions (token_hash, user_id, current_cabinet_id, expires_at, ip, user_agent, oidc_id_token)
         VALUES ($1, $2,
                 (SELECT m.cabinet_id FROM memberships m JOIN cabinets c ON c.id = m.cabinet_id
                  WHERE m.user_id = $2 AND c.closed_at IS NULL ORDER BY c.name, c.id LIMIT 1),
                 $3, $4, $5, $6)",
        token_hash(&token),
        user_id.as_uuid(),
        Utc::now() + Duration::hours(hours),
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
        oidc_id_token,
    )
    .execute(db)
    .await?;
    Ok(token)
}

pub async fn lookup(db: &PgPool, token: &str) -> Result<Option<Viewer>, sqlx::Error> {
    let hash = token_hash(token);
    let row = sqlx::query!(
        r#"SELECT user_id AS "user_id: UserId", current_cabinet_id AS "current_cabinet_id: CabinetId"
             FROM sessions WHERE token_hash = $1 AND expires_at > now()"#,
        &hash,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Viewer {
        user_id: row.user_id,
        current_cabinet_id: row.current_cabinet_id,
        token_hash: hash,
    }))
}

/// The single sign-on provider's ID token of this session; `None` for a password session.
pub async fn provider_id_token(
    db: &PgPool,
    viewer: &Viewer,
) -> Result<Option<String>, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "SELECT oidc_id_token FROM sessions WHERE token_hash = $1",
        &viewer.token_hash
    )
    .fetch_optional(db)
    .await?
    .flatten())
}

pub async fn close(db: &PgPool, viewer: &Viewer) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM sessions WHERE token_hash = $1",
        &viewer.token_hash
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_current_cabinet(
    db: &PgPool,
    viewer: &Viewer,
    cabinet_id: CabinetId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET current_cabinet_id = $2 WHERE token_hash = $1",
        &viewer.token_hash,
        cabinet_id.as_uuid(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A live session, as its owner sees it in their list.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The session's public handle (never its token).
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session this list was asked from.
    pub current: bool,
}

/// A session's browser and system as people call them, read from its User-Agent; either
/// is `None` when the User-Agent does not tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// "Chrome 156", "Firefox 133", "Safari 17".
    pub browser: Option<String>,
    /// "Android 14", "iOS 17.1", "Windows 10", "Linux".
    pub system: Option<String>,
}

impl Device {
    pub fn of(user_agent: &str) -> Device {
        const UNKNOWN: &str = "UNKNOWN";
        let Some(parsed) = woothee::parser::Parser::new().parse(user_agent) else {
            return Device {
                browser: None,
                system: None,
            };
        };
        let known = |value: &str| (!value.is_empty() && value != UNKNOWN).then(|| value.to_owned());
        let browser = known(parsed.name).map(|name| {
            // The major version is what people recognise ("Chrome 156", not 156.0.8078.73).
            match known(parsed.version).and_then(|v| v.split('.').next().map(str::to_owned)) {
                Some(major) => format!("{name} {major}"),
                None => name,
            }
        });
        let system = known(parsed.os).map(|os| {
            let os = match os.as_str() {
                "iPhone" | "iPad" | "iPod" => "iOS".to_owned(),
                "Mac OSX" => "macOS".to_owned(),
                _ => os,
            };
            // Windows' own name already says the version ("Windows 10"); its NT number
            // would only confuse.
            match known(&parsed.os_version) {
                Some(version) if !os.starts_with("Windows") => format!("{os} {version}"),
                _ => os,
            }
        });
        Device { browser, system }
    }
}

/// The live sessions of a person, newest first.
pub async fn list(db: &PgPool, viewer: &Viewer) -> Result<Vec<SessionInfo>, sqlx::Error> {
    sqlx::query_as!(
        SessionInfo,
        r#"SELECT id, created_at, expires_at, ip, user_agent, token_hash = $2 AS "current!"
             FROM sessions WHERE user_id = $1 AND expires_at > now()
            ORDER BY created_at DESC"#,
        viewer.user_id.as_uuid(),
        &viewer.token_hash,
    )
    .fetch_all(db)
    .await
}

/// Closes every session of `user_id` but the one whose hash is `keep`; how many closed.
pub async fn close_others_in(
    conn: &mut PgConnection,
    user_id: UserId,
    keep: &[u8],
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
        user_id.as_uuid(),
        keep,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// "Sign out the others", recorded in the platform log when it closed any.
pub async fn close_others(
    db: &PgPool,
    viewer: &Viewer,
    meta: &RequestMeta,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let closed = close_others_in(&mut tx, viewer.user_id, &viewer.token_hash).await?;
    record_closed(&mut tx, viewer.user_id, closed, meta).await?;
    tx.commit().await?;
    Ok(closed)
}

/// Closes one of the person's own sessions by its id; `false` when they have none by it.
pub async fn close_by_id(
    db: &PgPool,
    viewer: &Viewer,
    session_id: Uuid,
    meta: &RequestMeta,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let closed = sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND id = $2",
        viewer.user_id.as_uuid(),
        session_id,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    record_closed(&mut tx, viewer.user_id, closed, meta).await?;
    tx.commit().await?;
    Ok(closed > 0)
}

/// Records in the platform log that `count` sessions of `user_id` were closed (nothing
/// when none was).
pub(super) async fn record_closed(
    conn: &mut PgConnection,
    user_id: UserId,
    count: u64,
    meta: &RequestMeta,
) -> Result<(), sqlx::Error> {
    if count == 0 {
        return Ok(());
    }
    platform_log::append(
        conn,
        LogActor::User(user_id),
        Subject::user(user_id),
        meta,
        PlatformEvent::SessionsClosed { count },
    )
    .await
}

pub fn set_cookie(token: &str, hours: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        hours * 3600
    )
}

pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session token from a `Cookie` header, if present.
pub fn token_from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(
            token_from_cookie_header("a=1; paraphe_session=abc; b=2"),
            Some("abc")
        );
        assert_eq!(token_from_cookie_header("paraphe_session="), None);
        assert_eq!(token_from_cookie_header("other=abc"), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_lax_and_secure_only_over_tls() {
        let plain = set_cookie("t", 12, false);
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
                && !plain.contains("Secure")
        );
        assert!(set_cookie("t", 12, true).ends_with("; Secure"));
    }

    #[test]
    fn browsers_are_named_as_people_call_them() {
        let android = Device::of("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Mobile Safari/537.36");
        assert_eq!(android.browser.as_deref(), Some("Chrome 156"));
        assert_eq!(android.system.as_deref(), Some("Android 14"));
        let windows = Device::of(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        );
        assert_eq!(windows.browser.as_deref(), Some("Firefox 133"));
        assert_eq!(windows.system.as_deref(), Some("Windows 10"));
        let iphone = Device::of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1");
        assert_eq!(iphone.browser.as_deref(), Some("Safari 17"));
        assert_eq!(
            iphone.system.as_deref().map(|s| s.starts_with("iOS")),
            Some(true)
        );
        let script = Device::of("curl/8.5.0");
        assert_eq!(script.system, None);
    }
}
