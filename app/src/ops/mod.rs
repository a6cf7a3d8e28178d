//! Operations the screens call, one module per part of the record, all through the one edit path.

pub mod appointments;
pub mod attention;
pub mod caseload;
pub mod consent;
pub mod feed;
pub mod ics;
pub mod kept;
pub mod notes;
pub mod plan;
pub mod questions;
pub mod team;

use carecircle_shared::{ItemId, ValidationError};

/// The "no such item" error for an id.
pub(crate) fn missing(id: &ItemId) -> ValidationError {
    ValidationError::NoSuchItem { item: id.clone() }
}
