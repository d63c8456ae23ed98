//! What the app knows about the logged-in person and their current cabinet, shared by
//! every page through Leptos context, and refreshed on demand or by live events.

use leptos::prelude::*;
use paraphe_shared::{Delegation, Language, Role};

use crate::api::{self, cabinet_overview, me, ApiError, CabinetOverview, Me};
use crate::enums;

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub cabinet_id: String,
    pub cabinet_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CurrentCabinet {
    pub id: String,
    pub name: String,
    pub is_open: bool,
    pub role: Role,
    pub delegations: Vec<Delegation>,
    pub accepted_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    pub is_operator: bool,
    pub is_platform_admin: bool,
    /// The language this person chose (`setMyLanguage`), if they did.
    pub language: Option<Language>,
}

#[derive(Clone, Copy)]
pub struct Session {
    pub person: RwSignal<Option<Person>>,
    pub memberships: RwSignal<Vec<Membership>>,
    pub cabinet: RwSignal<Option<CurrentCabinet>>,
    /// Whether the live socket is subscribed.
    pub live: RwSignal<bool>,
    /// Bumped after every refresh, so pages with their own data reload too.
    pub version: RwSignal<u32>,
    pub loaded: RwSignal<bool>,
}

impl Session {
    pub fn new() -> Self {
        Session {
            person: RwSignal::new(None),
            memberships: RwSignal::new(Vec::new()),
            cabinet: RwSignal::new(None),
            live: RwSignal::new(false),
            version: RwSignal::new(0),
            loaded: RwSignal::new(false),
        }
    }

    pub fn cabinet_id(&self) -> Option<String> {
        self.cabinet
            .with_untracked(|c| c.as_ref().map(|c| c.id.clone()))
    }

    /// Reloads the person and the current cabinet.
    pub async fn load(self) -> Result<(), ApiError> {
        let data = api::run::<Me>(me::Variables).await?;
        let me = data.me;
        let memberships: Vec<Membership> = me
            .memberships
            .iter()
            .map(|m| Membership {
                cabinet_id: m.cabinet_id.clone(),
                cabinet_name: m.cabinet_name.clone(),
            })
            .collect();
        let current = me
            .current_cabinet_id
            .clone()
            .or_else(|| memberships.first().map(|m| m.cabinet_id.clone()));
        let cabinet = match current {
            Some(id) => {
                let overview = api::run::<CabinetOverview>(cabinet_overview::Variables { id })
                    .await?
                    .cabinet;
                Some(CurrentCabinet {
                    id: overview.id,
                    name: overview.name,
                    is_open: overview.is_open,
                    role: overview.my_role.into(),
                    delegations: enums::delegations(&overview.my_delegations),
                    accepted_at: overview.terms_acceptance.map(|t| t.accepted_at),
                })
            }
            None => None,
        };
        let language = me.user.language.and_then(|l| Language::try_from(l).ok());
        self.person.set(Some(Person {
            first_name: me.user.first_name,
            last_name: me.user.last_name,
            is_operator: me.user.is_operator,
            is_platform_admin: me.user.is_platform_admin,
            language,
        }));
        self.memberships.set(memberships);
        self.cabinet.set(cabinet);
        self.loaded.set(true);
        self.version.update(|v| *v += 1);
        Ok(())
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}
