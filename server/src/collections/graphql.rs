use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{
    ComplexObject, Context, Enum, InputObject, Object, SimpleObject, Subscription, Upload,
};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use paraphe_shared::{Delegation, Language};
use uuid::Uuid;

use super::links::LinkIssuer;
use super::prepare::{self, NewSigner, SignerSource};
use super::{announce, CollectionRow, DocumentKind, DocumentRow, SignerRow};
use super::{awaiting, invitations, signer};
use crate::audit;
use crate::cabinets::access::{self, Need};
use crate::cabinets::graphql::MAX_PAGE;
use crate::events::{CollectionEventKind, DomainEvent};
use crate::graphql::context::{require_cabinet, ContextExt};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::language::{self, LanguageCode};
use crate::ids::{CabinetId, CollectionId, ContactId, DocumentId, SignerId, UserId};
use crate::signing::VisibleStamp;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "CollectionStatus",
    remote = "crate::collections::CollectionStatus"
)]
pub enum CollectionStatusGql {
    Draft,
    Active,
    Completed,
    Refused,
    Expired,
    Cancelled,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SigningMode", remote = "crate::collections::SigningMode")]
pub enum SigningModeGql {
    /// The next signer is invited when the previous one signed.
    Sequential,
    /// Everybody is invited at launch.
    Parallel,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SignerStatus", remote = "crate::collections::SignerStatus")]
pub enum SignerStatusGql {
    /// Not invited yet (sequential collections, or before launch).
    Waiting,
    Invited,
    Signed,
    Refused,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DocumentKind", remote = "crate::collections::DocumentKind")]
pub enum DocumentKindGql {
    /// Signed by every signer.
    ToSign,
    /// Only to read.
    Attachment,
}

/// What happened to a collection, for the preparer's dashboard and collection page.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "CollectionEventKind",
    remote = "crate::events::CollectionEventKind"
)]
pub enum CollectionEventKindGql {
    Created,
    Updated,
    Launched,
    Invited,
    Opened,
    CodeSent,
    Signed,
    Refused,
    Reminded,
    Completed,
    Expired,
    Cancelled,
    Purged,
}

const PREPARE: &[Need] = &[Need::Delegation(Delegation::Prepare), Need::Open];

/// A signature workflow, as its cabinet's preparers see it.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Collection {
    pub id: Uuid,
    pub cabinet_id: Uuid,
    pub title: String,
    pub message: String,
    pub mode: SigningModeGql,
    pub status: CollectionStatusGql,
    pub created_at: DateTime<Utc>,
    pub launched_at: Option<DateTime<Utc>>,
    /// 15 days after launch, moved to 15 days after each reminder.
    pub expires_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Documents are deleted one month after the end; the audit trail stays.
    pub purged_at: Option<DateTime<Utc>>,
}

impl From<CollectionRow> for Collection {
    fn from(row: CollectionRow) -> Self {
        Collection {
            id: row.id.into_uuid(),
            cabinet_id: row.cabinet_id.into_uuid(),
            mode: row.mode().into(),
            status: row.status().into(),
            title: row.title,
            message: row.message,
            created_at: row.created_at,
            launched_at: row.launched_at,
            expires_at: row.expires_at,
            ended_at: row.ended_at,
            purged_at: row.purged_at,
        }
    }
}

impl Collection {
    /// The id this object was made from (the schema's field is a bare `UUID`).
    fn collection_id(&self) -> CollectionId {
        CollectionId::from_uuid(self.id)
    }
}

#[ComplexObject]
impl Collection {
    async fn documents(&self, ctx: &Context<'_>) -> ApiResult<Vec<Document>> {
        let rows = super::documents(&mut *ctx.db().acquire().await?, self.collection_id()).await?;
        Ok(rows.into_iter().map(Document::from).collect())
    }

    /// In signing order.
    async fn signers(&self, ctx: &Context<'_>) -> ApiResult<Vec<Signer>> {
        let rows = super::signers(&mut *ctx.db().acquire().await?, self.collection_id()).await?;
        Ok(rows.into_iter().map(Signer::from).collect())
    }

    /// What launching costs (or cost): one signature per signer per document to sign.
    async fn cost_cents(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let mut conn = ctx.db().acquire().await?;
        let documents = super::documents(&mut conn, self.collection_id()).await?;
        let signers = super::signers(&mut conn, self.collection_id()).await?;
        let to_sign = documents
            .iter()
            .filter(|d| d.kind == DocumentKind::ToSign)
            .count();
        Ok(prepare::cost_cents(signers.len(), to_sign))
    }

    /// Every event, oldest first.
    async fn audit_trail(&self, ctx: &Context<'_>) -> ApiResult<Vec<AuditEvent>> {
        let entries = audit::trail(ctx.db(), self.collection_id()).await?;
        Ok(entries.into_iter().map(AuditEvent::from).collect())
    }

    /// Whether the hash chain of the audit trail is intact.
    async fn audit_trail_intact(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let entries = audit::trail(ctx.db(), self.collection_id()).await?;
        Ok(matches!(
            audit::verify(&entries),
            audit::ChainStatus::Intact { .. }
        ))
    }
}

#[derive(SimpleObject)]
pub struct Document {
    pub id: Uuid,
    pub position: i32,
    pub kind: DocumentKindGql,
    pub filename: String,
    pub pages: i32,
    /// SHA-256 (hex) of the uploaded file.
    pub original_sha256: String,
    /// SHA-256 (hex) of the file as it is now, signatures included.
    pub current_sha256: String,
}

impl From<DocumentRow> for Document {
    fn from(row: DocumentRow) -> Self {
        Document {
            id: row.id.into_uuid(),
            position: row.position,
            kind: row.kind.into(),
            filename: row.filename,
            pages: row.pages,
            original_sha256: hex::encode(row.original_sha256),
            current_sha256: hex::encode(row.current_sha256),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct StampPlacement {
    pub page: i32,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

#[derive(InputObject)]
pub struct StampInput {
    /// 1-based page of every document to sign.
    pub page: i32,
    /// Points from the page's bottom-left corner.
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl StampInput {
    fn into_stamp(self) -> ApiResult<VisibleStamp> {
        let page = u32::try_from(self.page)
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| {
                ApiError::new(
                    paraphe_shared::ErrorCode::StampInvalid,
                    "les pages se comptent à partir de 1",
                )
            })?;
        Ok(VisibleStamp {
            page,
            x: self.x,
            y: self.y,
            width: self.width,
            height: self.height,
            level: String::new(),
            cabinet: None,
        })
    }
}

#[derive(SimpleObject)]
pub struct Signer {
    pub id: Uuid,
    pub position: i32,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub mobile: String,
    /// 1 simple, 2 advanced (LCP), 3 advanced with a qualified certificate (QCP).
    pub level: i32,
    pub status: SignerStatusGql,
    pub invited_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub refused_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub stamp: Option<StampPlacement>,
    /// The member, when the signer is one.
    pub user_id: Option<Uuid>,
    /// The language of this signer's emails, SMS and page; `null`: their browser's once
    /// they open the link (French until then).
    pub language: Option<LanguageCode>,
}

impl From<SignerRow> for Signer {
    fn from(row: SignerRow) -> Self {
        let stamp = row.stamp().map(|s| StampPlacement {
            page: s.page as i32,
            x: s.x,
            y: s.y,
            width: s.width,
            height: s.height,
        });
        Signer {
            id: row.id.into_uuid(),
            position: row.position,
            status: row.status().into(),
            level: i32::from(row.level),
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
            mobile: row.mobile,
            invited_at: row.invited_at,
            opened_at: row.opened_at,
            signed_at: row.signed_at,
            refused_at: row.refused_at,
            refusal_reason: row.refusal_reason,
            stamp,
            user_id: row.user_id.map(UserId::into_uuid),
            language: language::stored(row.language.as_deref()),
        }
    }
}

#[derive(SimpleObject)]
pub struct AuditEvent {
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// JSON: document hashes, signer, reason…
    pub details: String,
    pub hash: String,
}

impl From<audit::AuditEntry> for AuditEvent {
    fn from(e: audit::AuditEntry) -> Self {
        AuditEvent {
            seq: e.seq,
            at: e.at,
            kind: e.kind,
            actor: e.actor,
            ip: e.ip,
            user_agent: e.user_agent,
            details: e.details.to_string(),
            hash: hex::encode(e.hash),
        }
    }
}

/// A new signer: exactly one of `me`, `userId` (a member), `contactId`, or the person's
/// details (first name, last name, email, mobile in E.164).
#[derive(InputObject, Default)]
pub struct SignerInput {
    #[graphql(default)]
    pub me: bool,
    pub user_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    /// 1, 2 or 3.
    #[graphql(default = 1)]
    pub level: i32,
    pub stamp: Option<StampInput>,
    /// The language of the signer's emails, SMS and page. Without it: the language their
    /// browser asks for once they open the link (French for the invitation before that);
    /// a member's own choice in the app, if they made one.
    pub language: Option<LanguageCode>,
}

impl SignerInput {
    fn into_new_signer(self) -> ApiResult<NewSigner> {
        let language = self.language.map(Language::from);
        let (source, level, stamp) = self.source()?;
        Ok(NewSigner {
            source,
            level,
            stamp,
            language,
        })
    }

    fn source(self) -> ApiResult<(SignerSource, i16, Option<VisibleStamp>)> {
        let level = i16::try_from(self.level)
            .map_err(|_| ApiError::validation("le niveau de signature est 1, 2 ou 3"))?;
        let stamp = self.stamp.map(StampInput::into_stamp).transpose()?;
        let person = [&self.first_name, &self.last_name, &self.email, &self.mobile];
        let chosen = usize::from(self.me)
            + usize::from(self.user_id.is_some())
            + usize::from(self.contact_id.is_some())
            + usize::from(person.iter().any(|f| f.is_some()));
        if chosen != 1 {
            return Err(ApiError::validation(
                "indiquez un seul signataire : moi, un membre, un contact, ou une personne",
            ));
        }
        let source = if self.me {
            SignerSource::Me
        } else if let Some(id) = self.user_id {
            SignerSource::Member(UserId::from_uuid(id))
        } else if let Some(id) = self.contact_id {
            SignerSource::Contact(ContactId::from_uuid(id))
        } else {
            let field = |v: Option<String>, name: &str| {
                v.ok_or_else(|| ApiError::validation(format!("{name} du signataire manquant")))
            };
            SignerSource::Person {
                first_name: field(self.first_name, "prénom")?,
                last_name: field(self.last_name, "nom")?,
                email: field(self.email, "e-mail")?,
                mobile: field(self.mobile, "mobile")?,
            }
        };
        Ok((source, level, stamp))
    }
}

#[derive(Default)]
pub struct CollectionsQuery;

#[Object]
impl CollectionsQuery {
    /// The cabinet's collections, newest first, optionally of one status.
    async fn collections(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        status: Option<CollectionStatusGql>,
        #[graphql(default = 50)] first: i32,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Collection, EmptyFields, EmptyFields>> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(cabinet_id), PREPARE).await?;
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(ApiError::validation(format!(
                "`first` doit être entre 0 et {MAX_PAGE}"
            )));
        }
        let offset = match after {
            None => 0,
            Some(cursor) => {
                cursor
                    .parse::<i64>()
                    .map_err(|_| ApiError::validation("curseur `after` invalide"))?
                    + 1
            }
        };
        let rows = super::page(
            ctx.db(),
            &scope,
            status.map(Into::into),
            i64::from(first) + 1,
            offset,
        )
        .await?;
        let has_next = rows.len() > first as usize;
        let mut connection = Connection::new(offset > 0, has_next);
        connection.edges.extend(
            rows.into_iter()
                .take(first as usize)
                .enumerate()
                .map(|(i, row)| Edge::new((offset + i as i64).to_string(), Collection::from(row))),
        );
        Ok(connection)
    }

    /// How many of the cabinet's collections are in each status (dashboard counters).
    async fn collection_counts(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
    ) -> ApiResult<Vec<StatusCount>> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(cabinet_id), PREPARE).await?;
        Ok(super::count_by_status(ctx.db(), &scope)
            .await?
            .into_iter()
            .map(|(status, count)| StatusCount {
                status: status.into(),
                count,
            })
            .collect())
    }

    async fn collection(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<Collection> {
        let (_, row) = super::scoped(
            ctx.db(),
            ctx.viewer()?.user_id,
            CollectionId::from_uuid(id),
            PREPARE,
        )
        .await?;
        Ok(row.into())
    }

    /// The running collections where the logged-in person is the signer whose turn it is,
    /// across their cabinets (the dashboard's "À signer par moi").
    async fn my_signature_requests(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<SignatureRequestForMe>> {
        let user_id = ctx.viewer()?.user_id;
        Ok(awaiting::of_user(ctx.db(), user_id)
            .await?
            .into_iter()
            .map(SignatureRequestForMe::from)
            .collect())
    }

    /// What a signer's link opens (no account needed). The first call records "opened".
    async fn signing_session(&self, ctx: &Context<'_>, token: String) -> ApiResult<SigningSession> {
        let (signer, collection, first_open) = signer::open(ctx.db(), &token, &ctx.meta()).await?;
        if first_open {
            announce(
                ctx.bus(),
                collection.cabinet_id,
                collection.id,
                CollectionEventKind::Opened,
                Some(signer.id),
            )
            .await;
        }
        Ok(SigningSession::new(&token, signer, collection))
    }
}

/// A collection awaiting the logged-in person's signature.
#[derive(SimpleObject)]
pub struct SignatureRequestForMe {
    pub signer_id: Uuid,
    pub collection_id: Uuid,
    pub title: String,
    pub cabinet_name: String,
    pub invited_at: Option<DateTime<Utc>>,
}

impl From<awaiting::AwaitingSignature> for SignatureRequestForMe {
    fn from(a: awaiting::AwaitingSignature) -> Self {
        SignatureRequestForMe {
            signer_id: a.signer_id.into_uuid(),
            collection_id: a.collection_id.into_uuid(),
            title: a.title,
            cabinet_name: a.cabinet_name,
            invited_at: a.invited_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct StatusCount {
    pub status: CollectionStatusGql,
    pub count: i64,
}

/// The signer's view of a collection, through their link.
// What needs more queries (documents, cabinet name, certificate requirement) is read only
// when asked for: the signing flow's mutations answer with a session whose client mostly
// reads one field.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SigningSession {
    pub collection_id: Uuid,
    pub title: String,
    pub message: String,
    pub status: CollectionStatusGql,
    pub expires_at: Option<DateTime<Utc>>,
    pub signer_id: Uuid,
    pub signer_name: String,
    pub signer_status: SignerStatusGql,
    pub level: i32,
    /// Whether the signer stated they read and accept the documents.
    pub accepted: bool,
    pub mobile_hint: String,
    #[graphql(skip)]
    token: String,
    #[graphql(skip)]
    cabinet_id: CabinetId,
    #[graphql(skip)]
    signer: SignerRow,
    /// Read once for `documents` and `pagesToSign`.
    #[graphql(skip)]
    loaded_documents: tokio::sync::OnceCell<Vec<super::DocumentRow>>,
}

#[derive(SimpleObject)]
pub struct SessionDocument {
    pub id: Uuid,
    pub kind: DocumentKindGql,
    pub filename: String,
    pub pages: i32,
    /// Relative URL of the PDF (the signed one once the collection is completed).
    pub url: String,
}

#[ComplexObject]
impl SigningSession {
    async fn cabinet_name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let mut conn = ctx.db().acquire().await?;
        Ok(super::cabinet_name(&mut conn, self.cabinet_id).await?)
    }

    async fn documents(&self, ctx: &Context<'_>) -> ApiResult<Vec<SessionDocument>> {
        Ok(self
            .documents_of(ctx)
            .await?
            .iter()
            .map(|d| SessionDocument {
                url: format!("/api/signer/{}/documents/{}", self.token, d.id),
                id: d.id.into_uuid(),
                kind: d.kind.into(),
                filename: d.filename.clone(),
                pages: d.pages,
            })
            .collect())
    }

    /// Pages to sign in all, for "J'ai lu et j'accepte le(s) document(s) de N pages".
    async fn pages_to_sign(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        Ok(self
            .documents_of(ctx)
            .await?
            .iter()
            .filter(|d| d.kind == DocumentKind::ToSign)
            .map(|d| d.pages)
            .sum())
    }

    /// The language set for this signer (by the preparer, or by their page); `null`: not
    /// set, their page follows their browser and tells the server (`setSignerLanguage`).
    async fn language(&self) -> Option<LanguageCode> {
        language::stored(self.signer.language.as_deref())
    }

    /// The signer must first create their certificate (`beginCertificateCreation`).
    async fn certificate_required(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let mut conn = ctx.db().acquire().await?;
        Ok(super::signer_keys::needs_certificate(&mut conn, &self.signer).await?)
    }
}

impl SigningSession {
    async fn documents_of(&self, ctx: &Context<'_>) -> ApiResult<&Vec<super::DocumentRow>> {
        self.loaded_documents
            .get_or_try_init(|| async {
                let mut conn = ctx.db().acquire().await?;
                Ok(super::documents(&mut conn, self.signer.collection_id).await?)
            })
            .await
    }

    fn new(token: &str, signer: SignerRow, collection: CollectionRow) -> Self {
        SigningSession {
            collection_id: collection.id.into_uuid(),
            cabinet_id: collection.cabinet_id,
            status: collection.status().into(),
            title: collection.title,
            message: collection.message,
            expires_at: collection.expires_at,
            signer_id: signer.id.into_uuid(),
            signer_name: signer.full_name(),
            signer_status: signer.status().into(),
            level: i32::from(signer.level),
            accepted: signer.accepted_at.is_some(),
            mobile_hint: crate::codes::mobile_hint(&signer.mobile),
            token: token.to_owned(),
            signer,
            loaded_documents: tokio::sync::OnceCell::new(),
        }
    }
}

#[derive(SimpleObject)]
pub struct CodeSent {
    pub expires_at: DateTime<Utc>,
    /// The phone the code went to, mostly masked.
    pub mobile_hint: String,
}

#[derive(Default)]
pub struct CollectionsMutation;

#[Object]
impl CollectionsMutation {
    /// A draft collection for the cabinet (delegation `prepare`).
    async fn create_collection(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        title: String,
        #[graphql(default)] message: String,
        #[graphql(default_with = "SigningModeGql::Sequential")] mode: SigningModeGql,
    ) -> ApiResult<Collection> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(cabinet_id), PREPARE).await?;
        let row =
            prepare::create(ctx.db(), &scope, &title, &message, mode.into(), &ctx.meta()).await?;
        announce(
            ctx.bus(),
            row.cabinet_id,
            row.id,
            CollectionEventKind::Created,
            None,
        )
        .await;
        Ok(row.into())
    }

    async fn update_collection(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        title: String,
        #[graphql(default)] message: String,
        mode: SigningModeGql,
    ) -> ApiResult<Collection> {
        let id = CollectionId::from_uuid(id);
        let (scope, _) = super::scoped(ctx.db(), ctx.viewer()?.user_id, id, PREPARE).await?;
        Ok(
            prepare::update(ctx.db(), &scope, id, &title, &message, mode.into())
                .await?
                .into(),
        )
    }

    /// Adds a PDF (multipart upload; 10 MB at most; `PDF_INVALID`, `PDF_ENCRYPTED`,
    /// `PDF_TOO_LARGE`, `PDF_SIGNING_FORBIDDEN` otherwise), to sign or only to read.
    async fn add_document(
        &self,
        ctx: &Context<'_>,
        collection_id: Uuid,
        file: Upload,
        #[graphql(default_with = "DocumentKindGql::ToSign")] kind: DocumentKindGql,
    ) -> ApiResult<Document> {
        let collection_id = CollectionId::from_uuid(collection_id);
        let (scope, _) =
            super::scoped(ctx.db(), ctx.viewer()?.user_id, collection_id, PREPARE).await?;
        let upload = file
            .value(ctx)
            .map_err(|e| ApiError::validation(format!("fichier illisible : {e}")))?;
        let filename = upload.filename.clone();
        let content = tokio::task::spawn_blocking(move || {
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut upload.into_read(), &mut content).map(|_| content)
        })
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
        let row = prepare::add_document(
            ctx.db(),
            &scope,
            collection_id,
            &filename,
            content,
            kind.into(),
            &ctx.meta(),
        )
        .await?;
        Ok(row.into())
    }

    async fn remove_document(
        &self,
        ctx: &Context<'_>,
        collection_id: Uuid,
        document_id: Uuid,
    ) -> ApiResult<bool> {
        let collection_id = CollectionId::from_uuid(collection_id);
        let document_id = DocumentId::from_uuid(document_id);
        let (scope, _) =
            super::scoped(ctx.db(), ctx.viewer()?.user_id, collection_id, PREPARE).await?;
        prepare::remove_document(ctx.db(), &scope, collection_id, document_id, &ctx.meta()).await?;
        Ok(true)
    }

    /// Adds a signer at the end of the order. Levels 2 and 3 answer `CERTIFICATE_REQUIRED`
    /// for a signer without a certificate of that level.
    async fn add_signer(
        &self,
        ctx: &Context<'_>,
        collection_id: Uuid,
        signer: SignerInput,
    ) -> ApiResult<Signer> {
        let collection_id = CollectionId::from_uuid(collection_id);
        let (scope, _) =
            super::scoped(ctx.db(), ctx.viewer()?.user_id, collection_id, PREPARE).await?;
        Ok(prepare::add_signer(
            ctx.db(),
            &scope,
            collection_id,
            signer.into_new_signer()?,
            &ctx.meta(),
        )
        .await?
        .into())
    }

    async fn remove_signer(
        &self,
        ctx: &Context<'_>,
        collection_id: Uuid,
        signer_id: Uuid,
    ) -> ApiResult<bool> {
        let collection_id = CollectionId::from_uuid(collection_id);
        let signer_id = SignerId::from_uuid(signer_id);
        let (scope, _) =
            super::scoped(ctx.db(), ctx.viewer()?.user_id, collection_id, PREPARE).await?;
        prepare::remove_signer(ctx.db(), &scope, collection_id, signer_id, &ctx.meta()).await?;
        Ok(true)
    }

    /// Moves a signer to `position` (1 signs first); returns the new order.
    async fn move_signer(
        &self,
        ctx: &Context<'_>,
        collection_id: Uuid,
        signer_id: Uuid,
        position: i32,
    ) -> ApiResult<Vec<Signer>> {
        let collection_id = CollectionId::from_uuid(collection_id);
        let signer_id = SignerId::from_uuid(signer_id);
        let (scope, _) =
            super::scoped(ctx.db(), ctx.viewer()?.user_id, collection_id, PREPARE).await?;
        Ok(
            prepare::move_signer(ctx.db(), &scope, collection_id, signer_id, position)
                .await?
                .into_iter()
                .map(Signer::from)
                .collect(),
        )
    }

    /// Places (or with `null` removes) a signer's visible stamp.
    async fn set_signer_stamp(
        &self,
        ctx: &Context<'_>,
        collection_id: Uuid,
        signer_id: Uuid,
        stamp: Option<StampInput>,
    ) -> ApiResult<Signer> {
        let collection_id = CollectionId::from_uuid(collection_id);
        let signer_id = SignerId::from_uuid(signer_id);
        let (scope, _) =
            super::scoped(ctx.db(), ctx.viewer()?.user_id, collection_id, PREPARE).await?;
        let stamp = stamp.map(StampInput::into_stamp).transpose()?;
        Ok(
            prepare::set_stamp(ctx.db(), &scope, collection_id, signer_id, stamp)
                .await?
                .into(),
        )
    }

    /// Checks everything and the cabinet's credit (`INSUFFICIENT_CREDIT`, nothing sent),
    /// starts the 15-day clock and invites.
    async fn launch_collection(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<Collection> {
        let id = CollectionId::from_uuid(id);
        let (scope, _) = super::scoped(ctx.db(), ctx.viewer()?.user_id, id, PREPARE).await?;
        let (row, invited) =
            prepare::launch(ctx.db(), link_issuer(ctx), &scope, id, &ctx.meta()).await?;
        ctx.wake_outbox();
        announce(
            ctx.bus(),
            row.cabinet_id,
            row.id,
            CollectionEventKind::Launched,
            None,
        )
        .await;
        for signer_id in invited {
            announce(
                ctx.bus(),
                row.cabinet_id,
                row.id,
                CollectionEventKind::Invited,
                Some(signer_id),
            )
            .await;
        }
        Ok(row.into())
    }

    async fn cancel_collection(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<Collection> {
        let id = CollectionId::from_uuid(id);
        let (scope, _) = super::scoped(ctx.db(), ctx.viewer()?.user_id, id, PREPARE).await?;
        let row = prepare::cancel(ctx.db(), &scope, id, &ctx.meta()).await?;
        ctx.wake_outbox();
        announce(
            ctx.bus(),
            row.cabinet_id,
            row.id,
            CollectionEventKind::Cancelled,
            None,
        )
        .await;
        Ok(row.into())
    }

    /// Resends pending invitations and extends the expiry to 15 days from now.
    async fn remind_collection(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<Collection> {
        let id = CollectionId::from_uuid(id);
        let (scope, _) = super::scoped(ctx.db(), ctx.viewer()?.user_id, id, PREPARE).await?;
        let row = invitations::remind(
            ctx.db(),
            link_issuer(ctx),
            id,
            crate::audit::Actor::User(scope.user_id()),
            &ctx.meta(),
            Some(&scope),
            invitations::Reminder::Manual,
        )
        .await?;
        ctx.wake_outbox();
        announce(
            ctx.bus(),
            row.cabinet_id,
            row.id,
            CollectionEventKind::Reminded,
            None,
        )
        .await;
        Ok(row.into())
    }

    /// The signer states they read and accept the documents.
    async fn accept_documents(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> ApiResult<SigningSession> {
        let (signer, collection) = signer::accept(ctx.db(), &token, &ctx.meta()).await?;
        Ok(SigningSession::new(&token, signer, collection))
    }

    /// "Créer mon certificat", for a level-2 signer without one: opens a session on the
    /// signer's own certificate account (made from the link) for the enrolment wizard
    /// (`/enregistrement`); the signature follows with the certificate.
    async fn begin_certificate_creation(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> ApiResult<bool> {
        let user_id = signer::begin_certificate_creation(ctx.db(), &token, &ctx.meta()).await?;
        let config = ctx.config();
        // Long enough for the operator's review on a working day; the link opens another.
        let hours = 12;
        let session =
            crate::accounts::sessions::open(ctx.db(), user_id, hours, &ctx.meta()).await?;
        ctx.append_http_header(
            "set-cookie",
            crate::accounts::sessions::set_cookie(&session, hours, config.secure_cookies()),
        );
        Ok(true)
    }

    /// Sends the signer a 6-digit code by SMS, valid 30 minutes (3 per 15 minutes at most).
    async fn request_signing_code(&self, ctx: &Context<'_>, token: String) -> ApiResult<CodeSent> {
        let sent = signer::request_code(
            ctx.db(),
            ctx.pki(),
            &ctx.config().key_encryption_key,
            &token,
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        announce(
            ctx.bus(),
            sent.collection.cabinet_id,
            sent.collection.id,
            CollectionEventKind::CodeSent,
            Some(sent.signer.id),
        )
        .await;
        Ok(CodeSent {
            expires_at: sent.expires_at,
            mobile_hint: sent.mobile_hint,
        })
    }

    /// Signs every document of the collection with the code (`OTP_INVALID`, `OTP_EXPIRED`,
    /// `OTP_LOCKED` after 5 wrong codes, `OTP_NOT_SENT`).
    async fn sign(
        &self,
        ctx: &Context<'_>,
        token: String,
        code: String,
    ) -> ApiResult<SigningSession> {
        let config = ctx.config();
        let signed = signer::sign(
            ctx.db(),
            ctx.pki(),
            &config.key_encryption_key,
            &config.public_url,
            &token,
            &code,
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        let (cabinet_id, collection_id) = (signed.collection.cabinet_id, signed.collection.id);
        announce(
            ctx.bus(),
            cabinet_id,
            collection_id,
            CollectionEventKind::Signed,
            Some(signed.signer.id),
        )
        .await;
        if let Some(next) = signed.invited_next {
            announce(
                ctx.bus(),
                cabinet_id,
                collection_id,
                CollectionEventKind::Invited,
                Some(next),
            )
            .await;
        }
        if signed.completed {
            announce(
                ctx.bus(),
                cabinet_id,
                collection_id,
                CollectionEventKind::Completed,
                None,
            )
            .await;
        }
        Ok(SigningSession::new(
            &token,
            signed.signer,
            signed.collection,
        ))
    }

    /// The language the link's signer reads: their SMS code and the emails still to come
    /// are written in it. `LINK_INVALID` for an unknown link.
    async fn set_signer_language(
        &self,
        ctx: &Context<'_>,
        token: String,
        language: LanguageCode,
    ) -> ApiResult<LanguageCode> {
        awaiting::set_language(ctx.db(), &token, language.into()).await?;
        Ok(language)
    }

    /// A fresh personal link to sign, for the logged-in person's own turn in a collection
    /// (`mySignatureRequests`): the path of the signer's page. `NOT_FOUND` for a signer
    /// who is not them, `INVALID_STATE` once it is no longer their turn.
    async fn open_my_signature(&self, ctx: &Context<'_>, signer_id: Uuid) -> ApiResult<String> {
        let signer_id = SignerId::from_uuid(signer_id);
        let token = awaiting::link_for(
            ctx.db(),
            &ctx.config().key_encryption_key,
            ctx.viewer()?.user_id,
            signer_id,
        )
        .await?;
        Ok(format!("/signer/{token}"))
    }

    /// Refuses to sign, which ends the collection for everybody.
    async fn refuse(
        &self,
        ctx: &Context<'_>,
        token: String,
        reason: Option<String>,
    ) -> ApiResult<SigningSession> {
        let (signer, collection) = signer::refuse(
            ctx.db(),
            &ctx.config().public_url,
            &token,
            reason.as_deref(),
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        announce(
            ctx.bus(),
            collection.cabinet_id,
            collection.id,
            CollectionEventKind::Refused,
            Some(signer.id),
        )
        .await;
        Ok(SigningSession::new(&token, signer, collection))
    }
}

/// Progress of one of the cabinet's collections.
#[derive(SimpleObject, Clone)]
pub struct CollectionEvent {
    pub cabinet_id: Uuid,
    pub collection_id: Uuid,
    pub kind: CollectionEventKindGql,
    pub signer_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Default)]
pub struct CollectionsSubscription;

#[Subscription]
impl CollectionsSubscription {
    /// Live progress of the cabinet's collections (invited, opened, signed, refused,
    /// completed, expired…), optionally of one collection. Access is checked before every
    /// event, as for `cabinetEvents`.
    async fn collection_events(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        collection_id: Option<Uuid>,
    ) -> Result<impl Stream<Item = ApiResult<CollectionEvent>>, ApiError> {
        let user_id = ctx.viewer()?.user_id;
        let (cabinet_id, collection_id) = (
            CabinetId::from_uuid(cabinet_id),
            collection_id.map(CollectionId::from_uuid),
        );
        require_cabinet(ctx, cabinet_id, PREPARE).await?;
        let db = ctx.db().clone();
        let mut events = ctx.bus().subscribe();
        Ok(async_stream::stream! {
            loop {
                let Some(event) = crate::events::next(&mut events).await else { break };
                let DomainEvent::Collection { cabinet_id: of, change, at } = event else { continue };
                if of != cabinet_id || collection_id.is_some_and(|id| id != change.collection_id) {
                    continue;
                }
                if let Err(error) = access::check(&db, user_id, cabinet_id, PREPARE).await {
                    yield Err(error.into());
                    break;
                }
                yield Ok(CollectionEvent {
                    cabinet_id: cabinet_id.into_uuid(),
                    collection_id: change.collection_id.into_uuid(),
                    kind: change.kind.into(),
                    signer_id: change.signer_id.map(SignerId::into_uuid),
                    at,
                });
            }
        })
    }
}

/// Where the links this request sends point, and the key that seals them.
fn link_issuer<'a>(ctx: &'a Context<'_>) -> LinkIssuer<'a> {
    let config = ctx.config();
    LinkIssuer {
        public_url: &config.public_url,
        kek: &config.key_encryption_key,
    }
}
