//! The contacts' API: the list with its search, create, update, delete, and the CSV
//! import in two steps (`previewContactImport` shows each line's verdict, `importContacts`
//! does it). The export is a download (`http.rs`).

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, SimpleObject, Upload};
use chrono::{DateTime, Utc};
use paraphe_shared::Delegation;
use uuid::Uuid;

use super::csv_file::{self, Outcome, Plan};
use super::{Contact, ContactDetails, ImportSummary};
use crate::cabinets::access::Need;
use crate::graphql::context::{require_cabinet, ContextExt};
use crate::graphql::error::{ApiError, ApiResult};
use crate::ids::{CabinetId, ContactId};

/// Whoever prepares collections manages the contacts they use.
const PREPARE: &[Need] = &[Need::Delegation(Delegation::Prepare), Need::Open];
/// Largest page: the signer picker of a collection asks for them all at once.
pub const MAX_CONTACTS_PAGE: i32 = 1000;

/// A person the cabinet asks to sign, kept for reuse.
#[derive(SimpleObject)]
#[graphql(name = "Contact")]
pub struct ContactGql {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// E.164, e.g. `+33612345678`.
    pub mobile: String,
    /// The client's reference in the cabinet's books; empty when none.
    pub client_reference: String,
    /// The company the contact signs for; empty for a private person.
    pub company: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Contact> for ContactGql {
    fn from(c: Contact) -> Self {
        ContactGql {
            id: c.id.into_uuid(),
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            mobile: c.mobile,
            client_reference: c.client_reference,
            company: c.company,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// What the list says beside its page.
#[derive(SimpleObject)]
pub struct ContactsTotal {
    /// How many contacts match the search (all of them without one).
    pub total_count: i64,
}

/// A contact's fields. The mobile may be written the French way (`06 12 34 56 78`): it is
/// kept as `+33612345678`.
#[derive(InputObject)]
pub struct ContactInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub mobile: String,
    #[graphql(default)]
    pub client_reference: String,
    #[graphql(default)]
    pub company: String,
}

impl ContactInput {
    fn details(&self) -> Result<ContactDetails, super::ContactError> {
        Ok(ContactDetails::parse(
            &self.first_name,
            &self.last_name,
            &self.email,
            &self.mobile,
            &self.client_reference,
            &self.company,
        )?)
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ContactField", remote = "crate::contacts::csv_file::Field")]
pub enum ContactFieldGql {
    FirstName,
    LastName,
    Email,
    Mobile,
    ClientReference,
    Company,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "CsvEncoding",
    remote = "crate::contacts::csv_file::TextEncoding"
)]
pub enum CsvEncodingGql {
    Utf8,
    /// Excel's « CSV (séparateur : point-virgule) » in French.
    Windows1252,
    Utf16,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(
    name = "ImportProblemKind",
    remote = "crate::contacts::csv_file::ProblemKind"
)]
pub enum ImportProblemKindGql {
    /// Empty, or the file has no column for it.
    Missing,
    /// Not an email, not a mobile number, too long…
    Invalid,
}

/// What importing a line does.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ImportOutcome")]
pub enum ImportOutcomeGql {
    /// A new contact.
    Create,
    /// Updates the contact with this email (`contactId`) with the line's values.
    Update,
    /// The contact with this email (`contactId`) already says all this.
    Unchanged,
    /// Skipped: an earlier line (`duplicateOf`) has the same email.
    Duplicate,
    /// Skipped: see `problems`.
    Invalid,
}

/// A column of the file and the field it fills (none: ignored).
#[derive(SimpleObject)]
pub struct CsvColumn {
    pub header: String,
    pub field: Option<ContactFieldGql>,
}

#[derive(SimpleObject)]
pub struct ImportProblem {
    pub field: ContactFieldGql,
    pub kind: ImportProblemKindGql,
    /// The cell as typed (its first 100 characters).
    pub value: String,
}

/// One line of the file and its verdict.
#[derive(SimpleObject)]
pub struct ImportLine {
    /// The line number the spreadsheet shows (the header row is line 1).
    pub line: i32,
    pub outcome: ImportOutcomeGql,
    /// The contact this line updates or matches (`UPDATE`, `UNCHANGED`).
    pub contact_id: Option<Uuid>,
    /// The earlier line with the same email (`DUPLICATE`).
    pub duplicate_of: Option<i32>,
    /// The values as they would be stored when the line is valid (the mobile in E.164),
    /// else as typed.
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub mobile: String,
    pub problems: Vec<ImportProblem>,
}

/// What importing a file would do. Nothing is changed until `importContacts`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ContactImportPreview {
    pub encoding: CsvEncodingGql,
    /// `;`, `,` or a tab.
    pub delimiter: String,
    pub columns: Vec<CsvColumn>,
    /// Required fields no column fills (every line then misses them).
    pub missing_fields: Vec<ContactFieldGql>,
    /// Lines read (besides the header; empty lines are not counted).
    pub line_count: i32,
    pub create_count: i32,
    pub update_count: i32,
    pub unchanged_count: i32,
    pub duplicate_count: i32,
    pub invalid_count: i32,
    #[graphql(skip)]
    pub all_lines: Vec<ImportLine>,
}

#[ComplexObject]
impl ContactImportPreview {
    /// The lines with these outcomes (all of them without `outcomes`), in file order.
    async fn lines(&self, outcomes: Option<Vec<ImportOutcomeGql>>) -> Vec<&ImportLine> {
        self.all_lines
            .iter()
            .filter(|l| outcomes.as_ref().is_none_or(|o| o.contains(&l.outcome)))
            .collect()
    }
}

fn as_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn line_number(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<Plan> for ContactImportPreview {
    fn from(plan: Plan) -> Self {
        let count = |wanted: fn(&Outcome) -> bool| as_i32(plan.count(wanted));
        let (create_count, update_count, unchanged_count, duplicate_count, invalid_count) = (
            count(|o| matches!(o, Outcome::Create)),
            count(|o| matches!(o, Outcome::Update(_))),
            count(|o| matches!(o, Outcome::Unchanged(_))),
            count(|o| matches!(o, Outcome::Duplicate(_))),
            count(|o| matches!(o, Outcome::Invalid)),
        );
        let all_lines = plan
            .lines
            .into_iter()
            .map(|line| {
                let (outcome, contact_id, duplicate_of) = match line.outcome {
                    Outcome::Create => (ImportOutcomeGql::Create, None, None),
                    Outcome::Update(id) => (ImportOutcomeGql::Update, Some(id), None),
                    Outcome::Unchanged(id) => (ImportOutcomeGql::Unchanged, Some(id), None),
                    Outcome::Duplicate(first) => {
                        (ImportOutcomeGql::Duplicate, None, Some(line_number(first)))
                    }
                    Outcome::Invalid => (ImportOutcomeGql::Invalid, None, None),
                };
                let typed =
                    |v: Option<String>| v.unwrap_or_default().chars().take(200).collect::<String>();
                let (first_name, last_name, email, mobile) = match &line.details {
                    Some(d) => (
                        d.first_name.as_str().to_owned(),
                        d.last_name.as_str().to_owned(),
                        d.email.as_str().to_owned(),
                        d.mobile.as_str().to_owned(),
                    ),
                    None => (
                        typed(line.typed.first_name),
                        typed(line.typed.last_name),
                        typed(line.typed.email),
                        typed(line.typed.mobile),
                    ),
                };
                ImportLine {
                    line: line_number(line.line),
                    outcome,
                    contact_id: contact_id.map(ContactId::into_uuid),
                    duplicate_of,
                    first_name,
                    last_name,
                    email,
                    mobile,
                    problems: line
                        .problems
                        .into_iter()
                        .map(|p| ImportProblem {
                            field: p.field.into(),
                            kind: p.kind.into(),
                            value: p.value,
                        })
                        .collect(),
                }
            })
            .collect::<Vec<_>>();
        ContactImportPreview {
            encoding: plan.encoding.into(),
            delimiter: plan.delimiter.to_string(),
            columns: plan
                .columns
                .into_iter()
                .map(|c| CsvColumn {
                    header: c.header.chars().take(200).collect(),
                    field: c.field.map(Into::into),
                })
                .collect(),
            missing_fields: plan.missing.into_iter().map(Into::into).collect(),
            line_count: as_i32(all_lines.len()),
            create_count,
            update_count,
            unchanged_count,
            duplicate_count,
            invalid_count,
            all_lines,
        }
    }
}

/// What an import did.
#[derive(SimpleObject)]
pub struct ContactImportResult {
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    /// Lines skipped because an earlier line had the same email.
    pub duplicates: i32,
    /// Lines skipped for their problems.
    pub invalid: i32,
}

impl From<ImportSummary> for ContactImportResult {
    fn from(s: ImportSummary) -> Self {
        ContactImportResult {
            created: as_i32(s.created),
            updated: as_i32(s.updated),
            unchanged: as_i32(s.unchanged),
            duplicates: as_i32(s.duplicates),
            invalid: as_i32(s.invalid),
        }
    }
}

/// The uploaded file's bytes, at most one more than the CSV reader accepts (so that it can
/// say the file is too large without the whole of it in memory).
async fn file_bytes(ctx: &Context<'_>, file: Upload) -> ApiResult<Vec<u8>> {
    let upload = file
        .value(ctx)
        .map_err(|e| ApiError::validation(format!("fichier illisible : {e}")))?;
    tokio::task::spawn_blocking(move || {
        let mut content = Vec::new();
        let limit = (csv_file::MAX_BYTES + 1) as u64;
        std::io::Read::read_to_end(
            &mut std::io::Read::take(upload.into_read(), limit),
            &mut content,
        )
        .map(|_| content)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&e))
}

#[derive(Default)]
pub struct ContactsQuery;

#[Object]
impl ContactsQuery {
    /// The cabinet's contacts by last name, first name and email. `search` keeps those whose
    /// name, email, mobile, company or reference contain each of its words (without case or
    /// accents). `first` is at most 1000.
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        search: Option<String>,
        #[graphql(default = 50)] first: i32,
        after: Option<String>,
    ) -> ApiResult<Connection<String, ContactGql, ContactsTotal, EmptyFields>> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(cabinet_id), PREPARE).await?;
        if !(0..=MAX_CONTACTS_PAGE).contains(&first) {
            return Err(ApiError::validation(format!(
                "`first` doit être entre 0 et {MAX_CONTACTS_PAGE}"
            )));
        }
        // A cursor is the position of the last row seen; anything else is refused (never a
        // negative or overflowing offset given to PostgreSQL).
        let offset = match after {
            None => 0,
            Some(cursor) => cursor
                .parse::<u32>()
                .ok()
                .and_then(|position| position.checked_add(1))
                .map(i64::from)
                .ok_or_else(|| ApiError::validation("curseur `after` invalide"))?,
        };
        let search = search.as_deref();
        let rows = super::page(ctx.db(), &scope, search, i64::from(first) + 1, offset).await?;
        let total_count = super::count(ctx.db(), &scope, search).await?;
        let has_next = rows.len() > first as usize;
        let mut connection =
            Connection::with_additional_fields(offset > 0, has_next, ContactsTotal { total_count });
        connection.edges.extend(
            rows.into_iter()
                .take(first as usize)
                .enumerate()
                .map(|(i, row)| Edge::new((offset + i as i64).to_string(), row.into())),
        );
        Ok(connection)
    }
}

#[derive(Default)]
pub struct ContactsMutation;

#[Object]
impl ContactsMutation {
    /// A new contact. `CONTACT_EXISTS` when the cabinet has one with this email.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        input: ContactInput,
    ) -> ApiResult<ContactGql> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(cabinet_id), PREPARE).await?;
        let details = input.details()?;
        Ok(super::create(ctx.db(), &scope, &details).await?.into())
    }

    /// Replaces a contact's fields. Collections it signs keep what they were given.
    /// `CONTACT_EXISTS` when another contact of the cabinet has the new email.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        input: ContactInput,
    ) -> ApiResult<ContactGql> {
        let id = ContactId::from_uuid(id);
        let scope = super::scoped(ctx.db(), ctx.viewer()?.user_id, id, PREPARE).await?;
        let details = input.details()?;
        Ok(super::update(ctx.db(), &scope, id, &details).await?.into())
    }

    /// Deletes a contact. Collections it signs, running or ended, keep its name, email and
    /// mobile.
    async fn delete_contact(&self, ctx: &Context<'_>, id: Uuid) -> ApiResult<bool> {
        let id = ContactId::from_uuid(id);
        let scope = super::scoped(ctx.db(), ctx.viewer()?.user_id, id, PREPARE).await?;
        super::delete(ctx.db(), &scope, id).await?;
        Ok(true)
    }

    /// What importing a CSV file (multipart upload, 5 MB and 10 000 lines at most) would
    /// do, line by line; changes nothing. UTF-8, UTF-16 or Windows-1252; `;`, `,` or tabs;
    /// a header row naming the columns (Prénom, Nom, E-mail, Mobile, Société, Référence
    /// client, and their usual other names). `CSV_INVALID` for a file that cannot be read
    /// as such, `CSV_TOO_LARGE` beyond the limits.
    async fn preview_contact_import(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        file: Upload,
    ) -> ApiResult<ContactImportPreview> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(cabinet_id), PREPARE).await?;
        let bytes = file_bytes(ctx, file).await?;
        Ok(super::preview_import(ctx.db(), &scope, &bytes)
            .await?
            .into())
    }

    /// Imports a CSV file as `previewContactImport` showed it (judged again against the
    /// contacts as they are now), in one transaction: new emails become contacts, known
    /// ones are updated; duplicates and invalid lines are skipped.
    async fn import_contacts(
        &self,
        ctx: &Context<'_>,
        cabinet_id: Uuid,
        file: Upload,
    ) -> ApiResult<ContactImportResult> {
        let scope = require_cabinet(ctx, CabinetId::from_uuid(cabinet_id), PREPARE).await?;
        let bytes = file_bytes(ctx, file).await?;
        Ok(super::import(ctx.db(), &scope, &bytes).await?.into())
    }
}
