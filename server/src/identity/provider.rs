//! Who decides once the automatic checks pass: the built-in operators' queue (default), or
//! an external verification service (`PARAPHE_IDENTITY_PROVIDER_URL`).
//!
//! Out: `POST` to the service with the declaration, the checks and the images (base64),
//! and the callback address. In: the service's decision at `/api/identity/provider/callback`.
//! Both bodies carry `X-Paraphe-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of
//! "<t>." followed by the body>` under the shared secret; a callback without the right
//! signature, or signed more than five minutes from now (a replay), changes nothing. A
//! request that could not be sent is retried by the periodic job.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::PgPool;

use super::verification::{self, Decision};
use super::{IdentityError, ImageSide, Result};
use crate::config::Config;
use crate::events::EventBus;
use crate::ids::VerificationId;
use crate::keys::SealedKey;
use crate::request_meta::RequestMeta;

pub const SIGNATURE_HEADER: &str = "x-paraphe-signature";

/// How far a signature's time may be from ours: beyond, a callback is taken for a replay.
pub const SIGNATURE_WINDOW_SECONDS: i64 = 300;

/// The signature header of `body` under `secret`, made now.
pub fn signature(secret: &str, body: &[u8]) -> String {
    signature_at(secret, chrono::Utc::now().timestamp(), body)
}

/// `t=<timestamp>,sha256=<hex>` of `body` under `secret`, as made at `timestamp`.
pub fn signature_at(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},sha256={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether `header` signs `body`, now (compared in constant time).
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    verify_at(secret, body, header, chrono::Utc::now().timestamp())
}

/// Whether `header` signs `body` and was made within the window around `now`.
pub fn verify_at(secret: &str, body: &[u8], header: Option<&str>, now: i64) -> bool {
    let Some((timestamp, hex_mac)) = header
        .and_then(|h| h.trim().strip_prefix("t="))
        .and_then(|rest| rest.split_once(",sha256="))
    else {
        return false;
    };
    let Ok(timestamp) = timestamp.parse::<i64>() else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_mac) else {
        return false;
    };
    !secret.is_empty()
        && now.abs_diff(timestamp) <= SIGNATURE_WINDOW_SECONDS as u64
        && mac(secret, timestamp, body).verify_slice(&expected).is_ok()
}

/// Sends one verification to the external service and records that it was sent.
pub async fn request(db: &PgPool, config: &Config, id: VerificationId) -> Result<()> {
    let Some(url) = &config.identity_provider_url else {
        return Ok(());
    };
    let row = verification::get(&mut *db.acquire().await?, id).await?;
    let images = sqlx::query!(
        "SELECT side, media_type, nonce, sealed FROM identity_images WHERE verification_id = $1 ORDER BY side",
        id.as_uuid(),
    )
    .fetch_all(db)
    .await?;
    let mut sent = Vec::new();
    for image in images {
        let Some(side) = ImageSide::parse(&image.side) else {
            continue;
        };
        let media_type = image.media_type;
        let bytes = config.key_encryption_key.open_bytes(
            &SealedKey {
                nonce: image.nonce,
                ciphertext: image.sealed,
            },
            &verification::image_label(id, side),
        )?;
        sent.push(json!({ "side": side.as_str(), "mediaType": media_type, "data": base64::engine::general_purpose::STANDARD.encode(bytes) }));
    }
    let body = serde_json::to_vec(&json!({
        "verificationId": row.id,
        "purpose": row.purpose,
        "documentType": row.document_type.as_str(),
        "declared": { "firstName": row.first_name, "lastName": row.last_name, "birthDate": row.birth_date },
        "mrz": row.mrz,
        "checks": row.checks,
        "flagged": row.flagged,
        "images": sent,
        "callbackUrl": format!("{}/api/identity/provider/callback", config.public_url),
    }))
    .map_err(|e| IdentityError::Internal(e.into()))?;
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header(
            SIGNATURE_HEADER,
            signature(config.identity_webhook_secret.expose(), &body),
        )
        .timeout(std::time::Duration::from_secs(30))
        .body(body)
        .send()
        .await
        .map_err(|e| {
            IdentityError::Internal(format!("identity provider unreachable: {e}").into())
        })?;
    if !response.status().is_success() {
        return Err(IdentityError::Internal(
            format!("identity provider answered {}", response.status()).into(),
        ));
    }
    let reference = response.json::<Value>().await.ok().and_then(|v| {
        v.get("reference")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    sqlx::query!(
        "UPDATE identity_verifications SET provider_requested_at = now(), provider_reference = $2 WHERE id = $1",
        id.as_uuid(),
        reference,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Verifications waiting to be sent to the external service (a failure, a crash).
pub async fn unsent(db: &PgPool) -> Result<Vec<VerificationId>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id: VerificationId" FROM identity_verifications
            WHERE status = 'in_review' AND provider = 'external' AND provider_requested_at IS NULL ORDER BY submitted_at"#,
    )
    .fetch_all(db)
    .await?)
}

/// The service's answer, once its signature is checked by the caller.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Callback {
    pub verification_id: VerificationId,
    /// `approved` or `rejected`.
    pub decision: String,
    pub reason: Option<String>,
}

pub async fn decide(
    db: &PgPool,
    bus: &EventBus,
    config: &Config,
    callback: Callback,
    meta: &RequestMeta,
) -> Result<verification::VerificationRow> {
    let decision = match callback.decision.as_str() {
        "approved" => Decision::Approve,
        "rejected" => Decision::Reject(
            callback
                .reason
                .unwrap_or_else(|| "pièce refusée par le service de vérification".into()),
        ),
        other => {
            return Err(IdentityError::Validation(format!(
                "decision {other:?}: approved or rejected"
            )))
        }
    };
    verification::decide_as_provider(db, bus, config, callback.verification_id, decision, meta)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_signature_of_the_exact_body_made_lately_passes() {
        let body = br#"{"verificationId":"x","decision":"approved"}"#;
        let secret = "s3cret-s3cret-s3cret";
        let now = 1_800_000_000;
        let good = signature_at(secret, now, body);
        assert!(verify_at(secret, body, Some(&good), now));
        assert!(
            verify_at(secret, body, Some(&good), now + SIGNATURE_WINDOW_SECONDS),
            "clocks a little apart"
        );
        assert!(
            !verify_at(
                secret,
                body,
                Some(&good),
                now + SIGNATURE_WINDOW_SECONDS + 1
            ),
            "a replay, later"
        );
        assert!(
            !verify_at(
                secret,
                body,
                Some(&good),
                now - SIGNATURE_WINDOW_SECONDS - 1
            ),
            "signed in the future"
        );
        assert!(!verify_at(
            secret,
            br#"{"verificationId":"x","decision":"rejected"}"#,
            Some(&good),
            now
        ));
        assert!(!verify_at("another-secret-here", body, Some(&good), now));
        let moved = good.replace(&format!("t={now}"), &format!("t={}", now + 1));
        let untimed = format!(
            "sha256={}",
            good.split_once(",sha256=")
                .map(|(_, mac)| mac)
                .unwrap_or_default()
        );
        for bad in [
            None,
            Some(""),
            Some("sha256="),
            Some("t=1,sha256=zz"),
            Some(untimed.as_str()),
            Some(moved.as_str()),
        ] {
            assert!(!verify_at(secret, body, bad, now), "{bad:?}");
        }
        assert!(
            !verify_at("", body, Some(&signature_at("", now, body)), now),
            "an empty secret proves nothing"
        );
    }
}
