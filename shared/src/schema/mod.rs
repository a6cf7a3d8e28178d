//! Typed schemas of a circle's five documents, and what every schema provides.
//!
//! Collections are maps keyed by [`ItemId`](crate::ids::ItemId), so concurrent inserts and
//! edits of different items merge. Ids, dates and states are plain strings; nested sections
//! exist from the skeleton on, so no client ever has to create a container.

pub mod appointments;
pub mod notes;
pub mod plan;
pub mod questions;
pub mod team;

use std::fmt::Debug;

use autosurgeon::{Hydrate, Reconcile};

use crate::parts::Parts;
use crate::policy::DocKind;
use crate::validation::{Links, ValidationError};

pub use appointments::{Appointment, AppointmentStatus, Appointments, Place, Slot};
pub use notes::{Information, Note, Notes};
pub use plan::{
    AreaStatus, Areas, Assessment, AssessmentArea, AssessmentSection, Children, Crisis, Ending,
    Goal, GoalStatus, LifeArea, PastReview, Plan, Referral, Review,
};
pub use questions::{Question, QuestionStatus, Questions};
pub use team::{Organisation, ServiceContact, Supports, Team, TeamMember};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u64 = 1;

/// What every document root type provides.
pub trait DocSchema:
    Hydrate + Reconcile + Parts + Clone + PartialEq + Debug + Default + Send + Sync + 'static
{
    /// Which of the five documents this is.
    const KIND: DocKind;

    /// The schema version stored in this document.
    fn schema_version(&self) -> u64;

    /// Checks everything that differs between `before` and `self` (new or changed items and
    /// sections). `links` holds the ids of other documents, where known.
    fn validate_change(&self, before: &Self, links: &Links) -> Result<(), ValidationError>;
}

/// Checks a stored schema version against this build's.
pub fn check_version(found: u64) -> Result<(), ValidationError> {
    if found == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(ValidationError::UnsupportedSchema {
            found,
            supported: SCHEMA_VERSION,
        })
    }
}
