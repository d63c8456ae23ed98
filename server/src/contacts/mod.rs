//! A cabinet's contacts: the people it asks to sign, kept for reuse (name, email, mobile,
//! the client's reference in the cabinet's books, the company they sign for).
//!
//! This module owns the `contacts` table: the contacts page's list, search, creation,
//! edits and deletions, the CSV import and export (`csv_file.rs`), and what collections
//! need when a contact signs (`for_signer`, `remember`). Collections call into it, never
//! the reverse. A signer keeps its own copy of the name, email and mobile, and
//! `signers.contact_id` is `ON DELETE SET NULL`: deleting a contact leaves every
//! collection it signed, or is asked to sign, as it was.
//!
//! Every function acting for a member takes a [`CabinetScope`]; the API asks for the
//! `prepare` delegation (whoever prepares collections manages the contacts they use).

pub mod csv_file;
pub mod graphql;
pub mod http;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use paraphe_shared::{ClientReference, Company, Email, PersonName, PhoneE164, ValidationError};
use sqlx::{PgConnection, PgPool};

use crate::cabinets::access::{self, AccessError, CabinetScope, Need};
use crate::ids::{ContactId, UserId};
use csv_file::{CsvError, Outcome, Plan};

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("introuvable")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("un autre contact du cabinet a déjà l'adresse {0}")]
    EmailTaken(String),
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = ContactError> = std::result::Result<T, E>;

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// E.164 (`+33612345678`).
    pub mobile: String,
    /// Empty when none.
    pub client_reference: String,
    /// Empty for a private person.
    pub company: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A contact's fields, each checked (the app checks them with the same types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub email: Email,
    pub mobile: PhoneE164,
    pub client_reference: ClientReference,
    pub company: Company,
}

impl ContactDetails {
    pub fn parse(
        first_name: &str,
        last_name: &str,
        email: &str,
        mobile: &str,
        client_reference: &str,
        company: &str,
    ) -> Result<Self, ValidationError> {
        Ok(ContactDetails {
            first_name: PersonName::parse(first_name)?,
            last_name: PersonName::parse(last_name)?,
            email: Email::parse(email)?,
            mobile: PhoneE164::parse(mobile)?,
            client_reference: ClientReference::parse(client_reference)?,
            company: Company::parse(company)?,
        })
    }
}

/// The scope of the cabinet a contact belongs to, for `user_id` with `needs`; a contact of
/// a cabinet they cannot see is `NotFound`, as if it did not exist.
pub async fn scoped(
    db: &PgPool,
    user_id: UserId,
    contact_id: ContactId,
    needs: &[Need],
) -> Result<CabinetScope> {
    let cabinet_id = sqlx::query_scalar!(
        r#"SELECT cabinet_id AS "cabinet_id: crate::ids::CabinetId" FROM contacts WHERE id = $1"#,
        contact_id.as_uuid(),
    )
    .fetch_optional(db)
    .await?
    .ok_or(ContactError::NotFound)?;
    access::check(db, user_id, cabinet_id, needs)
        .await
        .map_err(|e| match e {
            AccessError::NotFound => ContactError::NotFound,
            other => other.into(),
        })
}

/// What a search typed becomes: its words, each a `LIKE` pattern's inside (wildcards
/// escaped), matched in any order against the folded name, email, company, reference and
/// mobile (as stored and as `06…`).
fn search_words(search: Option<&str>) -> Vec<String> {
    search
        .unwrap_or_default()
        .split_whitespace()
        .take(8)
        .map(|word| {
            word.chars()
                .take(100)
                .flat_map(|c| match c {
                    '\\' | '%' | '_' => vec!['\\', c],
                    c => vec![c],
                })
                .collect()
        })
        .collect()
}

/// One page of the cabinet's contacts matching `search` (every word of it), by last name,
/// first name and email.
pub async fn page(
    db: &PgPool,
    scope: &CabinetScope,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Contact>> {
    let words = search_words(search);
    Ok(sqlx::query_as!(
        Contact,
        r#"SELECT id AS "id: ContactId", first_name, last_name, email, mobile, client_reference, company,
                  created_at, updated_at
           FROM contacts c
           WHERE cabinet_id = $1
             AND NOT EXISTS (
                 SELECT 1 FROM unnest($2::text[]) AS w(word)
                 WHERE contact_fold(c.first_name || ' ' || c.last_name || ' ' || c.email || ' ' || c.company
                                    || ' ' || c.client_reference || ' ' || c.mobile || ' '
                                    || CASE WHEN c.mobile LIKE '+33%' THEN '0' || substr(c.mobile, 4) ELSE '' END)
                       NOT LIKE '%' || contact_fold(w.word) || '%')
           ORDER BY contact_fold(last_name), contact_fold(first_name), email
           LIMIT $3 OFFSET $4"#,
        scope.cabinet_id().as_uuid(),
        &words,
        limit,
        offset,
    )
    .fetch_all(db)
    .await?)
}

/// How many of the cabinet's contacts match `search` (as [`page`] does).
pub async fn count(db: &PgPool, scope: &CabinetScope, search: Option<&str>) -> Result<i64> {
    let words = search_words(search);
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM contacts c
           WHERE cabinet_id = $1
             AND NOT EXISTS (
                 SELECT 1 FROM unnest($2::text[]) AS w(word)
                 WHERE contact_fold(c.first_name || ' ' || c.last_name || ' ' || c.email || ' ' || c.company
                                    || ' ' || c.client_reference || ' ' || c.mobile || ' '
                                    || CASE WHEN c.mobile LIKE '+33%' THEN '0' || substr(c.mobile, 4) ELSE '' END)
                       NOT LIKE '%' || contact_fold(w.word) || '%')"#,
        scope.cabinet_id().as_uuid(),
        &words,
    )
    .fetch_one(db)
    .await?)
}

/// Every contact of the cabinet, in the list's order (the CSV export).
pub async fn all(db: &PgPool, scope: &CabinetScope) -> Result<Vec<Contact>> {
    Ok(sqlx::query_as!(
        Contact,
        r#"SELECT id AS "id: ContactId", first_name, last_name, email, mobile, client_reference, company,
                  created_at, updated_at
           FROM contacts WHERE cabinet_id = $1
           ORDER BY contact_fold(last_name), contact_fold(first_name), email"#,
        scope.cabinet_id().as_uuid(),
    )
    .fetch_all(db)
    .await?)
}

/// The unique (cabinet, email) constraint, named by PostgreSQL.
const EMAIL_KEY: &str = "contacts_cabinet_id_email_key";

fn email_taken(e: sqlx::Error, email: &Email) -> ContactError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some(EMAIL_KEY) => {
            ContactError::EmailTaken(email.to_string())
        }
        _ => e.into(),
    }
}

pub async fn create(db: &PgPool, scope: &CabinetScope, new: &ContactDetails) -> Result<Contact> {
    sqlx::query_as!(
        Contact,
        r#"INSERT INTO contacts (cabinet_id, first_name, last_name, email, mobile, client_reference, company)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id AS "id: ContactId", first_name, last_name, email, mobile, client_reference, company,
                     created_at, updated_at"#,
        scope.cabinet_id().as_uuid(),
        new.first_name.as_str(),
        new.last_name.as_str(),
        new.email.as_str(),
        new.mobile.as_str(),
        new.client_reference.as_str(),
        new.company.as_str(),
    )
    .fetch_one(db)
    .await
    .map_err(|e| email_taken(e, &new.email))
}

/// Replaces every field of a contact of the scope's cabinet. The collections it signs keep
/// the name, email and mobile they were given.
pub async fn update(
    db: &PgPool,
    scope: &CabinetScope,
    id: ContactId,
    details: &ContactDetails,
) -> Result<Contact> {
    sqlx::query_as!(
        Contact,
        r#"UPDATE contacts SET first_name = $3, last_name = $4, email = $5, mobile = $6,
                  client_reference = $7, company = $8, updated_at = now()
           WHERE id = $1 AND cabinet_id = $2
           RETURNING id AS "id: ContactId", first_name, last_name, email, mobile, client_reference, company,
                     created_at, updated_at"#,
        id.as_uuid(),
        scope.cabinet_id().as_uuid(),
        details.first_name.as_str(),
        details.last_name.as_str(),
        details.email.as_str(),
        details.mobile.as_str(),
        details.client_reference.as_str(),
        details.company.as_str(),
    )
    .fetch_optional(db)
    .await
    .map_err(|e| email_taken(e, &details.email))?
    .ok_or(ContactError::NotFound)
}

/// Deletes a contact of the scope's cabinet. Its signers keep their copy of it (the
/// foreign key sets their `contact_id` to NULL).
pub async fn delete(db: &PgPool, scope: &CabinetScope, id: ContactId) -> Result<()> {
    let deleted = sqlx::query!(
        "DELETE FROM contacts WHERE id = $1 AND cabinet_id = $2",
        id.as_uuid(),
        scope.cabinet_id().as_uuid(),
    )
    .execute(db)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(ContactError::NotFound);
    }
    Ok(())
}

/// What a signer copies from a contact of the scope's cabinet.
pub struct SignerCopy {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub mobile: String,
}

/// A contact of the scope's cabinet as a signer copies it; `None` for another cabinet's.
pub async fn for_signer(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    id: ContactId,
) -> sqlx::Result<Option<SignerCopy>> {
    sqlx::query_as!(
        SignerCopy,
        "SELECT first_name, last_name, email, mobile FROM contacts WHERE id = $1 AND cabinet_id = $2",
        id.as_uuid(),
        scope.cabinet_id().as_uuid(),
    )
    .fetch_optional(conn)
    .await
}

/// Keeps a new signer as a contact (in the caller's transaction): the contact with this
/// email gets the name and mobile just typed, else one is created. Its reference and
/// company stay as they were.
pub async fn remember(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    first_name: &PersonName,
    last_name: &PersonName,
    email: &Email,
    mobile: &PhoneE164,
) -> sqlx::Result<ContactId> {
    sqlx::query_scalar!(
        r#"INSERT INTO contacts (cabinet_id, first_name, last_name, email, mobile) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (cabinet_id, email) DO UPDATE SET first_name = EXCLUDED.first_name,
             last_name = EXCLUDED.last_name, mobile = EXCLUDED.mobile, updated_at = now()
         RETURNING id AS "id: ContactId""#,
        scope.cabinet_id().as_uuid(),
        first_name.as_str(),
        last_name.as_str(),
        email.as_str(),
        mobile.as_str(),
    )
    .fetch_one(conn)
    .await
}

/// The cabinet's contacts with these emails, by email (locked when `lock`: the import's
/// transaction then updates them as judged).
async fn by_emails(
    conn: &mut PgConnection,
    scope: &CabinetScope,
    emails: &[String],
    lock: bool,
) -> sqlx::Result<HashMap<String, Contact>> {
    let rows = if lock {
        sqlx::query_as!(
            Contact,
            r#"SELECT id AS "id: ContactId", first_name, last_name, email, mobile, client_reference, company,
                      created_at, updated_at
               FROM contacts WHERE cabinet_id = $1 AND email = ANY($2)
               ORDER BY id FOR UPDATE"#,
            scope.cabinet_id().as_uuid(),
            emails,
        )
        .fetch_all(conn)
        .await?
    } else {
        sqlx::query_as!(
            Contact,
            r#"SELECT id AS "id: ContactId", first_name, last_name, email, mobile, client_reference, company,
                      created_at, updated_at
               FROM contacts WHERE cabinet_id = $1 AND email = ANY($2)"#,
            scope.cabinet_id().as_uuid(),
            emails,
        )
        .fetch_all(conn)
        .await?
    };
    Ok(rows.into_iter().map(|c| (c.email.clone(), c)).collect())
}

/// What importing `file` would do, line by line; changes nothing.
pub async fn preview_import(db: &PgPool, scope: &CabinetScope, file: &[u8]) -> Result<Plan> {
    let sheet = csv_file::read(file)?;
    let existing = by_emails(&mut *db.acquire().await?, scope, &sheet.emails(), false).await?;
    Ok(sheet.plan(&existing))
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub duplicates: usize,
    pub invalid: usize,
}

/// Imports `file`: judged again as the preview judged it (against the contacts as they
/// are now), its valid lines are created or update their contact, in one transaction;
/// duplicates and invalid lines are skipped.
pub async fn import(db: &PgPool, scope: &CabinetScope, file: &[u8]) -> Result<ImportSummary> {
    let sheet = csv_file::read(file)?;
    let mut tx = db.begin().await?;
    // Two imports into one cabinet take turns: run together, their new emails would wait
    // on each other's unique-index entries (a deadlock).
    sqlx::query_scalar!(
        r#"SELECT pg_advisory_xact_lock(hashtext('contacts-import:' || $1::uuid::text)) AS "locked: ()""#,
        scope.cabinet_id().as_uuid(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let existing = by_emails(&mut tx, scope, &sheet.emails(), true).await?;
    let plan = sheet.plan(&existing);

    // One statement per kind, with the values as arrays: a thousand lines are one round
    // trip, not a thousand.
    #[derive(Default)]
    struct Columns {
        ids: Vec<uuid::Uuid>,
        first_names: Vec<String>,
        last_names: Vec<String>,
        emails: Vec<String>,
        mobiles: Vec<String>,
        references: Vec<String>,
        companies: Vec<String>,
    }
    let (mut creates, mut updates) = (Columns::default(), Columns::default());
    for line in &plan.lines {
        let (columns, id) = match line.outcome {
            Outcome::Create => (&mut creates, None),
            Outcome::Update(id) => (&mut updates, Some(id)),
            Outcome::Unchanged(_) | Outcome::Duplicate(_) | Outcome::Invalid => continue,
        };
        let Some(details) = &line.details else {
            continue;
        };
        columns.ids.extend(id.map(ContactId::into_uuid));
        columns
            .first_names
            .push(details.first_name.as_str().to_owned());
        columns
            .last_names
            .push(details.last_name.as_str().to_owned());
        columns.emails.push(details.email.as_str().to_owned());
        columns.mobiles.push(details.mobile.as_str().to_owned());
        columns
            .references
            .push(details.client_reference.as_str().to_owned());
        columns.companies.push(details.company.as_str().to_owned());
    }
    // A contact created meanwhile with one of these emails (another import, a signer added)
    // is updated rather than failing the whole file.
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO contacts (cabinet_id, first_name, last_name, email, mobile, client_reference, company)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           ON CONFLICT (cabinet_id, email) DO UPDATE SET first_name = EXCLUDED.first_name,
               last_name = EXCLUDED.last_name, mobile = EXCLUDED.mobile,
               client_reference = CASE WHEN $8 THEN EXCLUDED.client_reference ELSE contacts.client_reference END,
               company = CASE WHEN $9 THEN EXCLUDED.company ELSE contacts.company END,
               updated_at = now()
           RETURNING (xmax = 0) AS "inserted!""#,
        scope.cabinet_id().as_uuid(),
        &creates.first_names,
        &creates.last_names,
        &creates.emails,
        &creates.mobiles,
        &creates.references,
        &creates.companies,
        plan.has_client_reference,
        plan.has_company,
    )
    .fetch_all(&mut *tx)
    .await?;
    // A row that met a contact made meanwhile updated it (`xmax` is set on an update).
    let created = inserted.iter().filter(|&&new| new).count();
    sqlx::query!(
        r#"UPDATE contacts c SET first_name = u.first_name, last_name = u.last_name, mobile = u.mobile,
               client_reference = CASE WHEN $8 THEN u.client_reference ELSE c.client_reference END,
               company = CASE WHEN $9 THEN u.company ELSE c.company END,
               updated_at = now()
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                AS u(id, first_name, last_name, mobile, client_reference, company)
           WHERE c.id = u.id AND c.cabinet_id = $1"#,
        scope.cabinet_id().as_uuid(),
        &updates.ids,
        &updates.first_names,
        &updates.last_names,
        &updates.mobiles,
        &updates.references,
        &updates.companies,
        plan.has_client_reference,
        plan.has_company,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ImportSummary {
        created,
        updated: updates.emails.len() + (inserted.len() - created),
        unchanged: plan.count(|o| matches!(o, Outcome::Unchanged(_))),
        duplicates: plan.count(|o| matches!(o, Outcome::Duplicate(_))),
        invalid: plan.count(|o| matches!(o, Outcome::Invalid)),
    })
}
