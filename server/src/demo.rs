//! `paraphe-server seed-demo`: a cabinet to try Paraphe with, created once.

use paraphe_shared::{Email, PersonName, PhoneE164, Role};
use sqlx::PgPool;

use crate::accounts::{self, NewUser};
use crate::cabinets;
use crate::certificates;
use crate::config::Config;
use crate::ids::{CabinetId, UserId};
use crate::pki::Level;

pub const CABINET_NAME: &str = "Cabinet Démo";
pub const CABINET_SIREN: &str = "123456782";
pub const DEMO_CREDIT_CENTS: i64 = 10_000;

pub struct DemoPerson {
    pub email: &'static str,
    pub password: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub mobile: &'static str,
}

pub const ACCOUNTANT: DemoPerson = DemoPerson {
    email: "expert@demo.paraphe.fr",
    password: "demo-expert-2026",
    first_name: "Claire",
    last_name: "Martin",
    mobile: "+33612345678",
};

pub const COLLABORATOR: DemoPerson = DemoPerson {
    email: "collaborateur@demo.paraphe.fr",
    password: "demo-collab-2026",
    first_name: "Hugo",
    last_name: "Bernard",
    mobile: "+33698765432",
};

/// Reviews identity documents in the back office; belongs to no cabinet.
pub const OPERATOR: DemoPerson = DemoPerson {
    email: "operateur@demo.paraphe.fr",
    password: "demo-operateur-2026",
    first_name: "Inès",
    last_name: "Lefèvre",
    mobile: "+33611223344",
};

/// Runs the demo platform: reads the development outbox (`/dev/outbox`) when the server
/// shows it; belongs to no cabinet.
pub const PLATFORM_ADMIN: DemoPerson = DemoPerson {
    email: "plateforme@demo.paraphe.fr",
    password: "demo-plateforme-2026",
    first_name: "Paul",
    last_name: "Roux",
    mobile: "+33600000001",
};

async fn ensure_user(db: &PgPool, person: &DemoPerson) -> anyhow::Result<UserId> {
    let email = Email::parse(person.email)?;
    if let Some(user) = accounts::user_by_email(db, &email).await? {
        return Ok(user.id);
    }
    let user = accounts::create_user(
        db,
        NewUser {
            email,
            first_name: PersonName::parse(person.first_name)?,
            last_name: PersonName::parse(person.last_name)?,
            mobile: Some(PhoneE164::parse(person.mobile)?),
            password: Some(person.password.to_owned()),
        },
    )
    .await?;
    Ok(user.id)
}

/// The demo accountant arrives enrolled (an LCP certificate, as if verified), so that
/// "add me" signs at once; the collaborator enrols through the wizard.
async fn ensure_enrolled(
    db: &PgPool,
    config: &Config,
    user_id: UserId,
    person: &DemoPerson,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    if certificates::live(&mut tx, user_id, Level::Lcp)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let pki = crate::app::pki(config, db).await?;
    let identity =
        certificates::person_of(&mut tx, user_id, person.first_name, person.last_name).await?;
    let certificate = certificates::issue(
        &mut tx,
        &pki,
        &config.key_encryption_key,
        user_id,
        Level::Lcp,
        &identity,
        None,
    )
    .await?;
    sqlx::query!(
        "INSERT INTO enrolments (user_id, profile_confirmed_at, certificate_id, completed_at) VALUES ($1, now(), $2, now())
         ON CONFLICT (user_id) DO UPDATE SET certificate_id = $2, completed_at = now(), updated_at = now()",
        user_id.as_uuid(),
        certificate.id.as_uuid(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates the demo cabinet, its two people, an operator and a platform administrator if
/// missing; safe to run again.
pub async fn seed(db: &PgPool, config: &Config) -> anyhow::Result<()> {
    let accountant = ensure_user(db, &ACCOUNTANT).await?;
    let collaborator = ensure_user(db, &COLLABORATOR).await?;
    let operator = ensure_user(db, &OPERATOR).await?;
    sqlx::query!(
        "UPDATE users SET is_operator = true WHERE id = $1",
        operator.as_uuid()
    )
    .execute(db)
    .await?;
    let admin = ensure_user(db, &PLATFORM_ADMIN).await?;
    sqlx::query!(
        "UPDATE users SET is_platform_admin = true WHERE id = $1",
        admin.as_uuid()
    )
    .execute(db)
    .await?;
    ensure_enrolled(db, config, accountant, &ACCOUNTANT).await?;
    let existing = sqlx::query_scalar!(
        r#"SELECT id AS "id: CabinetId" FROM cabinets WHERE siren = $1"#,
        CABINET_SIREN
    )
    .fetch_optional(db)
    .await?;
    let cabinet = match existing {
        Some(id) => id,
        None => cabinets::create_cabinet(db, CABINET_NAME, Some(CABINET_SIREN), accountant).await?,
    };
    cabinets::add_member(db, cabinet, accountant, Role::Accountant).await?;
    cabinets::add_member(db, cabinet, collaborator, Role::Collaborator).await?;
    // Prepaid credit to try collections with (400 signatures), given once.
    let credited = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM credit_ledger WHERE cabinet_id = $1) AS "credited!""#,
        cabinet.as_uuid(),
    )
    .fetch_one(db)
    .await?;
    if !credited {
        crate::billing::credit(
            db,
            cabinet,
            DEMO_CREDIT_CENTS,
            "crédit de démonstration",
            None,
        )
        .await?;
    }
    Ok(())
}
