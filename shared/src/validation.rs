//! Parse-don't-validate newtypes for user input, shared so the web app shows the same
//! message the server would answer.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("l'adresse e-mail est invalide")]
    Email,
    #[error("le numéro de mobile doit être au format international, par exemple +33612345678")]
    Phone,
    #[error("le nom doit contenir entre 1 et 100 caractères")]
    Name,
    #[error("le mot de passe doit contenir entre 12 et 128 caractères")]
    Password,
    #[error("le SIREN doit contenir 9 chiffres et être valide")]
    Siren,
    #[error("le nom du cabinet doit contenir entre 1 et 200 caractères")]
    CabinetName,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneE164(String);

impl PhoneE164 {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        let digits = compact.strip_prefix('+').ok_or(ValidationError::Phone)?;
        let ok = (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(PhoneE164(compact))
        } else {
            Err(ValidationError::Phone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
    fn phones_must_be_international() {
        assert_eq!(
            PhoneE164::parse("+33 6 12 34 56 78").unwrap().as_str(),
            "+33612345678"
        );
        for bad in [
            "0612345678",
            "+33",
            "+0612345678",
            "+33 6 12 ab 56 78",
            "+1234567890123456",
        ] {
            assert_eq!(
                PhoneE164::parse(bad),
                Err(ValidationError::Phone),
                "{bad:?}"
            );
        }
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
