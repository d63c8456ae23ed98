//! Distinguished names of certificate holders.

use der::asn1::{Any, Ia5StringRef, ObjectIdentifier, SetOfVec, Utf8StringRef};
use der::Tag;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::PkiError;

const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const SURNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.4");
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const GIVEN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.42");
const ORGANIZATION_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.97");
const EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// A natural person: "CN=First LAST", given name, surname, email, serialNumber.
#[derive(Debug, Clone)]
pub struct PersonIdentity {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// A stable identifier of the person at Paraphe (ETSI EN 319 412-1 semantics).
    pub serial_number: String,
}

/// A legal person (a cabinet) for seals: organisation name and SIREN.
#[derive(Debug, Clone)]
pub struct CabinetIdentity {
    pub name: String,
    pub siren: String,
}

fn utf8(oid: ObjectIdentifier, value: &str) -> Result<RelativeDistinguishedName, PkiError> {
    let value = Any::new(Tag::Utf8String, Utf8StringRef::new(value)?.as_bytes())?;
    rdn(oid, value)
}

fn printable_or_ia5(
    oid: ObjectIdentifier,
    tag: Tag,
    value: &str,
) -> Result<RelativeDistinguishedName, PkiError> {
    let value = Any::new(tag, Ia5StringRef::new(value)?.as_bytes())?;
    rdn(oid, value)
}

fn rdn(oid: ObjectIdentifier, value: Any) -> Result<RelativeDistinguishedName, PkiError> {
    let mut set = SetOfVec::new();
    set.insert(AttributeTypeAndValue { oid, value })?;
    Ok(RelativeDistinguishedName(set))
}

impl PersonIdentity {
    pub fn common_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name.to_uppercase())
    }

    pub(crate) fn subject(&self) -> Result<Name, PkiError> {
        if self.first_name.trim().is_empty() || self.last_name.trim().is_empty() {
            return Err(PkiError::Name("first and last name are required".into()));
        }
        Ok(RdnSequence(vec![
            printable_or_ia5(COUNTRY, Tag::PrintableString, "FR")?,
            utf8(GIVEN_NAME, &self.first_name)?,
            utf8(SURNAME, &self.last_name.to_uppercase())?,
            printable_or_ia5(SERIAL_NUMBER, Tag::PrintableString, &self.serial_number)?,
            utf8(CN, &self.common_name())?,
            printable_or_ia5(EMAIL, Tag::Ia5String, &self.email)?,
        ]))
    }
}

impl CabinetIdentity {
    pub(crate) fn subject(&self) -> Result<Name, PkiError> {
        if self.siren.len() != 9 || !self.siren.chars().all(|c| c.is_ascii_digit()) {
            return Err(PkiError::Name("a SIREN has 9 digits".into()));
        }
        Ok(RdnSequence(vec![
            printable_or_ia5(COUNTRY, Tag::PrintableString, "FR")?,
            utf8(ORGANIZATION, &self.name)?,
            utf8(ORGANIZATION_IDENTIFIER, &format!("NTRFR-{}", self.siren))?,
            utf8(CN, &self.name)?,
        ]))
    }
}
