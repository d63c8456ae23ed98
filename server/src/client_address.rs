//! The client's address as Paraphe sees it: the peer of the connection, or — behind a proxy
//! the configuration trusts — the last `X-Forwarded-For` entry, the one that proxy appended
//! (those before it are whatever the client chose to send). A leaf module: every edge that
//! logs, throttles or audits by address asks here.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

pub fn client_ip(trust_proxy: bool, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    trust_proxy
        .then(|| {
            headers
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .rsplit(',')
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .flatten()
        .unwrap_or_else(|| peer.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_names_the_client_and_only_by_its_own_entry() {
        let peer: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        assert_eq!(
            client_ip(false, &headers, peer),
            peer.ip(),
            "no proxy trusted: the peer"
        );
        assert_eq!(
            client_ip(true, &headers, peer).to_string(),
            "203.0.113.7",
            "the entry our proxy appended"
        );
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(
            client_ip(true, &headers, peer),
            peer.ip(),
            "garbage is not an address"
        );
    }
}
