//! The keys of the translation files, to check that every language has every key (used by
//! `build.rs`, which refuses to build otherwise, and by this crate's tests).

use std::collections::BTreeSet;
use std::path::Path;

/// Every key of one JSON translation file, as `a.b.c` paths to its strings.
pub fn keys(file: &Path) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut keys = BTreeSet::new();
    collect("", &value, &mut keys);
    Ok(keys)
}

fn collect(prefix: &str, value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                collect(&path, value, keys);
            }
        }
        _ => {
            keys.insert(prefix.to_owned());
        }
    }
}

/// What one language has that another lacks, for every namespace, in words.
pub fn differences(
    root: &Path,
    locales: &[&str],
    namespaces: &[&str],
) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for namespace in namespaces {
        let mut per_locale = Vec::new();
        for locale in locales {
            per_locale.push((
                *locale,
                keys(&root.join(locale).join(format!("{namespace}.json")))?,
            ));
        }
        for (locale, keys) in &per_locale {
            for (other, other_keys) in &per_locale {
                for missing in other_keys.difference(keys) {
                    problems.push(format!(
                        "{locale}/{namespace}.json lacks `{missing}` (present in {other})"
                    ));
                }
            }
        }
    }
    Ok(problems)
}
