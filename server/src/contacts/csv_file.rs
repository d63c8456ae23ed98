//! Contacts in CSV, as French accountants' spreadsheets write and read them.
//!
//! Reading (`read`, then `plan`) is pure: no database. A file is judged as a whole first
//! (size, text encoding, delimiter, a header row naming the columns) and refused with a
//! [`CsvError`] only when it cannot be read at all; after that, every line gets its own
//! verdict ([`Outcome`]) and its problems, so that a preview can show each bad line and an
//! import can take the good ones. The same `plan` serves both, so the import does exactly
//! what the preview showed (against the contacts as they are when it runs).
//!
//! De-duplication, by email (case-insensitive): within the file the first valid line of an
//! address wins and later ones are `Duplicate`s of it; against the cabinet's contacts, a
//! line whose address is already a contact `Update`s that contact (the spreadsheet is the
//! cabinet's record: a re-import refreshes mobiles and names), or is `Unchanged` when it
//! would change nothing. A column the file does not have leaves that field as it is.
//!
//! Writing (`write`) gives what Excel in French opens as is: UTF-8 with a byte-order mark,
//! `;` between cells, CRLF, French headers that `read` maps back.

use std::collections::HashMap;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use paraphe_shared::{ClientReference, Company, Email, PersonName, PhoneE164};

use super::{Contact, ContactDetails};
use crate::ids::ContactId;

/// Largest file read: a few thousand contacts take a few hundred kilobytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Most lines (besides the header) one file may hold.
pub const MAX_LINES: usize = 10_000;
/// Columns a line may have: far more than any contacts sheet, and it keeps a 5 MB line of
/// separators from becoming millions of cells in memory.
pub const MAX_COLUMNS: usize = 200;
/// Longest text of a cell sent back in a preview's problem (a cell is otherwise unbounded).
const ECHO_CHARS: usize = 100;

/// Why a file cannot be read as contacts at all. A bad line is never one of these: it is
/// reported in its line's [`Outcome::Invalid`].
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("le fichier dépasse 5 Mo")]
    TooLarge,
    #[error("le fichier dépasse {MAX_LINES} lignes : découpez-le")]
    TooManyLines,
    #[error("le fichier est vide")]
    Empty,
    #[error("ce n'est pas un fichier CSV (un classeur Excel ? enregistrez-le au format « CSV (séparateur : point-virgule) »)")]
    NotText,
    #[error("la première ligne doit nommer les colonnes (Prénom, Nom, E-mail, Mobile…) : aucune n'est reconnue")]
    NoHeader,
    #[error("ligne {line} illisible : {detail}")]
    Malformed { line: u64, detail: String },
}

/// The text encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// What Excel in French writes for « CSV (séparateur : point-virgule) ».
    Windows1252,
    /// Excel's « Texte Unicode » (with its byte-order mark).
    Utf16,
}

/// A contact's field, as a column maps to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    FirstName,
    LastName,
    Email,
    Mobile,
    ClientReference,
    Company,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Mobile,
        Field::Company,
        Field::ClientReference,
    ];
    /// Without these a line makes no contact.
    pub const REQUIRED: [Field; 4] = [
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Mobile,
    ];

    /// The header `write` gives it (and `read` recognises).
    pub fn header(self) -> &'static str {
        match self {
            Field::FirstName => "Prénom",
            Field::LastName => "Nom",
            Field::Email => "E-mail",
            Field::Mobile => "Mobile",
            Field::ClientReference => "Référence client",
            Field::Company => "Société",
        }
    }

    /// The field a header names, from what spreadsheets of French firms (and English
    /// ones) call it; compared without case, accents, spaces or punctuation.
    pub fn named(header: &str) -> Option<Field> {
        let key: String = fold(header)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let field = match key.as_str() {
            "prenom" | "prenoms" | "firstname" | "givenname" => Field::FirstName,
            "nom" | "nomdefamille" | "nomdenaissance" | "lastname" | "surname" | "familyname" => {
                Field::LastName
            }
            "email"
            | "mail"
            | "courriel"
            | "mel"
            | "adresseemail"
            | "adressemail"
            | "adressecourriel"
            | "adresseelectronique"
            | "emailaddress" => Field::Email,
            "mobile" | "portable" | "gsm" | "telephonemobile" | "telephoneportable"
            | "telmobile" | "telportable" | "numerodemobile" | "numeromobile" | "mobilephone"
            | "cellphone" => Field::Mobile,
            "referenceclient" | "refclient" | "reference" | "ref" | "codeclient"
            | "numeroclient" | "nclient" | "noclient" | "numclient" | "dossier"
            | "numerodedossier" | "numerodossier" | "ndossier" | "codedossier"
            | "clientreference" | "clientcode" | "clientid" => Field::ClientReference,
            "societe" | "entreprise" | "raisonsociale" | "denomination" | "nomdelasociete"
            | "company" | "organisation" | "organization" => Field::Company,
            _ => return None,
        };
        Some(field)
    }

    /// A phone column that does not say it is a mobile ("Téléphone", "Tel"): taken as the
    /// mobile only when no column says so, since a sheet with both has landlines in it —
    /// and codes are sent by SMS.
    fn any_phone(header: &str) -> bool {
        let key: String = fold(header)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        matches!(
            key.as_str(),
            "telephone" | "tel" | "numerodetelephone" | "phone" | "telephonenumber"
        )
    }
}

/// Lower case without French accents (the same folding as SQL's `contact_fold`).
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' | 'æ' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'œ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// A column of the file: its header as written and the field it fills, if any (an
/// unrecognised column, or a second one for a field already taken, is ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    pub field: Option<Field>,
}

/// A file read as text and cut into cells, not yet judged line by line.
#[derive(Debug)]
pub struct Sheet {
    pub encoding: TextEncoding,
    pub delimiter: char,
    pub columns: Vec<Column>,
    rows: Vec<Row>,
}

#[derive(Debug)]
struct Row {
    /// The line number a spreadsheet shows (the header is line 1).
    line: u64,
    cells: Vec<String>,
}

/// Reads a file: its encoding (a byte-order mark, else UTF-8 when it is valid UTF-8, else
/// Windows-1252), its delimiter (`;`, `,` or a tab, whichever the header row uses most),
/// its header row and its lines. Lines whose cells are all empty (Excel writes `;;;` for
/// rows it once saw) are skipped.
pub fn read(bytes: &[u8]) -> Result<Sheet, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvError::TooLarge);
    }
    let (text, encoding) = decode(bytes);
    // No text file has NUL characters; a workbook (.xlsx is a ZIP) or a picture does.
    if text.contains('\0') {
        return Err(CsvError::NotText);
    }
    let first_line = text.lines().find(|line| !line.trim().is_empty());
    let Some(first_line) = first_line else {
        return Err(CsvError::Empty);
    };
    let delimiter = sniff_delimiter(first_line);
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
    let line_of = |position: Option<&csv::Position>| {
        let byte = position.map_or(0, csv::Position::byte);
        line_at(
            text.as_bytes(),
            &newlines,
            usize::try_from(byte).unwrap_or(usize::MAX),
        )
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Malformed {
            line: line_of(e.position()),
            detail: e.to_string(),
        })?;
        if record.len() > MAX_COLUMNS {
            return Err(CsvError::Malformed {
                line: line_of(record.position()),
                detail: format!("plus de {MAX_COLUMNS} colonnes"),
            });
        }
        let cells: Vec<String> = record.iter().map(unescape).collect();
        if cells.iter().all(|cell| cell.is_empty()) {
            continue;
        }
        if header.is_none() {
            header = Some(cells);
            continue;
        }
        if rows.len() == MAX_LINES {
            return Err(CsvError::TooManyLines);
        }
        rows.push(Row {
            line: line_of(record.position()),
            cells,
        });
    }
    let header = header.ok_or(CsvError::Empty)?;
    // Within a field, the first column naming it wins.
    let mut taken = Vec::new();
    let mut columns: Vec<Column> = header
        .into_iter()
        .map(|header| {
            let field = Field::named(&header).filter(|field| !taken.contains(field));
            taken.extend(field);
            Column { header, field }
        })
        .collect();
    if !taken.contains(&Field::Mobile) {
        if let Some(phone) = columns
            .iter_mut()
            .find(|c| c.field.is_none() && Field::any_phone(&c.header))
        {
            phone.field = Some(Field::Mobile);
        }
    }
    if columns.iter().all(|c| c.field.is_none()) {
        return Err(CsvError::NoHeader);
    }
    Ok(Sheet {
        encoding,
        delimiter,
        columns,
        rows,
    })
}

/// The line a record starting at `byte` is on, as a spreadsheet numbers it (from 1). The
/// csv crate's own count is off after a blank line, with CRLF and without a header row
/// (rust-csv issues 184, 208, 395); its byte offsets are right, but may point at the blank
/// line before the record, which no record starts with.
fn line_at(text: &[u8], newlines: &[usize], byte: usize) -> u64 {
    let start = byte
        + text
            .get(byte..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
    newlines.partition_point(|&newline| newline < start) as u64 + 1
}

fn decode(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        let kind = if encoding == UTF_8 {
            TextEncoding::Utf8
        } else {
            TextEncoding::Utf16
        };
        return (text.into_owned(), kind);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), TextEncoding::Utf8),
        // Every byte means something in Windows-1252: this never fails.
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), TextEncoding::Windows1252)
        }
    }
}

/// The delimiter the header row uses most, outside quotes (`;` when it uses none).
fn sniff_delimiter(header: &str) -> char {
    let mut counts = [(';', 0usize), (',', 0), ('\t', 0)];
    let mut quoted = false;
    for c in header.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(count) = counts.iter_mut().find(|(d, _)| *d == c) {
                count.1 += 1;
            }
        }
    }
    // `max_by_key` keeps the last of equals: reversed, a tie goes to `;`.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map_or(';', |(d, _)| *d)
}

/// A cell as typed: trimmed, and without the apostrophe `write` puts before a cell that a
/// spreadsheet would otherwise take for a formula.
fn unescape(cell: &str) -> String {
    let cell = cell.trim();
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// What a line says, cell by cell, as typed (`None`: the file has no such column).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub client_reference: Option<String>,
    pub company: Option<String>,
}

impl Typed {
    fn get(&self, field: Field) -> Option<&str> {
        match field {
            Field::FirstName => &self.first_name,
            Field::LastName => &self.last_name,
            Field::Email => &self.email,
            Field::Mobile => &self.mobile,
            Field::ClientReference => &self.client_reference,
            Field::Company => &self.company,
        }
        .as_deref()
    }

    fn slot(&mut self, field: Field) -> &mut Option<String> {
        match field {
            Field::FirstName => &mut self.first_name,
            Field::LastName => &mut self.last_name,
            Field::Email => &mut self.email,
            Field::Mobile => &mut self.mobile,
            Field::ClientReference => &mut self.client_reference,
            Field::Company => &mut self.company,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Empty, or no column for it.
    Missing,
    /// Not an email, not a mobile number, too long…
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub kind: ProblemKind,
    /// The cell as typed (its first 100 characters).
    pub value: String,
}

/// What importing a line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new contact.
    Create,
    /// The contact with this email, updated with the line's values.
    Update(ContactId),
    /// The contact with this email already says all this.
    Unchanged(ContactId),
    /// Skipped: an earlier line (its number) has the same email.
    Duplicate(u64),
    /// Skipped: see the line's problems.
    Invalid,
}

/// One line's verdict.
#[derive(Debug, Clone)]
pub struct Line {
    pub line: u64,
    pub typed: Typed,
    /// The contact it makes, when the line is valid.
    pub details: Option<ContactDetails>,
    pub problems: Vec<Problem>,
    pub outcome: Outcome,
}

/// Everything the preview shows and the import does.
#[derive(Debug)]
pub struct Plan {
    pub encoding: TextEncoding,
    pub delimiter: char,
    pub columns: Vec<Column>,
    /// Required fields no column fills: every line then misses them.
    pub missing: Vec<Field>,
    /// Whether the file has these columns: without one, an update leaves the field as is.
    pub has_client_reference: bool,
    pub has_company: bool,
    pub lines: Vec<Line>,
}

impl Plan {
    pub fn count(&self, wanted: impl Fn(&Outcome) -> bool) -> usize {
        self.lines.iter().filter(|l| wanted(&l.outcome)).count()
    }
}

impl Sheet {
    /// The emails of the lines, normalised, for looking up the contacts they match.
    pub fn emails(&self) -> Vec<String> {
        let column = self
            .columns
            .iter()
            .position(|c| c.field == Some(Field::Email));
        let Some(column) = column else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter_map(|row| row.cells.get(column))
            .filter_map(|cell| Email::parse(cell).ok())
            .map(|email| email.as_str().to_owned())
            .collect()
    }

    /// Judges every line against `existing` (the cabinet's contacts with the file's
    /// emails, by email).
    pub fn plan(self, existing: &HashMap<String, Contact>) -> Plan {
        let has = |field| self.columns.iter().any(|c| c.field == Some(field));
        let missing: Vec<Field> = Field::REQUIRED.into_iter().filter(|f| !has(*f)).collect();
        let (has_client_reference, has_company) =
            (has(Field::ClientReference), has(Field::Company));
        let mut first_line_of: HashMap<String, u64> = HashMap::new();
        let mut lines = Vec::with_capacity(self.rows.len());
        for row in self.rows {
            let mut typed = Typed::default();
            for (column, cell) in self.columns.iter().zip(row.cells) {
                if let Some(field) = column.field {
                    *typed.slot(field) = Some(cell);
                }
            }
            // A short line has no cell for the last columns: empty, not absent.
            for column in &self.columns {
                if let Some(field) = column.field {
                    typed.slot(field).get_or_insert_with(String::new);
                }
            }
            let (details, problems) = judge(&typed);
            let outcome = match &details {
                None => Outcome::Invalid,
                Some(details) => {
                    let email = details.email.as_str().to_owned();
                    if let Some(first) = first_line_of.get(&email) {
                        Outcome::Duplicate(*first)
                    } else {
                        first_line_of.insert(email.clone(), row.line);
                        match existing.get(&email) {
                            None => Outcome::Create,
                            Some(contact)
                                if same(contact, details, has_client_reference, has_company) =>
                            {
                                Outcome::Unchanged(contact.id)
                            }
                            Some(contact) => Outcome::Update(contact.id),
                        }
                    }
                }
            };
            lines.push(Line {
                line: row.line,
                typed,
                details,
                problems,
                outcome,
            });
        }
        Plan {
            encoding: self.encoding,
            delimiter: self.delimiter,
            columns: self.columns,
            missing,
            has_client_reference,
            has_company,
            lines,
        }
    }
}

fn same(contact: &Contact, line: &ContactDetails, has_reference: bool, has_company: bool) -> bool {
    contact.first_name == line.first_name.as_str()
        && contact.last_name == line.last_name.as_str()
        && contact.mobile == line.mobile.as_str()
        && (!has_reference || contact.client_reference == line.client_reference.as_str())
        && (!has_company || contact.company == line.company.as_str())
}

/// A line's contact, or every problem it has (all of them, not the first: the person
/// fixing the spreadsheet sees everything at once).
fn judge(typed: &Typed) -> (Option<ContactDetails>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut check = |field: Field, ok: bool| {
        if ok {
            return;
        }
        let value = typed.get(field).unwrap_or_default();
        problems.push(Problem {
            field,
            kind: if value.is_empty() {
                ProblemKind::Missing
            } else {
                ProblemKind::Invalid
            },
            value: value.chars().take(ECHO_CHARS).collect(),
        });
    };
    let text = |field| typed.get(field).unwrap_or_default();
    let first_name = PersonName::parse(text(Field::FirstName));
    check(Field::FirstName, first_name.is_ok());
    let last_name = PersonName::parse(text(Field::LastName));
    check(Field::LastName, last_name.is_ok());
    let email = Email::parse(text(Field::Email));
    check(Field::Email, email.is_ok());
    let mobile = PhoneE164::parse(&spreadsheet_mobile(text(Field::Mobile)));
    check(Field::Mobile, mobile.is_ok());
    let client_reference = ClientReference::parse(text(Field::ClientReference));
    check(Field::ClientReference, client_reference.is_ok());
    let company = Company::parse(text(Field::Company));
    check(Field::Company, company.is_ok());
    match (
        first_name,
        last_name,
        email,
        mobile,
        client_reference,
        company,
    ) {
        (
            Ok(first_name),
            Ok(last_name),
            Ok(email),
            Ok(mobile),
            Ok(client_reference),
            Ok(company),
        ) => (
            Some(ContactDetails {
                first_name,
                last_name,
                email,
                mobile,
                client_reference,
                company,
            }),
            problems,
        ),
        _ => (None, problems),
    }
}

/// A mobile number as a spreadsheet may have turned it into a number: `612345678` (the
/// leading 0 of 06 12 34 56 78 dropped) or `33612345678` (the + of +33 6… dropped). Only
/// these exact shapes are repaired; anything else goes to `PhoneE164` as typed.
fn spreadsheet_mobile(cell: &str) -> String {
    let all_digits = !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit());
    if all_digits && cell.len() == 9 && cell.starts_with(['6', '7']) {
        format!("0{cell}")
    } else if all_digits && cell.len() == 11 && (cell.starts_with("336") || cell.starts_with("337"))
    {
        format!("+{cell}")
    } else {
        cell.to_owned()
    }
}

/// The cabinet's contacts as a CSV file Excel in French opens as is.
pub fn write(contacts: &[Contact]) -> Vec<u8> {
    // The byte-order mark tells Excel the file is UTF-8 (it assumes Windows-1252 otherwise).
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let columns = [
            Field::FirstName,
            Field::LastName,
            Field::Email,
            Field::Mobile,
            Field::Company,
            Field::ClientReference,
        ];
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(columns.map(Field::header));
        for contact in contacts {
            let mobile = PhoneE164::parse(&contact.mobile)
                .map(|m| m.display_national())
                .unwrap_or_else(|_| contact.mobile.clone());
            let _ = writer.write_record(
                [
                    &contact.first_name,
                    &contact.last_name,
                    &contact.email,
                    &mobile,
                    &contact.company,
                    &contact.client_reference,
                ]
                .map(|cell| escape(cell)),
            );
        }
        let _ = writer.flush();
    }
    out
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first: "CSV injection")
/// gets an apostrophe in front, which `read` takes off again.
fn escape(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows_1252(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = WINDOWS_1252.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    fn contact(email: &str, mobile: &str) -> Contact {
        Contact {
            id: ContactId::new_v4(),
            first_name: "Élodie".into(),
            last_name: "Martin".into(),
            email: email.into(),
            mobile: mobile.into(),
            client_reference: "C-1".into(),
            company: "SARL Martin".into(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn excel_french_files_are_read_with_their_accents_and_semicolons() {
        let file = windows_1252(
            "Prénom;Nom;Adresse e-mail;Téléphone portable;Société;N° client\r\n\
             Élodie;Müller;Elodie.Muller@Exemple.fr;06 12 34 56 78;SARL Müller & Fils;C-042\r\n\
             ;;;;;\r\n",
        );
        let sheet = read(&file).unwrap();
        assert_eq!(sheet.encoding, TextEncoding::Windows1252);
        assert_eq!(sheet.delimiter, ';');
        assert_eq!(
            sheet.columns.iter().map(|c| c.field).collect::<Vec<_>>(),
            [
                Some(Field::FirstName),
                Some(Field::LastName),
                Some(Field::Email),
                Some(Field::Mobile),
                Some(Field::Company),
                Some(Field::ClientReference)
            ]
        );
        let plan = sheet.plan(&HashMap::new());
        assert!(plan.missing.is_empty());
        assert_eq!(plan.lines.len(), 1, "the empty row is skipped");
        let line = &plan.lines[0];
        assert_eq!((line.line, line.outcome), (2, Outcome::Create));
        let details = line.details.as_ref().unwrap();
        assert_eq!(details.first_name.as_str(), "Élodie");
        assert_eq!(details.email.as_str(), "elodie.muller@exemple.fr");
        assert_eq!(details.mobile.as_str(), "+33612345678");
        assert_eq!(details.company.as_str(), "SARL Müller & Fils");
        assert_eq!(details.client_reference.as_str(), "C-042");
    }

    #[test]
    fn utf8_with_commas_and_quotes_and_utf16_are_read_too() {
        let file = "\u{feff}first name,last name,email,mobile\n\"Jean, Pierre\",Dupont,jp@exemple.fr,+33 7 00 00 00 01\n";
        let sheet = read(file.as_bytes()).unwrap();
        assert_eq!((sheet.encoding, sheet.delimiter), (TextEncoding::Utf8, ','));
        let plan = sheet.plan(&HashMap::new());
        let details = plan.lines[0].details.as_ref().unwrap();
        assert_eq!(details.first_name.as_str(), "Jean, Pierre");
        assert!(!plan.has_company && !plan.has_client_reference);

        let mut utf16 = vec![0xff, 0xfe];
        for unit in "Prénom\tNom\tE-mail\tMobile\r\nZoé\tBlanc\tzoe@exemple.fr\t0700000002\r\n"
            .encode_utf16()
        {
            utf16.extend(unit.to_le_bytes());
        }
        let sheet = read(&utf16).unwrap();
        assert_eq!(
            (sheet.encoding, sheet.delimiter),
            (TextEncoding::Utf16, '\t')
        );
        let plan = sheet.plan(&HashMap::new());
        assert_eq!(
            plan.lines[0].details.as_ref().unwrap().first_name.as_str(),
            "Zoé"
        );
    }

    #[test]
    fn every_problem_of_a_line_is_reported_with_what_was_typed() {
        let file = "Prénom;Nom;E-mail;Mobile\n\
                    Ana;;pas-un-email;06 12\n\
                    Ana;Diaz;ana@exemple.fr\n";
        let plan = read(file.as_bytes()).unwrap().plan(&HashMap::new());
        let bad = &plan.lines[0];
        assert_eq!(bad.outcome, Outcome::Invalid);
        assert_eq!(
            bad.problems,
            [
                Problem {
                    field: Field::LastName,
                    kind: ProblemKind::Missing,
                    value: String::new()
                },
                Problem {
                    field: Field::Email,
                    kind: ProblemKind::Invalid,
                    value: "pas-un-email".into()
                },
                Problem {
                    field: Field::Mobile,
                    kind: ProblemKind::Invalid,
                    value: "06 12".into()
                },
            ]
        );
        // A line cut short misses its last cells.
        let short = &plan.lines[1];
        assert_eq!(short.line, 3);
        assert_eq!(
            short
                .problems
                .iter()
                .map(|p| (p.field, p.kind))
                .collect::<Vec<_>>(),
            [(Field::Mobile, ProblemKind::Missing)]
        );
    }

    #[test]
    fn spreadsheets_numbers_get_their_zero_and_plus_back() {
        let file = "Prénom;Nom;E-mail;Mobile\nA;B;a@b.fr;612345678\nC;D;c@d.fr;33712345678\nE;F;e@f.fr;12345678\n";
        let plan = read(file.as_bytes()).unwrap().plan(&HashMap::new());
        let mobiles: Vec<_> = plan
            .lines
            .iter()
            .map(|l| l.details.as_ref().map(|d| d.mobile.as_str().to_owned()))
            .collect();
        assert_eq!(
            mobiles,
            [
                Some("+33612345678".to_owned()),
                Some("+33712345678".to_owned()),
                None
            ]
        );
    }

    #[test]
    fn duplicates_are_judged_by_email_in_the_file_then_against_the_contacts() {
        let file = "Prénom;Nom;E-mail;Mobile;Société;Référence client\n\
                    Élodie;Martin;elodie@exemple.fr;0612345678;SARL Martin;C-1\n\
                    Élodie;Martin;ELODIE@exemple.fr;0612345678;SARL Martin;C-1\n\
                    Paul;Petit;paul@exemple.fr;0612345679;;\n\
                    Nina;Roux;nina@exemple.fr;0612;;\n\
                    Nina;Roux;nina@exemple.fr;0612345670;;\n\
                    Nina;Roux;nina@exemple.fr;0612345670;;\n\
                    Léa;Noir;lea@exemple.fr;0612345671;;\n";
        let elodie = contact("elodie@exemple.fr", "+33612345678");
        let paul = contact("paul@exemple.fr", "+33600000000");
        let existing = HashMap::from([
            (elodie.email.clone(), elodie.clone()),
            (paul.email.clone(), paul.clone()),
        ]);
        let plan = read(file.as_bytes()).unwrap().plan(&existing);
        let outcomes: Vec<_> = plan.lines.iter().map(|l| l.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Unchanged(elodie.id),
                Outcome::Duplicate(2),
                Outcome::Update(paul.id),
                Outcome::Invalid,
                // The first valid line of an address wins, not the first line.
                Outcome::Create,
                Outcome::Duplicate(6),
                Outcome::Create,
            ]
        );
        assert_eq!(plan.count(|o| matches!(o, Outcome::Create)), 2);
    }

    #[test]
    fn a_file_without_a_column_leaves_that_field_alone() {
        let file = "Prénom;Nom;E-mail;Mobile\nÉlodie;Martin;elodie@exemple.fr;0612345678\n";
        let elodie = contact("elodie@exemple.fr", "+33612345678");
        let existing = HashMap::from([(elodie.email.clone(), elodie.clone())]);
        let plan = read(file.as_bytes()).unwrap().plan(&existing);
        assert_eq!(plan.lines[0].outcome, Outcome::Unchanged(elodie.id));
    }

    #[test]
    fn missing_required_columns_are_named_and_every_line_misses_them() {
        let file = "Nom;Courriel;Ville\nMartin;m@exemple.fr;Lyon\n";
        let sheet = read(file.as_bytes()).unwrap();
        assert_eq!(sheet.columns[2].field, None);
        let plan = sheet.plan(&HashMap::new());
        assert_eq!(plan.missing, [Field::FirstName, Field::Mobile]);
        assert_eq!(plan.lines[0].outcome, Outcome::Invalid);
        assert_eq!(
            plan.lines[0]
                .problems
                .iter()
                .map(|p| (p.field, p.kind))
                .collect::<Vec<_>>(),
            [
                (Field::FirstName, ProblemKind::Missing),
                (Field::Mobile, ProblemKind::Missing)
            ]
        );
    }

    #[test]
    fn a_telephone_column_is_the_mobile_only_when_no_column_says_mobile() {
        let both = read("Nom;Prénom;Téléphone;Portable;Email\n".as_bytes()).unwrap();
        assert_eq!(both.columns[2].field, None, "the landline is left out");
        assert_eq!(both.columns[3].field, Some(Field::Mobile));
        let only = read("Nom;Prénom;Tél.;Email\n".as_bytes()).unwrap();
        assert_eq!(only.columns[2].field, Some(Field::Mobile));
    }

    #[test]
    fn a_line_of_separators_is_refused_before_it_fills_the_memory() {
        let line = format!("Nom;Prénom\n{}\n", ";a".repeat(MAX_COLUMNS));
        assert!(matches!(
            read(line.as_bytes()).unwrap_err(),
            CsvError::Malformed { line: 2, .. }
        ));
    }

    #[test]
    fn files_that_cannot_be_read_say_why() {
        assert_eq!(read(b"").unwrap_err(), CsvError::Empty);
        assert_eq!(read(b" \r\n;;;\r\n").unwrap_err(), CsvError::Empty);
        assert_eq!(read(b"PK\x03\x04\x00\x00").unwrap_err(), CsvError::NotText);
        assert_eq!(
            read("Élodie;Martin;e@m.fr;0612345678\n".as_bytes()).unwrap_err(),
            CsvError::NoHeader
        );
        assert_eq!(
            read(&vec![b'a'; MAX_BYTES + 1]).unwrap_err(),
            CsvError::TooLarge
        );
        let mut many = String::from("Prénom;Nom;E-mail;Mobile\n");
        for i in 0..=MAX_LINES {
            many.push_str(&format!("A;B;a{i}@b.fr;0612345678\n"));
        }
        assert_eq!(read(many.as_bytes()).unwrap_err(), CsvError::TooManyLines);
    }

    #[test]
    fn lines_are_numbered_as_the_spreadsheet_shows_them() {
        for newline in ["\n", "\r\n"] {
            let file = [
                "Prénom;Nom;E-mail;Mobile",
                "A;B;a@b.fr;0612345678",
                "",
                "C;D;\"c@d.fr\";0612345678",
                ";;;",
                "E;\"F",
                "G\";e@f.fr;0612345678",
                "H;I;h@i.fr;0612345678",
            ]
            .join(newline);
            let plan = read(file.as_bytes()).unwrap().plan(&HashMap::new());
            assert_eq!(
                plan.lines.iter().map(|l| l.line).collect::<Vec<_>>(),
                [2, 4, 6, 8],
                "{newline:?}"
            );
            // A name on two lines is no name.
            assert_eq!(plan.lines[2].outcome, Outcome::Invalid);
            assert_eq!(plan.lines[2].problems[0].field, Field::LastName);
        }
    }

    #[test]
    fn a_second_column_for_a_field_is_ignored() {
        let file = "E-mail;Courriel;Prénom;Nom;Mobile\na@b.fr;c@d.fr;A;B;0612345678\n";
        let sheet = read(file.as_bytes()).unwrap();
        assert_eq!(sheet.columns[1].field, None);
        let plan = sheet.plan(&HashMap::new());
        assert_eq!(
            plan.lines[0].details.as_ref().unwrap().email.as_str(),
            "a@b.fr"
        );
    }

    #[test]
    fn what_is_written_reads_back_the_same_and_runs_no_formula() {
        let mut first = contact("elodie@exemple.fr", "+33612345678");
        first.company = "=HYPERLINK(\"http://evil\")".into();
        let mut second = contact("john@example.co.uk", "+447700900123");
        second.first_name = "John; \"Jack\"".into();
        second.client_reference = String::new();
        let written = write(&[first.clone(), second.clone()]);
        assert!(written.starts_with(
            "\u{feff}Prénom;Nom;E-mail;Mobile;Société;Référence client\r\n".as_bytes()
        ));
        let text = String::from_utf8(written.clone()).unwrap();
        assert!(text.contains(";06 12 34 56 78;\"'=HYPERLINK"), "{text}");
        assert!(text.contains(";'+447700900123;"), "{text}");

        let plan = read(&written).unwrap().plan(&HashMap::new());
        let back: Vec<_> = plan
            .lines
            .iter()
            .map(|l| l.details.clone().expect("valid"))
            .collect();
        for (contact, details) in [first, second].iter().zip(&back) {
            assert_eq!(details.first_name.as_str(), contact.first_name);
            assert_eq!(details.last_name.as_str(), contact.last_name);
            assert_eq!(details.email.as_str(), contact.email);
            assert_eq!(details.mobile.as_str(), contact.mobile);
            assert_eq!(details.company.as_str(), contact.company);
            assert_eq!(details.client_reference.as_str(), contact.client_reference);
        }
    }

    #[test]
    fn headers_are_recognised_without_case_accents_or_punctuation() {
        for (header, field) in [
            ("PRÉNOM", Field::FirstName),
            ("Nom de famille", Field::LastName),
            ("E-mail", Field::Email),
            ("Mél.", Field::Email),
            ("Tél. portable", Field::Mobile),
            ("Réf. client", Field::ClientReference),
            ("Raison sociale", Field::Company),
        ] {
            assert_eq!(Field::named(header), Some(field), "{header}");
        }
        assert_eq!(Field::named("Ville"), None);
        for field in Field::ALL {
            assert_eq!(Field::named(field.header()), Some(field));
        }
    }
}
