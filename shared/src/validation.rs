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
}
