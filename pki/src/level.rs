//! What the hierarchy is made of: the certificate levels, the certificate authorities that
//! issue them, and the names the authorities are stored under.

use std::str::FromStr;

use der::asn1::ObjectIdentifier;

/// The certificate level, and so the issuing CA and the policy OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Advanced signature (LCP).
    Lcp,
    /// Advanced signature with a qualified certificate (QCP).
    Qcp,
    /// A cabinet's seal.
    Seal,
    /// A certificate made for one signature (a level-1 signer's, or the subscription
    /// agreement's before the identity check): the name is the one the preparer (or the
    /// person) typed, nobody verified it; only control of the email address and of the
    /// mobile was checked, by code. Its own CA and policy, so that no relying party takes
    /// it for a verified LCP certificate.
    OneTime,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Lcp, Level::Qcp, Level::Seal, Level::OneTime];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Lcp => "lcp",
            Level::Qcp => "qcp",
            Level::Seal => "seal",
            Level::OneTime => "onetime",
        }
    }

    /// The certificate policy its certificates carry: `1.3.6.1.4.1.99999.1.{1,2,3,4}` for
    /// LCP, QCP, seal and one-time, a private arc until real OIDs are assigned.
    pub fn policy_oid(self) -> ObjectIdentifier {
        match self {
            Level::Lcp => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.1"),
            Level::Qcp => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.2"),
            Level::Seal => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.3"),
            Level::OneTime => ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1.4"),
        }
    }

    /// The level whose policy `oid` is, for reading a certificate back.
    pub fn from_policy_oid(oid: &ObjectIdentifier) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|level| level.policy_oid() == *oid)
    }

    /// What a relying party is told the certificate vouches for.
    pub fn description_fr(self) -> &'static str {
        match self {
            Level::Lcp => "certificat LCP : identité vérifiée",
            Level::Qcp => "certificat qualifié (QCP) : identité vérifiée",
            Level::Seal => "cachet d'une personne morale",
            Level::OneTime => "certificat à usage unique : nom déclaré par le préparateur, e-mail et mobile vérifiés par code",
        }
    }

    /// The CA that issues certificates of this level.
    pub fn ca(self) -> Ca {
        match self {
            Level::Lcp => Ca::Lcp,
            Level::Qcp => Ca::Qcp,
            Level::Seal => Ca::Seal,
            Level::OneTime => Ca::OneTime,
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown level {s:?} (lcp, qcp, seal or onetime)"))
    }
}

/// A certificate authority of the hierarchy: the root (which issues the other CAs and the
/// time-stamping unit) or an issuing CA. Names a CRL (`/pki/{ca}.crl`) and the entries of
/// a [`CertificateRegistry`](crate::CertificateRegistry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ca {
    Root,
    Lcp,
    Qcp,
    Seal,
    OneTime,
}

impl Ca {
    pub const ALL: [Ca; 5] = [Ca::Root, Ca::Lcp, Ca::Qcp, Ca::Seal, Ca::OneTime];

    pub fn as_str(self) -> &'static str {
        match self {
            Ca::Root => "root",
            Ca::Lcp => "lcp",
            Ca::Qcp => "qcp",
            Ca::Seal => "seal",
            Ca::OneTime => "onetime",
        }
    }

    /// How its certificate's common name says it: `Paraphe {label} CA`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Ca::Root => "Root",
            Ca::Lcp => "LCP",
            Ca::Qcp => "QCP",
            Ca::Seal => "Seal",
            Ca::OneTime => "One-Time Signer",
        }
    }
}

impl FromStr for Ca {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ca::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown CA {s:?}"))
    }
}

/// One of the six authorities of a [`CaHierarchy`](crate::CaHierarchy): a CA, or the
/// time-stamping unit. The name an [`AuthorityStore`](crate::AuthorityStore) keeps each
/// under (`root`, `lcp`, `qcp`, `seal`, `onetime`, `tsa`), and the one a key is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthorityName {
    Ca(Ca),
    /// The time-stamping unit, certified by the root.
    Tsa,
}

impl AuthorityName {
    /// In the order a hierarchy is made: the root first, the time-stamping unit last.
    pub const ALL: [AuthorityName; 6] = [
        AuthorityName::Ca(Ca::Root),
        AuthorityName::Ca(Ca::Lcp),
        AuthorityName::Ca(Ca::Qcp),
        AuthorityName::Ca(Ca::Seal),
        AuthorityName::Ca(Ca::OneTime),
        AuthorityName::Tsa,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthorityName::Ca(ca) => ca.as_str(),
            AuthorityName::Tsa => "tsa",
        }
    }

    /// Its place in [`AuthorityName::ALL`].
    pub(crate) fn index(self) -> usize {
        match self {
            AuthorityName::Ca(Ca::Root) => 0,
            AuthorityName::Ca(Ca::Lcp) => 1,
            AuthorityName::Ca(Ca::Qcp) => 2,
            AuthorityName::Ca(Ca::Seal) => 3,
            AuthorityName::Ca(Ca::OneTime) => 4,
            AuthorityName::Tsa => 5,
        }
    }
}

impl std::fmt::Display for AuthorityName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthorityName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuthorityName::ALL
            .into_iter()
            .find(|name| name.as_str() == s)
            .ok_or_else(|| format!("unknown authority {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
            assert_eq!(Level::from_policy_oid(&level.policy_oid()), Some(level));
        }
        for ca in Ca::ALL {
            assert_eq!(ca.as_str().parse::<Ca>(), Ok(ca));
        }
        for (index, name) in AuthorityName::ALL.into_iter().enumerate() {
            assert_eq!(name.index(), index);
            assert_eq!(name.as_str().parse::<AuthorityName>(), Ok(name));
        }
        assert!("nope".parse::<Level>().is_err());
    }
}
