//! The pieces pages are built from: each one small, with the classes, roles and
//! `data-testid`s the stylesheet and the browser tests (`e2e/`) rely on.

mod checkbox;
mod code_input;
mod confirm;
mod error;
mod loading;
mod not_found;
mod reader;
mod sso;
mod uploader;

pub use checkbox::Checkbox;
pub use code_input::CodeInput;
pub use confirm::{confirmed, ConfirmButton};
pub use error::{ErrorBanner, ErrorCard, ErrorNotice};
pub use loading::Loading;
pub use not_found::NotFound;
pub use reader::{Reader, ReaderDocument};
pub use sso::SsoButton;
pub use uploader::{selected_file, FileField, FilePicker, UploadProgress};
