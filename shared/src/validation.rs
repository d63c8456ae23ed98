//! Parse-don't-validate newtypes for user input, shared so the web app shows the same
//! message the server would answer.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("l'adresse e-mail est invalide")]
    Email,
    #[error("le numéro de mobile doit être au format international (+33612345678) ou français (06 12 34 56 78)")]
    Phone,
    #[error("le nom doit contenir entre 1 et 100 caractères")]
    Name,
    #[error("le mot de passe doit contenir entre 12 et 128 caractères")]
    Password,
    #[error("le SIREN doit contenir 9 chiffres et être valide")]
    Siren,
    #[error("le nom du cabinet doit contenir entre 1 et 200 caractères")]
    CabinetName,
    #[error("la référence client contient au plus 50 caractères")]
    ClientReference,
    #[error("le nom de la société contient au plus 200 caractères")]
    Company,
}

/// A syntactically valid email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email.split_once('@').ok_or(ValidationError::Email)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        let chars_ok = !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if local.is_empty() || !domain_ok || !chars_ok || domain.contains('@') || email.len() > 254
        {
            return Err(ValidationError::Email);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mobile number in E.164 form (`+` then 8 to 15 digits), the form SMS gateways take.
///
/// French numbers are also taken as people write them — `06 12 34 56 78`, `06.12.34.56.78`,
/// `0033 6 12 34 56 78`, `+33 (0)6 12 34 56 78`, `+33 06 12 34 56 78` — and kept as
/// `+33612345678`: a number with `+33` must then have the nine digits of the French plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneE164(String);

impl PhoneE164 {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let compact: String = raw
            .trim()
            .replace("(0)", "")
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '(' | ')' | '\u{a0}' | '\u{202f}'))
            .collect();
        let digits = if let Some(international) = compact.strip_prefix('+') {
            international.to_owned()
        } else if let Some(international) = compact.strip_prefix("00") {
            international.to_owned()
        } else if let Some(national) = compact.strip_prefix('0') {
            // A French national number: 0 then nine digits.
            if national.len() != 9 {
                return Err(ValidationError::Phone);
            }
            format!("33{national}")
        } else {
            return Err(ValidationError::Phone);
        };
        // "+33 06…": the national 0 kept after the country code.
        let digits = match digits.strip_prefix("330") {
            Some(national) if national.len() == 9 => format!("33{national}"),
            _ => digits,
        };
        let ok = (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
            && (!digits.starts_with("33") || digits.len() == 11);
        if ok {
            Ok(PhoneE164(format!("+{digits}")))
        } else {
            Err(ValidationError::Phone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How a French reader writes it (`06 12 34 56 78`) for a French number, else as stored.
    pub fn display_national(&self) -> String {
        match self.0.strip_prefix("+33") {
            Some(national) if national.len() == 9 => {
                let digits = format!("0{national}");
                digits
                    .as_bytes()
                    .chunks(2)
                    .map(|pair| String::from_utf8_lossy(pair).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => self.0.clone(),
        }
    }
}

/// A first or last name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 || len > 100 || name.chars().any(char::is_control) {
            return Err(ValidationError::Name);
        }
        Ok(PersonName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password someone chooses: 12 to 128 characters. The length is the rule (no class
/// requirements, as NIST SP 800-63B advises); the upper bound keeps hashing cheap.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let len = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&len) {
            return Err(ValidationError::Password);
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

// Never printed, even in debug logs.
impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// A French company number: 9 digits whose Luhn checksum holds (spaces allowed on input).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Siren(String);

impl Siren {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::Siren);
        }
        let sum: u32 = digits
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    let doubled = d * 2;
                    if doubled > 9 {
                        doubled - 9
                    } else {
                        doubled
                    }
                } else {
                    d
                }
            })
            .sum();
        if !sum.is_multiple_of(10) {
            return Err(ValidationError::Siren);
        }
        Ok(Siren(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A cabinet's name: trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CabinetName(String);

impl CabinetName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 || len > 200 || name.chars().any(char::is_control) {
            return Err(ValidationError::CabinetName);
        }
        Ok(CabinetName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A contact's reference in the cabinet's own books (a client code, a file number):
/// trimmed, at most 50 characters, no control characters; empty when there is none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ClientReference(String);

impl ClientReference {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let reference = raw.trim();
        if reference.chars().count() > Self::MAX_CHARS || reference.chars().any(char::is_control) {
            return Err(ValidationError::ClientReference);
        }
        Ok(ClientReference(reference.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The company a contact signs for: trimmed, at most 200 characters, no control
/// characters; empty for a private person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Company(String);

impl Company {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let company = raw.trim();
        if company.chars().count() > Self::MAX_CHARS || company.chars().any(char::is_control) {
            return Err(ValidationError::Company);
        }
        Ok(Company(company.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Marie.Dupont@Cabinet.FR ").unwrap().as_str(),
            "marie.dupont@cabinet.fr"
        );
        for bad in [
            "",
            "marie",
            "marie@",
            "@cabinet.fr",
            "marie@cabinet",
            "ma rie@cabinet.fr",
            "a@b@c.fr",
            "m@.fr",
        ] {
            assert_eq!(Email::parse(bad), Err(ValidationError::Email), "{bad:?}");
        }
    }

    #[test]
    fn phones_are_international_or_french() {
        for (typed, stored) in [
            ("+33 6 12 34 56 78", "+33612345678"),
            ("+33612345678", "+33612345678"),
            ("06 12 34 56 78", "+33612345678"),
            ("0612345678", "+33612345678"),
            ("06.12.34.56.78", "+33612345678"),
            ("06-12-34-56-78", "+33612345678"),
            (" 07 00 00 00 01 ", "+33700000001"),
            ("0033 6 12 34 56 78", "+33612345678"),
            ("+33 (0)6 12 34 56 78", "+33612345678"),
            ("+33 06 12 34 56 78", "+33612345678"),
            ("06\u{a0}12\u{a0}34\u{a0}56\u{a0}78", "+33612345678"),
            ("+44 7700 900123", "+447700900123"),
            ("+1 415 555 0100", "+14155550100"),
        ] {
            assert_eq!(
                PhoneE164::parse(typed).map(|p| p.as_str().to_owned()),
                Ok(stored.to_owned()),
                "{typed:?}"
            );
        }
        for bad in [
            "",
            "06 12",
            "061234567",
            "06123456789",
            "612345678",
            "+33",
            "+3361234567",
            "+336123456789",
            "+0612345678",
            "+33 6 12 ab 56 78",
            "+1234567890123456",
            "00",
            "mobile",
        ] {
            assert_eq!(
                PhoneE164::parse(bad),
                Err(ValidationError::Phone),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn french_numbers_read_as_the_french_write_them() {
        let french = PhoneE164::parse("+33612345678").unwrap();
        assert_eq!(french.display_national(), "06 12 34 56 78");
        let british = PhoneE164::parse("+447700900123").unwrap();
        assert_eq!(british.display_national(), "+447700900123");
    }

    #[test]
    fn references_and_companies_may_be_empty_but_not_too_long() {
        assert_eq!(ClientReference::parse("  ").unwrap().as_str(), "");
        assert_eq!(ClientReference::parse(" C-042 ").unwrap().as_str(), "C-042");
        assert_eq!(
            ClientReference::parse(&"x".repeat(51)),
            Err(ValidationError::ClientReference)
        );
        assert_eq!(Company::parse("").unwrap().as_str(), "");
        assert_eq!(
            Company::parse(" SARL Dupont ").unwrap().as_str(),
            "SARL Dupont"
        );
        assert_eq!(
            Company::parse(&"x".repeat(201)),
            Err(ValidationError::Company)
        );
        assert_eq!(Company::parse("a\u{7}b"), Err(ValidationError::Company));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Élodie ").unwrap().as_str(), "Élodie");
        assert_eq!(PersonName::parse("   "), Err(ValidationError::Name));
        assert_eq!(
            PersonName::parse(&"x".repeat(101)),
            Err(ValidationError::Name)
        );
    }

    #[test]
    fn passwords_are_judged_by_length_only() {
        assert!(NewPassword::parse("correct horse").is_ok());
        assert!(
            NewPassword::parse("ééééééééééé€").is_ok(),
            "characters, not bytes"
        );
        assert_eq!(NewPassword::parse("short"), Err(ValidationError::Password));
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)),
            Err(ValidationError::Password)
        );
        assert!(!format!("{:?}", NewPassword::parse("correct horse").unwrap()).contains("horse"));
    }

    #[test]
    fn sirens_have_nine_digits_and_a_valid_checksum() {
        assert_eq!(Siren::parse("123 456 782").unwrap().as_str(), "123456782");
        assert_eq!(Siren::parse("732829320").unwrap().as_str(), "732829320");
        for bad in ["123456789", "12345678", "1234567820", "12345678a", ""] {
            assert_eq!(Siren::parse(bad), Err(ValidationError::Siren), "{bad:?}");
        }
    }
}
