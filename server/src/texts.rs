//! What every email and SMS is made of, whatever the domain that writes it.

use chrono::{DateTime, Utc};
use paraphe_shared::Language;

/// A message's subject and body, in its reader's language.
pub struct Text {
    pub subject: String,
    pub body: String,
}

/// A day as its reader writes it: 05/01/2031, or 5 January 2031.
pub fn date(language: Language, at: DateTime<Utc>) -> String {
    match language {
        Language::Fr => at.format("%d/%m/%Y").to_string(),
        Language::En => at.format("%-d %B %Y").to_string(),
    }
}
