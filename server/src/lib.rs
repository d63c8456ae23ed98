//! Paraphe's server: the GraphQL API over PostgreSQL, its HTTP edge, and the domain
//! modules behind it. `main.rs` is only the command line around [`app`].

pub mod accounts;
pub mod app;
pub mod audit;
pub mod billing;
pub mod cabinets;
pub mod certificates;
pub mod client_address;
pub mod codes;
pub mod collections;
pub mod config;
pub mod contacts;
pub mod db;
pub mod demo;
pub mod events;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod ids;
pub mod keys;
pub mod notifications;
pub mod pki;
pub mod platform;
pub mod platform_log;
pub mod request_meta;
pub mod signing;
pub mod subprocess;
pub mod texts;
pub mod tokens;
pub mod workers;

pub use app::{build_state, router, AppState};

/// An error of any kind kept as the source of a domain's `Internal` variant: its chain
/// reaches the log (`ApiError::internal`), never the client.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub use config::Config;
