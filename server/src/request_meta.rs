//! Facts about the HTTP request or WebSocket connection that domains record in audit
//! rows. A leaf: the HTTP edge fills it, domains read it, neither imports the other.

/// Where a request came from, as recorded in audit rows.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
