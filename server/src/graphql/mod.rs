//! The GraphQL schema: each domain contributes its query, mutation and subscription
//! roots, merged here with the limits that protect the server.

pub mod context;
pub mod domain_errors;
pub mod error;
pub mod guard;
pub mod language;
pub mod safety_net;

use async_graphql::{MergedObject, MergedSubscription, Schema};
use sqlx::PgPool;

use crate::accounts::graphql::{AccountsMutation, AccountsQuery};
use crate::accounts::oidc::graphql::{SsoMutation, SsoQuery};
use crate::accounts::oidc::Sso;
use std::sync::Arc;

use crate::billing::graphql::{BillingMutation, BillingQuery};
use crate::cabinets::graphql::{CabinetsMutation, CabinetsQuery, CabinetsSubscription};
use crate::certificates::graphql::{CertificatesMutation, CertificatesQuery};
use crate::collections::graphql::{CollectionsMutation, CollectionsQuery, CollectionsSubscription};
use crate::config::Config;
use crate::contacts::graphql::{ContactsMutation, ContactsQuery};
use crate::events::EventBus;
use crate::identity::graphql::{IdentityMutation, IdentityQuery, IdentitySubscription};
use crate::notifications::graphql::NotificationsQuery;
use crate::notifications::Notifier;
use crate::pki::Pki;
use crate::platform::graphql::{PlatformMutation, PlatformQuery};

#[derive(MergedObject, Default)]
pub struct Query(
    AccountsQuery,
    SsoQuery,
    CabinetsQuery,
    CollectionsQuery,
    ContactsQuery,
    BillingQuery,
    NotificationsQuery,
    IdentityQuery,
    CertificatesQuery,
    PlatformQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountsMutation,
    SsoMutation,
    CabinetsMutation,
    CollectionsMutation,
    ContactsMutation,
    BillingMutation,
    IdentityMutation,
    CertificatesMutation,
    PlatformMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    CabinetsSubscription,
    CollectionsSubscription,
    IdentitySubscription,
);

pub type ParapheSchema = Schema<Query, Mutation, Subscription>;

/// Deepest query accepted; the app's deepest is 5.
pub const MAX_DEPTH: usize = 12;
/// Most complex query accepted (one point per field, connections count `first` times).
pub const MAX_COMPLEXITY: usize = 2_000;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .extension(guard::DocumentGuard)
    .extension(safety_net::ErrorCodes)
}

/// The schema as the server runs it: introspection only where configured (development
/// tools); the schema is published as `schema.graphql` for everyone else.
pub fn schema(
    db: PgPool,
    bus: EventBus,
    config: Config,
    pki: Arc<Pki>,
    notifier: Notifier,
    sso: Arc<Sso>,
) -> ParapheSchema {
    let builder = if config.introspection {
        builder()
    } else {
        builder().disable_introspection()
    };
    builder
        .data(db)
        .data(bus)
        .data(config)
        .data(pki)
        .data(notifier)
        .data(sso)
        .finish()
}

/// The SDL clients generate their code from; committed as `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
