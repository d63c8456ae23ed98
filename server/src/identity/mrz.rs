//! The machine-readable zone of identity documents (ICAO Doc 9303): TD1 (identity cards,
//! residence permits: three lines of 30) and TD3 (passports: two lines of 44).
//!
//! `parse` is a pure function of the text and the day it is read: OCR output goes in as
//! it comes (spaces, blank lines, lower case and surrounding noise are tolerated), a
//! checked `Mrz` or the first fault comes out. Every check digit is verified, including
//! the composite one, so a single misread character is caught rather than trusted.

use chrono::{Datelike, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum MrzFormat {
    /// Three lines of 30 characters: identity cards and residence permits.
    Td1,
    /// Two lines of 44 characters: passports.
    Td3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Sex {
    Female,
    Male,
    Unspecified,
}

/// The fields whose check digits the MRZ carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Field {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    PersonalNumber,
    Composite,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Mrz {
    pub format: MrzFormat,
    /// "I", "ID", "IR", "P", "PO"…: the first letter says the kind of document.
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    /// As printed in the MRZ: upper case, no accents, hyphens and apostrophes gone.
    pub surname: String,
    pub given_names: String,
    /// Set when the name field is full: the printed names may be truncated.
    pub names_truncated: bool,
    pub nationality: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub expiry_date: NaiveDate,
    pub optional_data: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub enum MrzError {
    #[error("no machine-readable zone found (expected 3 lines of 30 or 2 lines of 44 characters)")]
    NotFound,
    #[error("character {character:?} is not allowed in a machine-readable zone (line {line}, column {column})")]
    InvalidCharacter {
        line: usize,
        column: usize,
        character: char,
    },
    #[error("the check digit of {0:?} does not match")]
    CheckDigit(Field),
    #[error("{0:?} is not a valid date")]
    InvalidDate(Field),
    #[error("the sex field holds {0:?}")]
    InvalidSex(char),
    #[error("the name field has no surname")]
    MissingSurname,
}

const TD1_WIDTH: usize = 30;
const TD3_WIDTH: usize = 44;

/// Reads the MRZ out of `text` (OCR output or typed lines). `today` decides the century of
/// two-digit years: a birth date is never in the future, an expiry date is within 50 years
/// of today.
pub fn parse(text: &str, today: NaiveDate) -> Result<Mrz, MrzError> {
    let lines: Vec<Vec<u8>> = text
        .lines()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect::<String>()
        })
        .filter(|line| !line.is_empty())
        .map(String::into_bytes)
        .collect();
    // The MRZ is at the bottom of the document: prefer the last block that has the shape.
    for start in (0..lines.len()).rev() {
        if start + 3 <= lines.len() && lines[start..start + 3].iter().all(|l| l.len() == TD1_WIDTH)
        {
            return parse_td1([&lines[start], &lines[start + 1], &lines[start + 2]], today);
        }
        if start + 2 <= lines.len() && lines[start..start + 2].iter().all(|l| l.len() == TD3_WIDTH)
        {
            return parse_td3([&lines[start], &lines[start + 1]], today);
        }
    }
    Err(MrzError::NotFound)
}

fn parse_td1(lines: [&[u8]; 3], today: NaiveDate) -> Result<Mrz, MrzError> {
    check_alphabet(&lines)?;
    let [l1, l2, l3] = lines;
    let (document_number, optional_1) = document_number_td1(l1)?;
    let birth_date = checked_date(&l2[0..6], l2[6], Field::BirthDate, Century::Past, today)?;
    let sex = sex(l2[7])?;
    let expiry_date = checked_date(
        &l2[8..14],
        l2[14],
        Field::ExpiryDate,
        Century::Expiry,
        today,
    )?;
    let composite: Vec<u8> = [&l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]].concat();
    check(&composite, l2[29], Field::Composite)?;
    let (surname, given_names) = names(l3)?;
    let mut optional_data = optional_1;
    let optional_2 = text(&l2[18..29]);
    if !optional_2.is_empty() {
        if !optional_data.is_empty() {
            optional_data.push(' ');
        }
        optional_data.push_str(&optional_2);
    }
    Ok(Mrz {
        format: MrzFormat::Td1,
        document_code: text(&l1[0..2]),
        issuing_state: text(&l1[2..5]),
        document_number,
        surname,
        given_names,
        names_truncated: l3[TD1_WIDTH - 1] != b'<',
        nationality: text(&l2[15..18]),
        birth_date,
        sex,
        expiry_date,
        optional_data,
    })
}

/// A TD1 document number longer than 9 characters continues in the optional data, its
/// check digit replaced by a filler and written after the continuation instead.
fn document_number_td1(l1: &[u8]) -> Result<(String, String), MrzError> {
    if l1[14] != b'<' {
        check(&l1[5..14], l1[14], Field::DocumentNumber)?;
        return Ok((text(&l1[5..14]), text(&l1[15..30])));
    }
    let rest = &l1[15..30];
    let end = rest.iter().position(|&c| c == b'<').unwrap_or(rest.len());
    if end == 0 {
        return Err(MrzError::CheckDigit(Field::DocumentNumber));
    }
    let (continuation, check_digit) = (&rest[..end - 1], rest[end - 1]);
    let number: Vec<u8> = [&l1[5..14], continuation].concat();
    check(&number, check_digit, Field::DocumentNumber)?;
    Ok((text(&number), text(&rest[end..])))
}

fn parse_td3(lines: [&[u8]; 2], today: NaiveDate) -> Result<Mrz, MrzError> {
    check_alphabet(&lines)?;
    let [l1, l2] = lines;
    check(&l2[0..9], l2[9], Field::DocumentNumber)?;
    let birth_date = checked_date(&l2[13..19], l2[19], Field::BirthDate, Century::Past, today)?;
    let sex = sex(l2[20])?;
    let expiry_date = checked_date(
        &l2[21..27],
        l2[27],
        Field::ExpiryDate,
        Century::Expiry,
        today,
    )?;
    // An empty personal number may carry a filler instead of its check digit.
    let personal = &l2[28..42];
    if !(l2[42] == b'<' && personal.iter().all(|&c| c == b'<')) {
        check(personal, l2[42], Field::PersonalNumber)?;
    }
    let composite: Vec<u8> = [&l2[0..10], &l2[13..20], &l2[21..43]].concat();
    check(&composite, l2[43], Field::Composite)?;
    let (surname, given_names) = names(&l1[5..44])?;
    Ok(Mrz {
        format: MrzFormat::Td3,
        document_code: text(&l1[0..2]),
        issuing_state: text(&l1[2..5]),
        document_number: text(&l2[0..9]),
        surname,
        given_names,
        names_truncated: l1[TD3_WIDTH - 1] != b'<',
        nationality: text(&l2[10..13]),
        birth_date,
        sex,
        expiry_date,
        optional_data: text(personal),
    })
}

fn check_alphabet(lines: &[&[u8]]) -> Result<(), MrzError> {
    for (l, line) in lines.iter().enumerate() {
        if let Some(column) = line
            .iter()
            .position(|&c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<'))
        {
            // The line is ASCII-checked byte by byte; report the character as the reader saw it.
            let character = String::from_utf8_lossy(&line[column..])
                .chars()
                .next()
                .unwrap_or('?');
            return Err(MrzError::InvalidCharacter {
                line: l + 1,
                column: column + 1,
                character,
            });
        }
    }
    Ok(())
}

/// ICAO 9303 part 3, 4.9: weights 7, 3, 1 over digits, letters (A = 10) and fillers (0).
pub fn check_digit(field: &[u8]) -> u8 {
    let sum: u32 = field
        .iter()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(&c, &w)| {
            let value = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => 0,
            };
            value * w
        })
        .sum();
    b'0' + (sum % 10) as u8
}

fn check(field: &[u8], digit: u8, which: Field) -> Result<(), MrzError> {
    if check_digit(field) == digit {
        Ok(())
    } else {
        Err(MrzError::CheckDigit(which))
    }
}

enum Century {
    /// Birth dates: the latest century that does not put the date after today.
    Past,
    /// Expiry dates: documents last at most a few decades.
    Expiry,
}

fn checked_date(
    digits: &[u8],
    check_digit: u8,
    field: Field,
    century: Century,
    today: NaiveDate,
) -> Result<NaiveDate, MrzError> {
    check(digits, check_digit, field)?;
    let number = |range: std::ops::Range<usize>| -> Result<u32, MrzError> {
        std::str::from_utf8(&digits[range])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(MrzError::InvalidDate(field))
    };
    let (yy, month, day) = (number(0..2)? as i32, number(2..4)?, number(4..6)?);
    let this_century = today.year() - today.year().rem_euclid(100);
    let year = match century {
        Century::Past => {
            let candidate = this_century + yy;
            if (candidate, month, day) > (today.year(), today.month(), today.day()) {
                candidate - 100
            } else {
                candidate
            }
        }
        Century::Expiry => {
            let candidate = this_century + yy;
            if candidate > today.year() + 50 {
                candidate - 100
            } else if candidate < today.year() - 50 {
                candidate + 100
            } else {
                candidate
            }
        }
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or(MrzError::InvalidDate(field))
}

fn sex(c: u8) -> Result<Sex, MrzError> {
    match c {
        b'F' => Ok(Sex::Female),
        b'M' => Ok(Sex::Male),
        b'<' | b'X' => Ok(Sex::Unspecified),
        other => Err(MrzError::InvalidSex(char::from(other))),
    }
}

/// "SURNAME<<GIVEN<NAMES<<<" → ("SURNAME", "GIVEN NAMES").
fn names(field: &[u8]) -> Result<(String, String), MrzError> {
    let field = String::from_utf8_lossy(field);
    let (surname, given) = field.split_once("<<").unwrap_or((&field, ""));
    let surname = words(surname);
    if surname.is_empty() {
        return Err(MrzError::MissingSurname);
    }
    Ok((surname, words(given)))
}

fn words(part: &str) -> String {
    part.split('<')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn text(field: &[u8]) -> String {
    words(&String::from_utf8_lossy(field))
}

/// A name as an MRZ prints it (ICAO 9303 part 3, 6): upper case, accents dropped,
/// apostrophes dropped, hyphens and spaces as separators — "Jean-Loïc d'Arc" gives
/// "JEAN LOIC DARC". Used to compare a declared identity with the document.
pub fn mrz_form(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\'' | '’' | '`' | '.' => {}
            '-' | ' ' | '<' | ',' => out.push(' '),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            c => out.push_str(transliterate(c)),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn transliterate(c: char) -> &'static str {
    if c == 'ß' {
        return "SS";
    }
    match c.to_uppercase().next().unwrap_or(c) {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
        'Æ' => "AE",
        'Ç' => "C",
        'È' | 'É' | 'Ê' | 'Ë' => "E",
        'Ì' | 'Í' | 'Î' | 'Ï' => "I",
        'Ñ' => "N",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
        'Œ' => "OE",
        'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
        'Ý' | 'Ÿ' => "Y",
        _ => "",
    }
}

/// Whether a declared name is the one printed: equal in MRZ form, or — when the MRZ name
/// field is full and so possibly truncated — the printed form is a prefix of the declared.
pub fn name_matches(declared: &str, printed: &str, truncated: bool) -> bool {
    let declared = mrz_form(declared);
    let printed = mrz_form(printed);
    if printed.is_empty() {
        return false;
    }
    declared == printed || (truncated && declared.starts_with(&printed))
}

#[cfg(test)]
mod tests;
