//! The server's integration tests, as one test binary (one link of the server instead of
//! one per file): each module drives a real server (`crate::common::TestServer`) over a fresh
//! database from `#[sqlx::test]`. `cargo test -p paraphe-server --test it collections::`
//! runs one module. The PKCS#11 test stays a binary of its own (`tests/pkcs11.rs`): it sets
//! SoftHSM's configuration in the process environment, which no other test may share.

mod common;

mod accounts;
mod cabinets;
mod certificates;
mod cli;
mod collections;
mod contacts;
mod cross_tenant;
mod edge;
mod identity;
mod invitations;
mod languages;
mod notifications;
mod oidc;
mod pki;
mod platform;
mod signing;
mod subscriptions;
mod web_delivery;
