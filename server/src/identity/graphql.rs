//! The identity verification API: the holder's side (desktop and phone hand-off), the
//! operators' queue, and live updates for both.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, Subscription, Upload};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::Stream;
use uuid::Uuid;

use super::verification::{self, Decision, Declaration, VerificationRow};
use super::{IdentityError, ImageSide, VerificationStatus};
use crate::events::{DomainEvent, IdentityEventKind};
use crate::graphql::context::ContextExt;
use crate::graphql::error::{ApiError, ApiResult};
use crate::ids::{UserId, VerificationId};

#[derive(Default)]
pub struct IdentityQuery;

#[derive(Default)]
pub struct IdentityMutation;

#[derive(Default)]
pub struct IdentitySubscription;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DocumentType", remote = "crate::identity::DocumentType")]
pub enum DocumentTypeGql {
    IdentityCard,
    Passport,
    ResidencePermit,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "VerificationStatus",
    remote = "crate::identity::VerificationStatus"
)]
pub enum VerificationStatusGql {
    /// Waiting for the images.
    AwaitingDocuments,
    /// Submitted; the automatic checks are running.
    Checking,
    /// Waiting for an operator.
    InReview,
    Approved,
    Rejected,
    /// Approved, and the holder confirmed the extracted data.
    Confirmed,
    /// Approved, but the holder said the extracted data are not correct.
    Disputed,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ImageSide", remote = "crate::identity::ImageSide")]
pub enum ImageSideGql {
    Front,
    Back,
    Selfie,
}

/// How a declared name compares with the one read from the document.
// Deserialised from the stored check results, which the domain type wrote.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[graphql(name = "NameAgreement", remote = "crate::identity::ocr::NameAgreement")]
pub enum NameAgreementGql {
    /// Equal as the MRZ prints names (or a prefix of a truncated field).
    Exact,
    /// Equal once the letters OCR confuses with fillers (`K`) are set aside, or the
    /// declared names followed by more (other given names, a stray letter).
    Likely,
    Different,
}

/// What happened to an identity verification, for its holder's page and the operators' queue.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "IdentityEventKind",
    remote = "crate::events::IdentityEventKind"
)]
pub enum IdentityEventKindGql {
    Started,
    /// The phone opened the hand-off link.
    PhoneConnected,
    ImageReceived,
    /// "Documents reçus": submitted, the automatic checks start.
    DocumentsReceived,
    /// "Vérification en cours": waiting for an operator.
    InReview,
    Approved,
    Rejected,
    Confirmed,
    Disputed,
}

/// Data read from the document's machine-readable zone.
#[derive(SimpleObject, serde::Deserialize)]
pub struct ExtractedIdentity {
    pub surname: String,
    pub given_names: String,
    pub document_number: String,
    pub issuing_state: String,
    pub nationality: String,
    pub birth_date: NaiveDate,
    pub expiry_date: NaiveDate,
}

/// What the automatic checks found; a field is null when the MRZ could not be read.
#[derive(SimpleObject, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResults {
    /// Why the MRZ could not be read, when it could not.
    pub mrz_error: Option<String>,
    pub document_kind_matches: Option<bool>,
    pub last_name: Option<NameAgreementGql>,
    pub first_name: Option<NameAgreementGql>,
    pub birth_date_matches: Option<bool>,
    pub expired: Option<bool>,
}

pub struct IdentityVerification(pub VerificationRow);

#[Object]
impl IdentityVerification {
    async fn id(&self) -> Uuid {
        self.0.id.into_uuid()
    }
    async fn status(&self) -> VerificationStatusGql {
        self.0.status().into()
    }
    async fn document_type(&self) -> DocumentTypeGql {
        self.0.document_type().into()
    }
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    async fn birth_date(&self) -> NaiveDate {
        self.0.birth_date
    }
    /// Set by the automatic checks when an operator should look twice.
    async fn flagged(&self) -> bool {
        self.0.flagged
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// `IDENTITY_MISMATCH`, `DOCUMENT_EXPIRED` (automatic checks) or `OPERATOR_REJECTED`.
    async fn rejection_code(&self) -> Option<&str> {
        self.0.rejection_code.as_deref()
    }
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }
    async fn extracted(&self) -> Option<ExtractedIdentity> {
        self.0
            .mrz
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
    }
    async fn checks(&self) -> Option<CheckResults> {
        self.0
            .checks
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
    }
    /// The sides sent so far.
    async fn images(&self, ctx: &Context<'_>) -> ApiResult<Vec<ImageSideGql>> {
        let present =
            verification::images_present(&mut *ctx.db().acquire().await?, self.0.id).await?;
        Ok(present.into_iter().map(Into::into).collect())
    }
    /// Where an operator views an image (only while the verification is in review).
    async fn image_url(&self, side: ImageSideGql) -> String {
        let side = ImageSide::from(side);
        format!("/api/identity/{}/images/{}", self.0.id, side.as_str())
    }
}

/// What the phone's capture page needs.
#[derive(SimpleObject)]
pub struct CaptureSession {
    pub first_name: String,
    pub document_type: DocumentTypeGql,
    pub needs_back: bool,
}

#[derive(SimpleObject)]
pub struct CaptureLink {
    /// The address the QR code holds.
    pub url: String,
    /// The QR code, as an SVG document.
    pub qr_svg: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(InputObject)]
pub struct StartIdentityVerificationInput {
    pub document_type: DocumentTypeGql,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    /// For a qualified certificate (`true`) or an advanced one.
    #[graphql(default)]
    pub qualified: bool,
}

#[derive(SimpleObject)]
pub struct IdentityEvent {
    pub verification_id: Uuid,
    pub kind: IdentityEventKindGql,
}

async fn read_upload(ctx: &Context<'_>, file: Upload) -> ApiResult<Vec<u8>> {
    let upload = file
        .value(ctx)
        .map_err(|e| ApiError::validation(format!("fichier illisible : {e}")))?;
    tokio::task::spawn_blocking(move || {
        let mut content = Vec::new();
        // One byte over the limit is enough to refuse it.
        std::io::Read::read_to_end(
            &mut std::io::Read::take(upload.into_read(), super::MAX_IMAGE_BYTES as u64 + 1),
            &mut content,
        )
        .map(|_| content)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&e))
}

/// Starts the automatic checks in the background; the holder follows them live.
fn spawn_checks(ctx: &Context<'_>, id: VerificationId) {
    let (db, bus, config) = (ctx.db().clone(), ctx.bus().clone(), ctx.config().clone());
    tokio::spawn(async move {
        if let Err(error) = super::pipeline::check(&db, &bus, &config, id).await {
            // The periodic job retries what is still `checking`.
            tracing::error!(%error, verification = %id, "automatic identity checks failed");
        }
    });
}

pub fn qr_svg(url: &str) -> ApiResult<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| ApiError::internal(&e))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build())
}

#[Object]
impl IdentityQuery {
    /// The viewer's latest identity verification.
    async fn my_identity_verification(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<IdentityVerification>> {
        let viewer = ctx.viewer()?;
        Ok(verification::latest(ctx.db(), viewer.user_id)
            .await?
            .map(IdentityVerification))
    }

    /// Verifications waiting for an operator (operators only), oldest first.
    async fn verification_queue(&self, ctx: &Context<'_>) -> ApiResult<Vec<IdentityVerification>> {
        let viewer = ctx.viewer()?;
        verification::require_operator(ctx.db(), viewer.user_id).await?;
        Ok(verification::queue(ctx.db())
            .await?
            .into_iter()
            .map(IdentityVerification)
            .collect())
    }

    /// One verification: its holder's, or any for an operator.
    async fn identity_verification(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> ApiResult<IdentityVerification> {
        let id = VerificationId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let row = match verification::owned(ctx.db(), viewer.user_id, id).await {
            Err(IdentityError::NotFound) => {
                verification::require_operator(ctx.db(), viewer.user_id)
                    .await
                    .map_err(|_| IdentityError::NotFound)?;
                verification::get(&mut *ctx.db().acquire().await?, id).await?
            }
            other => other?,
        };
        Ok(IdentityVerification(row))
    }
}

#[Object]
impl IdentityMutation {
    async fn start_identity_verification(
        &self,
        ctx: &Context<'_>,
        input: StartIdentityVerificationInput,
    ) -> ApiResult<IdentityVerification> {
        let viewer = ctx.viewer()?;
        let declaration = Declaration {
            purpose: if input.qualified { "qcp" } else { "lcp" },
            document_type: input.document_type.into(),
            first_name: input.first_name,
            last_name: input.last_name,
            birth_date: input.birth_date,
        };
        let row = verification::start(ctx.db(), viewer.user_id, declaration, &ctx.meta()).await?;
        verification::announce(ctx.bus(), &row, IdentityEventKind::Started).await;
        Ok(IdentityVerification(row))
    }

    /// Sends one image from the desktop (JPEG, PNG or PDF, 10 MB at most).
    async fn upload_identity_image(
        &self,
        ctx: &Context<'_>,
        verification_id: Uuid,
        side: ImageSideGql,
        file: Upload,
    ) -> ApiResult<IdentityVerification> {
        let verification_id = VerificationId::from_uuid(verification_id);
        let viewer = ctx.viewer()?;
        let bytes = read_upload(ctx, file).await?;
        let row = verification::add_image(
            ctx.db(),
            &ctx.config().key_encryption_key,
            viewer.user_id,
            verification_id,
            side.into(),
            &bytes,
            &ctx.meta(),
        )
        .await?;
        verification::announce(ctx.bus(), &row, IdentityEventKind::ImageReceived).await;
        Ok(IdentityVerification(row))
    }

    /// Sends the images for checking ("Documents reçus").
    async fn submit_identity_verification(
        &self,
        ctx: &Context<'_>,
        verification_id: Uuid,
    ) -> ApiResult<IdentityVerification> {
        let verification_id = VerificationId::from_uuid(verification_id);
        let viewer = ctx.viewer()?;
        let row =
            verification::submit(ctx.db(), viewer.user_id, verification_id, &ctx.meta()).await?;
        verification::announce(ctx.bus(), &row, IdentityEventKind::DocumentsReceived).await;
        spawn_checks(ctx, row.id);
        Ok(IdentityVerification(row))
    }

    /// A QR code for continuing on a phone: single use, valid 15 minutes.
    async fn create_capture_link(
        &self,
        ctx: &Context<'_>,
        verification_id: Uuid,
    ) -> ApiResult<CaptureLink> {
        let verification_id = VerificationId::from_uuid(verification_id);
        let viewer = ctx.viewer()?;
        let link = verification::create_capture_link(
            ctx.db(),
            &ctx.config().public_url,
            viewer.user_id,
            verification_id,
            &ctx.meta(),
        )
        .await?;
        Ok(CaptureLink {
            qr_svg: qr_svg(&link.url)?,
            url: link.url,
            expires_at: link.expires_at,
        })
    }

    /// The phone opened the hand-off link (no account needed: the link is the credential).
    async fn open_capture(&self, ctx: &Context<'_>, token: String) -> ApiResult<CaptureSession> {
        let row = verification::open_capture(ctx.db(), ctx.bus(), &token, &ctx.meta()).await?;
        Ok(CaptureSession {
            first_name: row.first_name.clone(),
            document_type: row.document_type().into(),
            needs_back: row.document_type().needs_back(),
        })
    }

    async fn capture_identity_image(
        &self,
        ctx: &Context<'_>,
        token: String,
        side: ImageSideGql,
        file: Upload,
    ) -> ApiResult<bool> {
        let bytes = read_upload(ctx, file).await?;
        let row = verification::capture_image(
            ctx.db(),
            &ctx.config().key_encryption_key,
            &token,
            side.into(),
            &bytes,
            &ctx.meta(),
        )
        .await?;
        verification::announce(ctx.bus(), &row, IdentityEventKind::ImageReceived).await;
        Ok(true)
    }

    /// The phone has sent everything: the link dies and the checks start.
    async fn finish_capture(&self, ctx: &Context<'_>, token: String) -> ApiResult<bool> {
        let row = verification::finish_capture(ctx.db(), &token, &ctx.meta()).await?;
        verification::announce(ctx.bus(), &row, IdentityEventKind::DocumentsReceived).await;
        spawn_checks(ctx, row.id);
        Ok(true)
    }

    async fn approve_identity_verification(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> ApiResult<IdentityVerification> {
        let id = VerificationId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let row = verification::decide(
            ctx.db(),
            ctx.bus(),
            ctx.config(),
            viewer.user_id,
            id,
            Decision::Approve,
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        Ok(IdentityVerification(row))
    }

    async fn reject_identity_verification(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        reason: String,
    ) -> ApiResult<IdentityVerification> {
        let id = VerificationId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let row = verification::decide(
            ctx.db(),
            ctx.bus(),
            ctx.config(),
            viewer.user_id,
            id,
            Decision::Reject(reason),
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        Ok(IdentityVerification(row))
    }

    /// "Confirmer ces données" (`correct: true`) / "Ces données ne sont pas correctes".
    async fn confirm_identity_data(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        correct: bool,
    ) -> ApiResult<IdentityVerification> {
        let id = VerificationId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let row = verification::confirm(
            ctx.db(),
            ctx.bus(),
            viewer.user_id,
            id,
            correct,
            &ctx.meta(),
        )
        .await?;
        if row.status() == VerificationStatus::Confirmed {
            // Enrolment may have waited only for this to issue the certificate.
            crate::certificates::enrolment::issue_when_ready(
                ctx.db(),
                ctx.pki(),
                ctx.config(),
                viewer.user_id,
            )
            .await?;
            ctx.wake_outbox();
        }
        Ok(IdentityVerification(row))
    }
}

/// A verification's events are for its holder and for operators; anyone else is told it
/// does not exist.
async fn may_follow(
    db: &sqlx::PgPool,
    user_id: UserId,
    verification_id: VerificationId,
) -> Result<(), IdentityError> {
    match verification::owned(db, user_id, verification_id).await {
        Ok(_) => Ok(()),
        Err(IdentityError::NotFound) => verification::require_operator(db, user_id)
            .await
            .map_err(|_| IdentityError::NotFound),
        Err(error) => Err(error),
    }
}

#[Subscription]
impl IdentitySubscription {
    /// Progress of one verification, for its holder (and operators).
    async fn identity_verification_events(
        &self,
        ctx: &Context<'_>,
        verification_id: Uuid,
    ) -> Result<impl Stream<Item = IdentityEvent>, ApiError> {
        let verification_id = VerificationId::from_uuid(verification_id);
        let viewer = ctx.viewer()?;
        let (db, user_id) = (ctx.db().clone(), viewer.user_id);
        may_follow(&db, user_id, verification_id).await?;
        let mut events = ctx.bus().subscribe();
        Ok(async_stream::stream! {
            while let Some(event) = crate::events::next(&mut events).await {
                if let DomainEvent::Identity { change, .. } = event {
                    if change.verification_id != verification_id {
                        continue;
                    }
                    // Checked at each event, as at subscription: an operator who lost the
                    // role hears nothing more.
                    if may_follow(&db, user_id, verification_id).await.is_err() {
                        break;
                    }
                    yield IdentityEvent { verification_id: verification_id.into_uuid(), kind: change.kind.into() };
                }
            }
        })
    }

    /// Every change to any verification, for the operators' queue page.
    async fn verification_queue_events(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = IdentityEvent>, ApiError> {
        let viewer = ctx.viewer()?;
        verification::require_operator(ctx.db(), viewer.user_id).await?;
        let (db, user_id) = (ctx.db().clone(), viewer.user_id);
        let mut events = ctx.bus().subscribe();
        Ok(async_stream::stream! {
            while let Some(event) = crate::events::next(&mut events).await {
                if let DomainEvent::Identity { change, .. } = event {
                    // Access is never cached: an operator who lost the role hears nothing more.
                    if verification::require_operator(&db, user_id).await.is_err() {
                        break;
                    }
                    yield IdentityEvent {
                        verification_id: change.verification_id.into_uuid(),
                        kind: change.kind.into(),
                    };
                }
            }
        })
    }
}
