//! Keeping a hierarchy between runs: an [`AuthorityStore`] holds each authority's
//! certificate and key (sealed, or a reference to where the key lives), and
//! [`load_or_create`] finds the hierarchy there, or makes and stores it on the first run.

use x509_cert::Certificate;

use crate::hierarchy::issue_subordinate;
use crate::{Authority, AuthorityKey, AuthorityName, Ca, CaHierarchy, PkiError, StoredAuthorities};

/// One session with the store of a hierarchy's authorities: from opening it to
/// [`AuthorityStore::commit`], nothing it saves or records is seen by others, and a store
/// shared by several processes lets only one session run at a time (e.g. a database
/// transaction holding a lock), so that replicas starting together agree on one hierarchy.
/// Dropped without a commit, the session keeps nothing.
#[async_trait::async_trait]
pub trait AuthorityStore: Send {
    /// What the stored authorities sign with.
    type Key: AuthorityKey;

    /// Every stored authority with its name. Empty for a hierarchy never stored; an
    /// authority that cannot be opened (a key sealed under another key, a token missing)
    /// is an error, not an absence.
    async fn load(&mut self) -> Result<Vec<(AuthorityName, Authority<Self::Key>)>, PkiError>;

    /// Keeps `authority` under `name`.
    async fn save(
        &mut self,
        name: AuthorityName,
        authority: &Authority<Self::Key>,
    ) -> Result<(), PkiError>;

    /// Records, in the certificate registry and in this same session, a certificate the
    /// root issued to one of the hierarchy's own authorities: OCSP and the root's CRL must
    /// know them like any other.
    async fn record(&mut self, issuer: Ca, certificate: &Certificate) -> Result<(), PkiError>;

    /// Makes what was saved and recorded durable, and ends the session.
    async fn commit(self) -> Result<(), PkiError>;
}

/// The hierarchy in `store`, created with `generate` when the store is empty. An
/// authority added to the hierarchy after a store was first filled (the one-time CA) is
/// made on the first load that misses it, certified by the stored root, with a key from
/// `make_key`. A store that still misses an authority is
/// [`PkiError::Incomplete`]: restore it from a backup rather than start another root.
///
/// `generate` is usually [`CaHierarchy::generate`] or [`CaHierarchy::generate_with`];
/// it runs inside the session (while replicas wait), and makes RSA keys: seconds of a core.
pub async fn load_or_create<S: AuthorityStore>(
    mut store: S,
    base_url: &str,
    mut make_key: impl FnMut(AuthorityName) -> Result<S::Key, PkiError>,
    generate: impl FnOnce() -> Result<CaHierarchy<S::Key>, PkiError>,
) -> Result<CaHierarchy<S::Key>, PkiError> {
    let stored = store.load().await?;
    if !stored.is_empty() {
        let mut found: [Option<Authority<S::Key>>; 6] = Default::default();
        for (name, authority) in stored {
            found[name.index()] = Some(authority);
        }
        let onetime = AuthorityName::Ca(Ca::OneTime);
        let root = AuthorityName::Ca(Ca::Root);
        // The one-time CA came after the others: a hierarchy stored before has none yet.
        if found[onetime.index()].is_none() {
            if let Some(root) = &found[root.index()] {
                let authority = issue_subordinate(
                    root,
                    base_url.trim_end_matches('/'),
                    Ca::OneTime,
                    make_key(onetime)?,
                )?;
                store.save(onetime, &authority).await?;
                store.record(Ca::Root, &authority.certificate).await?;
                tracing::info!("created the one-time certificate authority of this instance");
                found[onetime.index()] = Some(authority);
            }
        }
        store.commit().await?;
        let [Some(root), Some(lcp), Some(qcp), Some(seal), Some(onetime), Some(tsa)] = found else {
            let missing: Vec<&str> = AuthorityName::ALL
                .iter()
                .zip(&found)
                .filter(|(_, a)| a.is_none())
                .map(|(name, _)| name.as_str())
                .collect();
            return Err(PkiError::Incomplete(format!(
                "missing: {}",
                missing.join(", ")
            )));
        };
        return Ok(CaHierarchy::from_parts(
            StoredAuthorities {
                root,
                lcp,
                qcp,
                seal,
                onetime,
                tsa,
            },
            base_url,
        ));
    }
    let hierarchy = generate()?;
    for (name, authority) in hierarchy.authorities() {
        store.save(name, authority).await?;
    }
    // The root's own children are certificates like the others: OCSP and the root CRL
    // must know them.
    for (name, authority) in hierarchy.authorities() {
        if name != AuthorityName::Ca(Ca::Root) {
            store.record(Ca::Root, &authority.certificate).await?;
        }
    }
    store.commit().await?;
    tracing::info!("created the certificate authorities of this instance");
    Ok(hierarchy)
}
