//! Invitations and reminders: each signer's personal link, by email, recorded in the trail.

use sqlx::{PgConnection, PgPool};

use super::links::{self, LinkIssuer};
use super::{
    emails, lock, lock_in_scope, CollectionError, CollectionRow, CollectionStatus, Result,
    SignerRow, EXPIRY_DAYS,
};
use crate::audit::{self, Actor, AuditEvent};
use crate::cabinets::CabinetScope;
use crate::ids::{CollectionId, SignerId};
use crate::notifications;
use crate::request_meta::RequestMeta;

/// Emails a signer their personal link: on a reminder, the live link they already hold
/// (its expiry following the collection's), a new one otherwise.
pub async fn invite(
    conn: &mut PgConnection,
    issuer: LinkIssuer<'_>,
    collection: &CollectionRow,
    signer: &SignerRow,
    reminder: bool,
    meta: &RequestMeta,
    actor: Actor,
) -> Result<()> {
    let expires_at = collection.expires_at.ok_or_else(|| {
        CollectionError::Internal("inviting to a collection without expiry".into())
    })?;
    let token = links::invitation(conn, issuer.kek, signer.id, expires_at).await?;
    if !reminder {
        sqlx::query!(
            "UPDATE signers SET status = 'invited', invited_at = now() WHERE id = $1",
            signer.id.as_uuid(),
        )
        .execute(&mut *conn)
        .await?;
    }
    let cabinet = super::cabinet_name(conn, collection.cabinet_id).await?;
    let needs_certificate = super::signer_keys::needs_certificate(conn, signer).await?;
    let link = issuer.signer_page(&token);
    let details = emails::Invitation {
        cabinet: &cabinet,
        title: &collection.title,
        message: &collection.message,
        link: &link,
        expires_at,
        reminder,
        needs_certificate,
    };
    let text = emails::invitation(signer.language(), &details);
    notifications::enqueue_email(
        conn,
        &signer.email,
        Some(&cabinet),
        &text.subject,
        &text.body,
    )
    .await?;
    let (signer_id, email) = (signer.id, signer.email.clone());
    let event = if reminder {
        AuditEvent::Reminded {
            signer: signer_id,
            email,
        }
    } else {
        AuditEvent::Invited {
            signer: signer_id,
            email,
        }
    };
    audit::append(conn, collection.id, actor, meta, event).await?;
    Ok(())
}

/// How a reminder treats the expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// Sent by the preparer: the expiry moves to 15 days from now.
    Manual,
    /// Sent by the server every few days: the expiry stays, or no collection would ever
    /// expire.
    Automatic,
}

/// Resends the pending invitations; a manual reminder also moves the expiry to 15 days
/// from now.
pub async fn remind(
    db: &PgPool,
    issuer: LinkIssuer<'_>,
    collection_id: CollectionId,
    actor: Actor,
    meta: &RequestMeta,
    scope: Option<&CabinetScope>,
    kind: Reminder,
) -> Result<CollectionRow> {
    let mut tx = db.begin().await?;
    let row = match scope {
        Some(scope) => lock_in_scope(&mut tx, scope, collection_id).await?,
        None => lock(&mut tx, collection_id).await?,
    };
    if row.status() != CollectionStatus::Active {
        return Err(CollectionError::InvalidState(
            "seule une demande en cours peut être relancée".into(),
        ));
    }
    sqlx::query!(
        "UPDATE collections SET last_reminded_at = now(),
                expires_at = CASE WHEN $3 THEN now() + make_interval(days => $2) ELSE expires_at END
         WHERE id = $1",
        collection_id.as_uuid(),
        EXPIRY_DAYS as i32,
        kind == Reminder::Manual,
    )
    .execute(&mut *tx)
    .await?;
    let row = super::get(&mut tx, collection_id).await?;
    let signers = super::signers(&mut tx, collection_id).await?;
    if let Some(expires_at) = row.expires_at {
        // Every signer's link lives as long as the collection, signed or not.
        let ids: Vec<SignerId> = signers.iter().map(|s| s.id).collect();
        links::extend_live(&mut tx, &ids, expires_at).await?;
    }
    for signer in signers {
        if signer.status() == super::SignerStatus::Invited {
            invite(&mut tx, issuer, &row, &signer, true, meta, actor.clone()).await?;
        }
    }
    tx.commit().await?;
    Ok(row)
}
