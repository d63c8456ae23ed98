pub mod dashboard;
pub mod login;
pub mod members;
pub mod shell;
pub mod terms;
