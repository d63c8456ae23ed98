//! Vocabulary shared by `paraphe-server` and `paraphe-web`.
//!
//! Everything here must build for `wasm32-unknown-unknown`: no I/O, no threads.

pub mod error_code;
pub mod language;
pub mod roles;
pub mod sso;
pub mod terms;
pub mod validation;

pub use error_code::ErrorCode;
pub use language::Language;
pub use roles::{Delegation, Role};
pub use sso::SsoFailure;
pub use validation::{
    CabinetName, ClientReference, Company, Email, NewPassword, PersonName, PhoneE164, Siren,
    ValidationError,
};
