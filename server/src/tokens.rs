//! Bearer tokens in links (signers', phone hand-off, setup): random, URL-safe, and stored
//! only as their SHA-256, so that the database never holds a usable link.

use sha2::{Digest, Sha256};

/// A fresh link token (256 bits, URL-safe) and the hash stored in its place.
pub fn new_token() -> (String, Vec<u8>) {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}
