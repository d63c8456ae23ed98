//! The languages as the API spells them (`FR`, `EN`).

use paraphe_shared::Language;

/// A language people read Paraphe in.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Language")]
pub enum LanguageCode {
    Fr,
    En,
}

impl From<Language> for LanguageCode {
    fn from(language: Language) -> Self {
        match language {
            Language::Fr => LanguageCode::Fr,
            Language::En => LanguageCode::En,
        }
    }
}

impl From<LanguageCode> for Language {
    fn from(code: LanguageCode) -> Self {
        match code {
            LanguageCode::Fr => Language::Fr,
            LanguageCode::En => Language::En,
        }
    }
}

/// A stored code (`fr`, `en`) as the API's enum; `None` when nothing is stored.
pub fn stored(code: Option<&str>) -> Option<LanguageCode> {
    code.and_then(|code| code.parse::<Language>().ok())
        .map(LanguageCode::from)
}
