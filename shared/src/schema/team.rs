//! The `team` document: care-team members and the organisations and agencies involved.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{DocSchema, SCHEMA_VERSION};
use crate::ids::{ItemId, MemberId};
use crate::policy::DocKind;
use crate::validation::{self as v, Keyed, Links, ValidationError};

/// The care team: who is involved, how to reach them, who to call if something goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Team {
    /// Schema version (see [`SCHEMA_VERSION`]).
    pub schema: u64,
    /// People in the care team, by id.
    pub members: BTreeMap<ItemId, TeamMember>,
    /// Organisations and agencies involved, by id.
    pub organisations: BTreeMap<ItemId, Organisation>,
    /// Who to contact at the public mental health service when there is no case manager.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub service_contact: ServiceContact,
    /// Supports and respite: the carers' business as much as the consumer's, so they are kept
    /// here, where carers read by default, not in the plan.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub supports: Supports,
}

/// The public mental health service to contact when there is no case manager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct ServiceContact {
    /// The service's name (e.g. the area mental health service).
    pub name: String,
    /// Its phone number.
    pub phone: String,
    /// When it can be reached.
    pub hours: String,
    /// Anything else worth knowing (intake line, after hours).
    pub notes: String,
}

/// Supports in place and respite arrangements.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Supports {
    /// Supports in place (psychosocial, peer, family, carer support...).
    pub supports: String,
    /// Respite arrangements.
    pub respite: String,
}

impl Default for Team {
    fn default() -> Self {
        Self {
            schema: SCHEMA_VERSION,
            members: BTreeMap::new(),
            organisations: BTreeMap::new(),
            service_contact: ServiceContact::default(),
            supports: Supports::default(),
        }
    }
}

/// One person in the care team (a clinician, support worker, GP, the case manager...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct TeamMember {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// Their name.
    pub name: String,
    /// Role title, e.g. "Psychiatrist", "Case manager".
    pub role_title: String,
    /// The organisation they work for (an id in `organisations`), if recorded.
    pub organisation_id: Option<ItemId>,
    /// Phone number.
    pub phone: String,
    /// Email address.
    pub email: String,
    /// Postal or street address.
    pub address: String,
    /// When they can be reached.
    pub hours: String,
    /// Anything else worth knowing.
    pub notes: String,
    /// Contact this person if something goes wrong.
    pub contact_if_something_goes_wrong: bool,
    /// This person is informed of changes in care.
    pub informed_of_changes: bool,
    /// The circle member this person is, if they use CareCircle.
    pub circle_member: Option<MemberId>,
}

/// An organisation or agency involved in care.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Organisation {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// Its name.
    pub name: String,
    /// The kind of service, e.g. "Community mental health", "Housing support".
    pub service_type: String,
    /// Main phone number.
    pub phone: String,
    /// Email address.
    pub email: String,
    /// Street address.
    pub address: String,
    /// Who to speak to there if anything goes wrong.
    pub contact_if_something_goes_wrong: String,
    /// Anything else worth knowing.
    pub notes: String,
}

impl Keyed for TeamMember {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl Keyed for Organisation {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl TeamMember {
    fn validate(&self, orgs: &BTreeMap<ItemId, Organisation>) -> Result<(), ValidationError> {
        v::required("name", &self.name)?;
        for (field, value) in [
            ("role_title", &self.role_title),
            ("phone", &self.phone),
            ("email", &self.email),
            ("address", &self.address),
            ("hours", &self.hours),
        ] {
            v::short(field, value)?;
        }
        v::long("notes", &self.notes)?;
        if let Some(org) = &self.organisation_id {
            let known = Some(orgs.keys().cloned().collect());
            Links::check(&known, "organisation_id", org)?;
        }
        Ok(())
    }
}

impl Organisation {
    fn validate(&self) -> Result<(), ValidationError> {
        v::required("name", &self.name)?;
        for (field, value) in [
            ("service_type", &self.service_type),
            ("phone", &self.phone),
            ("email", &self.email),
            ("address", &self.address),
            (
                "contact_if_something_goes_wrong",
                &self.contact_if_something_goes_wrong,
            ),
        ] {
            v::short(field, value)?;
        }
        v::long("notes", &self.notes)
    }
}

impl Team {
    /// Team members to contact if something goes wrong, by name.
    pub fn who_to_call(&self) -> Vec<&TeamMember> {
        let mut people: Vec<_> = self
            .members
            .values()
            .filter(|m| m.contact_if_something_goes_wrong)
            .collect();
        people.sort_by(|a, b| a.name.cmp(&b.name));
        people
    }

    /// Team members flagged "informed of changes".
    pub fn informed_of_changes(&self) -> Vec<&TeamMember> {
        self.members
            .values()
            .filter(|m| m.informed_of_changes)
            .collect()
    }
}

crate::parts!(Team {
    fields: [schema, service_contact, supports],
    items: [members, organisations]
});

impl DocSchema for Team {
    const KIND: DocKind = DocKind::Team;

    fn schema_version(&self) -> u64 {
        self.schema
    }

    fn validate_change(&self, before: &Self, _links: &Links) -> Result<(), ValidationError> {
        v::changed_section(&before.service_contact, &self.service_contact, |c| {
            for (field, value) in [("name", &c.name), ("phone", &c.phone), ("hours", &c.hours)] {
                v::short(field, value)?;
            }
            v::long("notes", &c.notes)
        })?;
        v::changed_section(&before.supports, &self.supports, |s| {
            v::long("supports", &s.supports)?;
            v::long("respite", &s.respite)
        })?;
        v::changed_items(
            "organisations",
            &before.organisations,
            &self.organisations,
            |o| o.validate(),
        )?;
        v::changed_items("members", &before.members, &self.members, |m| {
            m.validate(&self.organisations)
        })
    }
}
