//! The storage traits kept in process memory, for tools, examples and tests: nothing
//! survives the process. Handles are cheap to clone, and clones share their contents.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::{
    Authority, AuthorityKey, AuthorityName, AuthorityStore, Ca, CaHierarchy, CertState,
    CertificateRegistry, PkiError, Revocation, RevocationReason,
};

type Entries = HashMap<(Ca, Vec<u8>), CertState>;
type Named<K> = Vec<(AuthorityName, Authority<K>)>;

/// A [`CertificateRegistry`] in memory.
#[derive(Clone, Default)]
pub struct MemoryRegistry {
    entries: Arc<Mutex<Entries>>,
}

/// Takes a lock whatever happened to its last holder: every change under these locks is
/// a single insert or push, so a panic elsewhere cannot leave the contents half-changed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry that knows the hierarchy's own certificates (issuing CAs and
    /// time-stamping unit, issued by the root), as a stored registry does from the
    /// hierarchy's creation ([`load_or_create`](crate::store::load_or_create)).
    pub fn for_hierarchy<K>(hierarchy: &CaHierarchy<K>) -> Self {
        let entries = hierarchy
            .authorities()
            .into_iter()
            .filter(|(name, _)| *name != AuthorityName::Ca(Ca::Root))
            .map(|(_, authority)| {
                let serial = authority
                    .certificate
                    .tbs_certificate
                    .serial_number
                    .as_bytes();
                ((Ca::Root, serial.to_vec()), CertState::Good)
            })
            .collect();
        MemoryRegistry {
            entries: Arc::new(Mutex::new(entries)),
        }
    }
}

#[async_trait::async_trait]
impl CertificateRegistry for MemoryRegistry {
    async fn record(&self, issuer: Ca, certificate: &Certificate) -> Result<(), PkiError> {
        let serial = certificate
            .tbs_certificate
            .serial_number
            .as_bytes()
            .to_vec();
        lock(&self.entries).insert((issuer, serial), CertState::Good);
        Ok(())
    }

    async fn revoke(
        &self,
        issuer: Ca,
        serial: &SerialNumber,
        reason: RevocationReason,
    ) -> Result<Revocation, PkiError> {
        let key = (issuer, serial.as_bytes().to_vec());
        let mut entries = lock(&self.entries);
        match entries.get(&key) {
            None => Err(PkiError::UnknownCertificate),
            Some(CertState::Revoked(_)) => Err(PkiError::AlreadyRevoked),
            Some(CertState::Good) => {
                let revocation = Revocation {
                    at: Utc::now(),
                    reason,
                };
                entries.insert(key, CertState::Revoked(revocation));
                Ok(revocation)
            }
        }
    }

    async fn states(
        &self,
        issuer: Ca,
        serials: &[SerialNumber],
    ) -> Result<HashMap<Vec<u8>, CertState>, PkiError> {
        let entries = lock(&self.entries);
        Ok(serials
            .iter()
            .map(|serial| serial.as_bytes().to_vec())
            .filter_map(|k| entries.get(&(issuer, k.clone())).map(|state| (k, *state)))
            .collect())
    }

    async fn revoked(&self, issuer: Ca) -> Result<Vec<(Vec<u8>, Revocation)>, PkiError> {
        let entries = lock(&self.entries);
        let mut revoked: Vec<(Vec<u8>, Revocation)> = entries
            .iter()
            .filter(|((ca, _), _)| *ca == issuer)
            .filter_map(|((_, serial), state)| match state {
                CertState::Revoked(revocation) => Some((serial.clone(), *revocation)),
                CertState::Good => None,
            })
            .collect();
        // Oldest first, as the trait says; the serial breaks ties so the order is stable.
        revoked.sort_by(|(a, ra), (b, rb)| ra.at.cmp(&rb.at).then_with(|| a.cmp(b)));
        Ok(revoked)
    }
}

/// An [`AuthorityStore`] in memory: authorities kept as they are (keys included), the
/// root's certificates recorded in `registry`. Sessions are not isolated: what a session
/// saves is seen at once, and [`AuthorityStore::commit`] has nothing left to do.
pub struct MemoryAuthorityStore<K> {
    authorities: Arc<Mutex<Named<K>>>,
    registry: MemoryRegistry,
}

// Not derived: a derive would ask `K: Clone` of the handle, which only clones an `Arc`.
impl<K> Clone for MemoryAuthorityStore<K> {
    fn clone(&self) -> Self {
        MemoryAuthorityStore {
            authorities: self.authorities.clone(),
            registry: self.registry.clone(),
        }
    }
}

impl<K> MemoryAuthorityStore<K> {
    /// An empty store, whose hierarchy's certificates go to `registry`.
    pub fn new(registry: MemoryRegistry) -> Self {
        MemoryAuthorityStore {
            authorities: Arc::new(Mutex::new(Vec::new())),
            registry,
        }
    }

    /// Forgets the authority stored under `name`, as a store filled by an older version
    /// would miss it.
    pub fn remove(&self, name: AuthorityName) {
        lock(&self.authorities).retain(|(stored, _)| *stored != name);
    }

    /// The names stored, in the order they were saved.
    pub fn names(&self) -> Vec<AuthorityName> {
        lock(&self.authorities)
            .iter()
            .map(|(name, _)| *name)
            .collect()
    }
}

#[async_trait::async_trait]
impl<K: AuthorityKey> AuthorityStore for MemoryAuthorityStore<K> {
    type Key = K;

    async fn load(&mut self) -> Result<Vec<(AuthorityName, Authority<K>)>, PkiError> {
        Ok(lock(&self.authorities).clone())
    }

    async fn save(
        &mut self,
        name: AuthorityName,
        authority: &Authority<K>,
    ) -> Result<(), PkiError> {
        let mut authorities = lock(&self.authorities);
        authorities.retain(|(stored, _)| *stored != name);
        authorities.push((name, authority.clone()));
        Ok(())
    }

    async fn record(&mut self, issuer: Ca, certificate: &Certificate) -> Result<(), PkiError> {
        self.registry.record(issuer, certificate).await
    }

    async fn commit(self) -> Result<(), PkiError> {
        Ok(())
    }
}
