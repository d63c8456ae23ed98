use std::fmt;
use std::str::FromStr;

/// A member's role in a cabinet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The expert-comptable who owns the cabinet: accepts the terms, grants delegations,
    /// and holds every delegation implicitly.
    Accountant,
    /// Acts for the cabinet within the delegations the accountant granted.
    Collaborator,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Accountant => "accountant",
            Role::Collaborator => "collaborator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accountant" => Ok(Role::Accountant),
            "collaborator" => Ok(Role::Collaborator),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// What a collaborator may do for a cabinet, granted by its accountant in any combination.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Delegation {
    /// Prepare signature collections.
    Prepare,
    /// Sign on the cabinet's behalf.
    Sign,
    /// Apply the cabinet's seal.
    Seal,
}

impl Delegation {
    pub const ALL: [Delegation; 3] = [Delegation::Prepare, Delegation::Sign, Delegation::Seal];

    pub const fn as_str(self) -> &'static str {
        match self {
            Delegation::Prepare => "prepare",
            Delegation::Sign => "sign",
            Delegation::Seal => "seal",
        }
    }
}

impl fmt::Display for Delegation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_stored_form() {
        assert_eq!("accountant".parse(), Ok(Role::Accountant));
        assert_eq!("collaborator".parse(), Ok(Role::Collaborator));
        assert!("owner".parse::<Role>().is_err());
    }
}
