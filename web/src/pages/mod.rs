pub mod collections;
pub mod dashboard;
pub mod login;
pub mod members;
pub mod outbox;
pub mod shell;
pub mod signer;
pub mod terms;
