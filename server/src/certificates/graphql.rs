//! The enrolment wizard and "Ma signature personnelle" through GraphQL.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::enrolment::{self, Profile};
use super::CertificateRow;
use crate::collections::graphql::CodeSent;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::identity::graphql::IdentityVerification;
use crate::ids::{CabinetId, CertificateId, QcpRequestId};
use crate::pki::RevocationReason;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "EnrolmentStep",
    remote = "crate::certificates::enrolment::EnrolmentStep"
)]
pub enum EnrolmentStepGql {
    /// Confirm first name, last name and mobile.
    Profile,
    /// Send an identity document (again, after a rejection or disputed data).
    Identity,
    /// Read and sign the subscription agreement.
    Agreement,
    /// Waiting for the operator, or for the holder to confirm the extracted data.
    InProgress,
    /// The certificate is issued.
    Completed,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "QcpStep", remote = "crate::certificates::qcp::QcpStep")]
pub enum QcpStepGql {
    /// Enter the code sent by email.
    Access,
    /// Confirm name and mobile (as on the LCP) and consent.
    Details,
    /// Send an identity document (again, after a rejection or disputed data).
    Identity,
    /// The document is being checked or reviewed.
    Verifying,
    /// Confirm the data read from the document.
    ConfirmData,
    /// Read the certificate request and sign it with the SMS code.
    Sign,
    /// The certificate is issued.
    Issued,
}

#[derive(Default)]
pub struct CertificatesQuery;

#[derive(Default)]
pub struct CertificatesMutation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CertificateLevel {
    /// Advanced signature (LCP).
    Lcp,
    /// Qualified certificate (QCP).
    Qcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CertificateStatus {
    Valid,
    Revoked,
    Expired,
}

/// Why the holder revokes (RFC 5280 reasons a holder may give).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RevocationReasonInput {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
}

impl From<RevocationReasonInput> for RevocationReason {
    fn from(reason: RevocationReasonInput) -> Self {
        match reason {
            RevocationReasonInput::Unspecified => RevocationReason::Unspecified,
            RevocationReasonInput::KeyCompromise => RevocationReason::KeyCompromise,
            RevocationReasonInput::AffiliationChanged => RevocationReason::AffiliationChanged,
            RevocationReasonInput::Superseded => RevocationReason::Superseded,
            RevocationReasonInput::CessationOfOperation => RevocationReason::CessationOfOperation,
        }
    }
}

/// One of the holder's certificates.
pub struct PersonalCertificate(CertificateRow);

#[Object]
impl PersonalCertificate {
    async fn id(&self) -> Uuid {
        self.0.id.into_uuid()
    }
    async fn level(&self) -> CertificateLevel {
        match self.0.level() {
            crate::pki::Level::Qcp => CertificateLevel::Qcp,
            _ => CertificateLevel::Lcp,
        }
    }
    async fn status(&self) -> CertificateStatus {
        if self.0.revoked_at.is_some() {
            CertificateStatus::Revoked
        } else if self.0.not_after <= Utc::now() {
            CertificateStatus::Expired
        } else {
            CertificateStatus::Valid
        }
    }
    /// Hexadecimal, as validators show it.
    async fn serial(&self) -> String {
        hex::encode_upper(&self.0.serial)
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    async fn issuer(&self) -> ApiResult<String> {
        Ok(self.0.parsed()?.tbs_certificate.issuer.to_string())
    }
    async fn not_before(&self) -> ApiResult<DateTime<Utc>> {
        Ok(DateTime::<Utc>::from(
            self.0
                .parsed()?
                .tbs_certificate
                .validity
                .not_before
                .to_system_time(),
        ))
    }
    async fn not_after(&self) -> DateTime<Utc> {
        self.0.not_after
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    async fn revocation_reason(&self) -> Option<&str> {
        self.0.revocation_reason.as_deref()
    }
    /// The certificate in PEM, for download.
    async fn download_url(&self) -> String {
        format!("/api/certificates/{}.pem", self.0.id)
    }
}

/// Where the viewer stands in the first-login wizard.
pub struct Enrolment(enrolment::Enrolment);

#[Object]
impl Enrolment {
    async fn step(&self) -> EnrolmentStepGql {
        self.0.step.into()
    }
    async fn profile_confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.profile_confirmed_at
    }
    async fn agreement_signed_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.agreement_signed_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.completed_at
    }
    /// The agreement as a PDF: the text to sign, then the signed copy.
    async fn agreement_url(&self) -> &'static str {
        "/api/enrolment/agreement.pdf"
    }
    /// The agreement's articles, to show on screen, in the viewer's language (the one the
    /// PDF they sign is in).
    async fn agreement_articles(&self, ctx: &Context<'_>) -> ApiResult<Vec<AgreementArticle>> {
        let mut conn = ctx.db().acquire().await?;
        let language = crate::accounts::language_of(&mut conn, ctx.viewer()?.user_id).await?;
        Ok(super::agreement::articles(language)
            .into_iter()
            .map(|(heading, text)| AgreementArticle {
                heading: heading.into(),
                text: text.into(),
            })
            .collect())
    }
    /// The latest identity verification made for this certificate.
    async fn verification(&self) -> Option<IdentityVerification> {
        self.0.verification.clone().map(IdentityVerification)
    }
    async fn certificate(&self) -> Option<PersonalCertificate> {
        self.0.certificate.clone().map(PersonalCertificate)
    }
}

#[derive(SimpleObject)]
pub struct AgreementArticle {
    pub heading: String,
    pub text: String,
}

#[derive(InputObject)]
pub struct ProfileInput {
    pub first_name: String,
    pub last_name: String,
    /// E.164, e.g. +33612345678. Mandatory.
    pub mobile: String,
}

/// A qualified certificate subscription in progress (or the last one issued).
pub struct QcpSubscription(super::qcp::QcpRequest);

#[Object]
impl QcpSubscription {
    async fn id(&self) -> Uuid {
        self.0.row.id.into_uuid()
    }
    async fn step(&self) -> QcpStepGql {
        self.0.step.into()
    }
    /// The cabinet whose credit pays the 20 €.
    async fn cabinet_id(&self) -> Uuid {
        self.0.row.cabinet_id.into_uuid()
    }
    async fn cabinet_name(&self) -> &str {
        &self.0.row.cabinet_name
    }
    async fn price_cents(&self) -> i64 {
        crate::billing::QCP_CENTS
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
    async fn signed_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.signed_at
    }
    /// The identity verification made for this request.
    async fn verification(&self) -> Option<IdentityVerification> {
        self.0.verification.clone().map(IdentityVerification)
    }
}

#[derive(InputObject)]
pub struct QcpDetailsInput {
    pub first_name: String,
    pub last_name: String,
    pub mobile: String,
    /// "J'accepte que les données de ma pièce d'identité soient traitées…" and the CGU.
    pub accept_terms: bool,
    /// "Je consens au traitement de mes données personnelles…".
    pub accept_privacy_policy: bool,
}

#[Object]
impl CertificatesQuery {
    /// The viewer's qualified certificate subscription, if any.
    async fn my_qcp_subscription(&self, ctx: &Context<'_>) -> ApiResult<Option<QcpSubscription>> {
        let viewer = ctx.viewer()?;
        Ok(super::qcp::latest(ctx.db(), viewer.user_id)
            .await?
            .map(QcpSubscription))
    }

    async fn my_enrolment(&self, ctx: &Context<'_>) -> ApiResult<Enrolment> {
        let viewer = ctx.viewer()?;
        Ok(Enrolment(enrolment::state(ctx.db(), viewer.user_id).await?))
    }

    /// "Ma signature personnelle": the viewer's certificates, newest first.
    async fn my_certificates(&self, ctx: &Context<'_>) -> ApiResult<Vec<PersonalCertificate>> {
        let viewer = ctx.viewer()?;
        Ok(super::list(ctx.db(), viewer.user_id)
            .await?
            .into_iter()
            .map(PersonalCertificate)
            .collect())
    }
}

#[Object]
impl CertificatesMutation {
    /// Step 1: confirm the profile; the mobile is mandatory.
    async fn confirm_profile(
        &self,
        ctx: &Context<'_>,
        input: ProfileInput,
    ) -> ApiResult<Enrolment> {
        let viewer = ctx.viewer()?;
        enrolment::confirm_profile(
            ctx.db(),
            viewer.user_id,
            Profile {
                first_name: input.first_name,
                last_name: input.last_name,
                mobile: input.mobile,
            },
            &ctx.meta(),
        )
        .await?;
        Ok(Enrolment(enrolment::state(ctx.db(), viewer.user_id).await?))
    }

    /// "J'ai lu et j'accepte": sends the SMS code that signs the agreement (30 minutes).
    async fn accept_agreement(&self, ctx: &Context<'_>) -> ApiResult<CodeSent> {
        let viewer = ctx.viewer()?;
        let sent = enrolment::accept_agreement(
            ctx.db(),
            &ctx.config().key_encryption_key,
            viewer.user_id,
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        Ok(CodeSent {
            expires_at: sent.expires_at,
            mobile_hint: sent.mobile_hint,
        })
    }

    /// The SMS code signs the agreement; the certificate follows once the identity is
    /// approved and its data confirmed.
    async fn sign_agreement(&self, ctx: &Context<'_>, code: String) -> ApiResult<Enrolment> {
        let viewer = ctx.viewer()?;
        let result = enrolment::sign_agreement(
            ctx.db(),
            ctx.pki(),
            ctx.config(),
            viewer.user_id,
            &code,
            &ctx.meta(),
        )
        .await;
        ctx.wake_outbox();
        result?;
        Ok(Enrolment(enrolment::state(ctx.db(), viewer.user_id).await?))
    }

    /// "Souscrire à un certificat qualifié": `cabinetId` pays 20 € (refused with
    /// `INSUFFICIENT_CREDIT` before anything else); a code valid 3 minutes goes by email.
    async fn start_qcp_subscription(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
    ) -> ApiResult<QcpSubscription> {
        let cabinet_id = CabinetId::from_uuid(cabinet_id);
        let viewer = ctx.viewer()?;
        let request = super::qcp::start(
            ctx.db(),
            &ctx.config().key_encryption_key,
            viewer.user_id,
            cabinet_id,
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        Ok(QcpSubscription(request))
    }

    /// "Renvoyer le code" (email).
    async fn resend_qcp_access_code(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> ApiResult<DateTime<Utc>> {
        let id = QcpRequestId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let expires_at = super::qcp::resend_access_code(
            ctx.db(),
            &ctx.config().key_encryption_key,
            viewer.user_id,
            id,
        )
        .await?;
        ctx.wake_outbox();
        Ok(expires_at)
    }

    /// The email code opens the subscription.
    async fn open_qcp_subscription(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        code: String,
    ) -> ApiResult<QcpSubscription> {
        let id = QcpRequestId::from_uuid(id);
        let viewer = ctx.viewer()?;
        Ok(QcpSubscription(
            super::qcp::grant_access(
                ctx.db(),
                &ctx.config().key_encryption_key,
                viewer.user_id,
                id,
                &code,
                &ctx.meta(),
            )
            .await?,
        ))
    }

    /// Name and mobile as on the LCP certificate, and both consents.
    async fn confirm_qcp_details(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        input: QcpDetailsInput,
    ) -> ApiResult<QcpSubscription> {
        let id = QcpRequestId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let details = super::qcp::Details {
            first_name: input.first_name,
            last_name: input.last_name,
            mobile: input.mobile,
            accept_terms: input.accept_terms,
            accept_privacy_policy: input.accept_privacy_policy,
        };
        Ok(QcpSubscription(
            super::qcp::confirm_details(ctx.db(), viewer.user_id, id, details, &ctx.meta()).await?,
        ))
    }

    /// "J'ai lu et j'accepte le document": an SMS code valid 3 minutes.
    async fn request_qcp_signing_code(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<CodeSent> {
        let id = QcpRequestId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let sent = super::qcp::request_signing_code(
            ctx.db(),
            &ctx.config().key_encryption_key,
            viewer.user_id,
            id,
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        Ok(CodeSent {
            expires_at: sent.expires_at,
            mobile_hint: sent.mobile_hint,
        })
    }

    /// Signs the certificate request: the cabinet is debited and the QCP issued.
    async fn sign_qcp_request(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        code: String,
    ) -> ApiResult<QcpSubscription> {
        let id = QcpRequestId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let result = super::qcp::sign_request(
            ctx.db(),
            ctx.pki(),
            ctx.config(),
            viewer.user_id,
            id,
            &code,
            &ctx.meta(),
        )
        .await;
        ctx.wake_outbox();
        Ok(QcpSubscription(result?.0))
    }

    /// "Révoquer mon certificat": at once in OCSP and the CRL; it signs nothing more.
    async fn revoke_my_certificate(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        reason: RevocationReasonInput,
    ) -> ApiResult<PersonalCertificate> {
        let id = CertificateId::from_uuid(id);
        let viewer = ctx.viewer()?;
        let row = super::revoke(
            ctx.db(),
            ctx.pki(),
            viewer.user_id,
            id,
            reason.into(),
            &ctx.meta(),
        )
        .await?;
        ctx.wake_outbox();
        Ok(PersonalCertificate(row))
    }
}
