//! Last line of defence for error codes.
//!
//! Request errors async-graphql raises itself (syntax, unknown field, depth and complexity
//! limits) carry no path: they get `VALIDATION` or `QUERY_TOO_COMPLEX`. A resolver error
//! without a code (a library error converted by `?`) is logged and answered as `INTERNAL`
//! without its detail. Coded errors pass through untouched.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe,
};
use async_graphql::{Response, ServerError};
use futures_util::stream::{BoxStream, StreamExt};
use paraphe_shared::ErrorCode;

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
}

fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    error
}

fn give_code(error: ServerError) -> ServerError {
    if has_code(&error) {
        return error;
    }
    if error.path.is_empty() {
        let code = if error.message.contains("too complex") || error.message.contains("too deep") {
            ErrorCode::QueryTooComplex
        } else {
            ErrorCode::Validation
        };
        return with_code(error, code);
    }
    let incident = uuid::Uuid::new_v4();
    tracing::error!(%incident, error = %error.message, path = ?error.path, "uncoded resolver error answered as INTERNAL");
    let mut internal = ServerError::new(format!("erreur interne (incident {incident})"), None);
    internal.path = error.path;
    internal.locations = error.locations;
    with_code(internal, ErrorCode::Internal)
}

fn give_codes(mut response: Response) -> Response {
    response.errors = response.errors.into_iter().map(give_code).collect();
    response
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        give_codes(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(give_codes).boxed()
    }
}
