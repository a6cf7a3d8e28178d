//! The `notes` document: dated notes, each with its author and an optional appointment link, and
//! the information the consumer and carers keep about the condition and the journey.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{DocSchema, SCHEMA_VERSION};
use crate::ids::{ItemId, MemberId};
use crate::policy::DocKind;
use crate::time::Timestamp;
use crate::validation::{self as v, Keyed, Links, ValidationError};

/// All notes of a circle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Notes {
    /// Schema version (see [`SCHEMA_VERSION`]).
    pub schema: u64,
    /// Notes by id.
    pub items: BTreeMap<ItemId, Note>,
    /// Information kept about the condition and the journey (links and notes), by id.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub information: BTreeMap<ItemId, Information>,
}

/// A piece of information someone keeps: a link to a fact sheet, a service, a book, with a
/// note on why it matters. Only the person who added it changes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Information {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// Who added it (only they may change it).
    pub added_by: Option<MemberId>,
    /// When it was added.
    pub added_at: Timestamp,
    /// What it is.
    pub title: String,
    /// Where to find it (an `https://` address), if anywhere.
    pub link: String,
    /// What it says, or why it is worth keeping.
    pub note: String,
}

impl Keyed for Information {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl Default for Notes {
    fn default() -> Self {
        Self {
            schema: SCHEMA_VERSION,
            items: BTreeMap::new(),
            information: BTreeMap::new(),
        }
    }
}

/// One dated note.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Note {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// Who wrote it (only they may change it).
    pub author: Option<MemberId>,
    /// When it was written.
    pub written_at: Timestamp,
    /// When it was last edited.
    pub edited_at: Option<Timestamp>,
    /// The note.
    pub text: String,
    /// The appointment it is about: an id in the appointments document.
    pub appointment_id: Option<ItemId>,
}

impl Keyed for Note {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

crate::parts!(Notes {
    fields: [schema],
    items: [items, information]
});

impl DocSchema for Notes {
    const KIND: DocKind = DocKind::Notes;

    fn schema_version(&self) -> u64 {
        self.schema
    }

    fn validate_change(&self, before: &Self, links: &Links) -> Result<(), ValidationError> {
        v::changed_items("notes", &before.items, &self.items, |n| {
            v::required_long("text", &n.text)?;
            match &n.appointment_id {
                Some(a) => Links::check(&links.appointments, "appointment_id", a),
                None => Ok(()),
            }
        })?;
        v::changed_items("information", &before.information, &self.information, |i| {
            v::required("title", &i.title)?;
            v::optional_link("link", &i.link)?;
            v::long("note", &i.note)
        })
    }
}

impl Notes {
    /// Notes, newest first.
    pub fn newest_first(&self) -> Vec<&Note> {
        let mut list: Vec<_> = self.items.values().collect();
        list.sort_by_key(|n| std::cmp::Reverse(n.written_at));
        list
    }
}
