//! Generates the `i18n` module (leptos_i18n) from `locales/{fr,en}/*.json`, after checking
//! that both languages have exactly the same keys: leptos_i18n would only warn and show
//! the French text in the English app (see `locales` in the crate's docs).

use std::error::Error;
use std::path::{Path, PathBuf};

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

/// French first: the default, and the fallback.
const LOCALES: [&str; 2] = ["fr", "en"];
const NAMESPACES: [&str; 11] = [
    "common",
    "errors",
    "public",
    "cabinet",
    "collections",
    "contacts",
    "enrolment",
    "certificates",
    "operator",
    "account",
    "platform",
];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    let locales = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let problems = locale_keys::differences(&locales, &LOCALES, &NAMESPACES)?;
    if !problems.is_empty() {
        return Err(format!("the locales differ:\n{}", problems.join("\n")).into());
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR")?).join("i18n");
    let mut config =
        Config::new(LOCALES[0])?.parse_options(ParseOptions::default().interpolate_display(true));
    for locale in &LOCALES[1..] {
        config = config.add_locale(locale)?;
    }
    let config = config.add_namespaces(NAMESPACES)?;
    let infos = TranslationsInfos::parse(config)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}

#[path = "src/locale_keys.rs"]
mod locale_keys;
