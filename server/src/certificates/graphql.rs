//! The enrolment wizard and "Ma signature personnelle" through GraphQL.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::enrolment::{self, EnrolmentStep, Profile};
use super::CertificateRow;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::identity::graphql::IdentityVerification;
use crate::pki::RevocationReason;

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
        self.0.id
    }
    async fn level(&self) -> CertificateLevel {
        if self.0.level == "qcp" {
            CertificateLevel::Qcp
        } else {
            CertificateLevel::Lcp
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
        Ok(DateTime::<Utc>::from(self.0.parsed()?.tbs_certificate.validity.not_before.to_system_time()))
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
    async fn step(&self) -> EnrolmentStep {
        self.0.step
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
    /// The agreement's articles, to show on screen.
    async fn agreement_articles(&self) -> Vec<AgreementArticle> {
        super::agreement::articles().into_iter().map(|(heading, text)| AgreementArticle { heading: heading.into(), text: text.into() }).collect()
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

#[derive(SimpleObject)]
pub struct AgreementCodeSent {
    pub expires_at: DateTime<Utc>,
    /// The mobile number, mostly hidden ("+336•••••78").
    pub mobile_hint: String,
}

#[derive(InputObject)]
pub struct ProfileInput {
    pub first_name: String,
    pub last_name: String,
    /// E.164, e.g. +33612345678. Mandatory.
    pub mobile: String,
}

#[Object]
impl CertificatesQuery {
    async fn my_enrolment(&self, ctx: &Context<'_>) -> ApiResult<Enrolment> {
        let viewer = ctx.viewer()?;
        Ok(Enrolment(enrolment::state(ctx.db(), viewer.user_id).await?))
    }

    /// "Ma signature personnelle": the viewer's certificates, newest first.
    async fn my_certificates(&self, ctx: &Context<'_>) -> ApiResult<Vec<PersonalCertificate>> {
        let viewer = ctx.viewer()?;
        Ok(super::list(ctx.db(), viewer.user_id).await?.into_iter().map(PersonalCertificate).collect())
    }
}

#[Object]
impl CertificatesMutation {
    /// Step 1: confirm the profile; the mobile is mandatory.
    async fn confirm_profile(&self, ctx: &Context<'_>, input: ProfileInput) -> ApiResult<Enrolment> {
        let viewer = ctx.viewer()?;
        enrolment::confirm_profile(ctx.db(), viewer.user_id, Profile { first_name: input.first_name, last_name: input.last_name, mobile: input.mobile }, &ctx.meta()).await?;
        Ok(Enrolment(enrolment::state(ctx.db(), viewer.user_id).await?))
    }

    /// "J'ai lu et j'accepte": sends the SMS code that signs the agreement (30 minutes).
    async fn accept_agreement(&self, ctx: &Context<'_>) -> ApiResult<AgreementCodeSent> {
        let viewer = ctx.viewer()?;
        let sent = enrolment::accept_agreement(ctx.db(), viewer.user_id, &ctx.meta()).await?;
        ctx.wake_outbox();
        Ok(AgreementCodeSent { expires_at: sent.expires_at, mobile_hint: sent.mobile_hint })
    }

    /// The SMS code signs the agreement; the certificate follows once the identity is
    /// approved and its data confirmed.
    async fn sign_agreement(&self, ctx: &Context<'_>, code: String) -> ApiResult<Enrolment> {
        let viewer = ctx.viewer()?;
        let result = enrolment::sign_agreement(ctx.db(), ctx.pki(), ctx.config(), viewer.user_id, &code, &ctx.meta()).await;
        ctx.wake_outbox();
        result?;
        Ok(Enrolment(enrolment::state(ctx.db(), viewer.user_id).await?))
    }

    /// "Révoquer mon certificat": at once in OCSP and the CRL; it signs nothing more.
    async fn revoke_my_certificate(&self, ctx: &Context<'_>, id: Uuid, reason: RevocationReasonInput) -> ApiResult<PersonalCertificate> {
        let viewer = ctx.viewer()?;
        let row = super::revoke(ctx.db(), ctx.pki(), viewer.user_id, id, reason.into(), &ctx.meta()).await?;
        ctx.wake_outbox();
        Ok(PersonalCertificate(row))
    }
}
