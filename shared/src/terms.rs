//! Versions of the documents an accountant accepts to open a cabinet.
//!
//! Bumping a version closes every cabinet until its accountant accepts the new text.

/// Conditions générales d'utilisation.
pub const CGU_VERSION: &str = "2026-11";
/// Politique de protection des données (RGPD).
pub const PRIVACY_POLICY_VERSION: &str = "2026-11";
